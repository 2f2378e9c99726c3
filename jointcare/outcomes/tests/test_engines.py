"""One definition, two engines: the whole pack on DuckDB and on Spark from the same data gives the same figures.

Spark needs a Java runtime and takes a while to start, and the engines read Parquet, whatever the database, so
this runs once, in the SQLite pass."""

import pytest

from jointcare.cld import testing as t
from jointcare.outcomes import compute, source
from jointcare.outcomes.tests.conftest import FY, LA, NHS, OTHER, PERIOD, PREVIOUS

pytestmark = [pytest.mark.django_db, pytest.mark.one_database]

STMAX = "Short term support: ST-Max"
RES = "Long term support: Residential care"
COMMUNITY = "Long term support: Community"


def _world():
    t.submission([t.service("R", "2024-06-01", "2025-03-01", service_type=RES)], la_code=LA, period=PREVIOUS)
    t.submission([
        t.service("R", "2025-06-01", None, service_type=RES),
        t.service("N", "2025-06-01", None, service_type=RES, Date_of_Birth="1970-02-02"),
        t.service("H", "2025-05-01", "2025-05-30", service_type=STMAX, outcome="NFA: Support ended as planned", nhs_number=NHS[0]),
        t.service("L", "2025-05-01", "2025-05-30", service_type=STMAX, outcome="Continuation of support or services", nhs_number=NHS[1]),
        t.service("L", "2025-06-02", None, service_type=COMMUNITY, Accommodation_Status="Tenant", nhs_number=NHS[1]),
        t.service("E", "2025-05-01", "2025-05-30", service_type=STMAX, outcome="Progress to support planning or services"),
        t.service("E", "2025-05-05", "2025-05-06", service_type="Short term support: Other short term", Service_Component="Equipment"),
        t.request("Q", "2025-05-01", outcome="Progress to reablement/ST-Max", Request_Route_of_Access="Discharge from hospital"),
        t.service("Q", "2025-05-03", "2025-06-01", service_type=STMAX, outcome="Admitted to hospital"),
        t.service("A", "2025-11-03", "2025-11-30", service_type=STMAX, outcome="NFA: Support ended as planned", nhs_number=NHS[2]),
    ], la_code=LA, period=FY)
    t.submission([
        t.service("C", "2025-05-01", None, service_type=RES, Accommodation_Status="Registered care home"),
        t.service("D", "2025-05-01", "2025-05-30", service_type=STMAX, outcome="NFA: Other", nhs_number=NHS[3]),
        t.request("X", "2025-07-01", outcome="NFA: Information and advice or signposting"),
    ], la_code=OTHER, period=FY)
    t.population(LA, "65 and above", 16_000)
    t.population(LA, "18 to 64", 90_000)
    t.population(OTHER, "65 and above", 30_000)
    t.hospital([
        {"NHS_Number": NHS[0], "Admission_Date": "2025-04-20", "Discharge_Date": "2025-04-29"},
        {"NHS_Number": NHS[1], "Admission_Date": "2025-04-20", "Discharge_Date": "2025-04-30", "Discharge_Destination": "54"},
        {"NHS_Number": NHS[1], "Admission_Date": "2025-06-20", "Discharge_Date": "2025-06-25", "Admission_Method": "21"},
        {"NHS_Number": NHS[2], "Admission_Date": "2025-10-20", "Discharge_Date": "2025-11-01"},
        {"NHS_Number": NHS[3], "Admission_Date": "2025-04-25", "Discharge_Date": "2025-04-30"},
    ])


def test_the_whole_pack_is_the_same_on_duckdb_and_spark(settings):
    # A few rows: compiling each query to Java (whole-stage code generation) would cost more than running it.
    settings.JOINTCARE_SPARK_CONF = {"spark.sql.codegen.wholeStage": "false", "spark.sql.adaptive.enabled": "false"}
    _world()
    con = source.connect(PERIOD)
    try:
        on_duckdb = compute.compute_pack(con, PERIOD, "duckdb")
        on_spark = compute.compute_pack(con, PERIOD, "spark")
    finally:
        con.close()
    assert on_duckdb.councils == on_spark.councils == [OTHER, LA]
    assert on_spark.figures == on_duckdb.figures
    # not all empty: the comparison means something
    assert sum(f.denominator for f in on_duckdb.figures.values()) > 0
    assert sum(1 for f in on_duckdb.figures.values() if f.numerator) >= 5
