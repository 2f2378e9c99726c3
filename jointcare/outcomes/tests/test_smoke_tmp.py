import pytest
from jointcare.cld import testing as t
from jointcare.outcomes import compute, domain, source, queries
pytestmark = pytest.mark.django_db

def test_smoke():
    t.submission([
        t.service("P1", "2025-05-01", "2025-05-20", service_type="Short term support: ST-Max", outcome="NFA: Support ended as planned"),
        t.service("P2", "2025-06-01", None, service_type="Long term support: Nursing care", Service_Component="Nursing care"),
        t.request("P3", "2025-06-01", outcome="Progress to reablement/ST-Max"),
        t.service("P3", "2025-06-05", "2025-07-01", service_type="Short term support: ST-Max", outcome="Admitted to hospital"),
        t.service("P4", "2025-06-05", None, Accommodation_Status="Tenant"),
    ], la_code="E09000001")
    t.population("E09000001", "65 and above", 40000)
    t.hospital([{"NHS_Number": "9990000018", "Admission_Date": "2025-06-01", "Discharge_Date": "2025-06-03"}])
    period = domain.parse_period("2025-26")
    con = source.connect(period)
    import time
    pack = compute.compute_pack(con, period)
    print(domain.as_json("2025-26", pack.rows()))
    t0=time.time(); pack2 = compute.compute_pack(con, period, "spark"); print("spark", time.time()-t0)
    t0=time.time(); pack2 = compute.compute_pack(con, period, "spark"); print("spark again", time.time()-t0)
    assert pack2.figures == pack.figures
