import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jointcare.pool import services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import Posting
from jointcare.pool.tests.conftest import AGREEMENT_YAML

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def signed_in(client, finance):
    client.login(username="fiona", password=PASSWORD)
    return client


def test_pages_render(signed_in, pool, finance):
    scheme = pool.schemes.get(code="REAB")
    services.post_transaction(
        finance,
        pool,
        key="a",
        value_date=dt.date(2026, 4, 3),
        reason="r",
        postings=[
            (services.account_for(pool, AccountKind.SPEND, scheme=scheme), 1000),
            (services.account_for(pool, AccountKind.CASH), -1000),
        ],
    )
    for path in [
        "/pools/",
        f"/pools/{pool.pk}/",
        f"/pools/{pool.pk}/monitoring",
        f"/pools/{pool.pk}/monitoring?scheme=REAB",
        f"/pools/{pool.pk}/reports/statement",
        f"/pools/{pool.pk}/reports/quarterly",
        f"/pools/{pool.pk}/reports/year-end",
        f"/pools/{pool.pk}/import",
        f"/pools/{pool.pk}/settle",
        "/pools/new",
    ]:
        r = signed_in.get(path)
        assert r.status_code == 200, path
    r = signed_in.get(f"/pools/{pool.pk}/monitoring")
    assert b"<svg" in r.content and b"chart-data" in r.content
    r = signed_in.get(f"/pools/{pool.pk}/monitoring?format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxml")
    assert signed_in.get(f"/pools/{pool.pk}/reports/statement?format=csv").status_code == 200
    assert signed_in.get(f"/pools/{pool.pk}/reports/nope").status_code == 404


def test_monitoring_query_count_does_not_grow_with_postings(signed_in, pool, finance):
    with CaptureQueriesContext(connection) as few:
        signed_in.get(f"/pools/{pool.pk}/monitoring")
    s, c = (
        services.account_for(pool, AccountKind.SPEND, scheme=pool.schemes.get(code="REAB")).pk,
        services.account_for(pool, AccountKind.CASH).pk,
    )
    entries = [
        services.Entry(f"k{i}", dt.date(2026, 4 + i % 9, 1), [(s, 5), (c, -5)], "r") for i in range(200)
    ]
    services.post_transactions_bulk(finance, pool, entries, "t")
    with CaptureQueriesContext(connection) as many:
        signed_in.get(f"/pools/{pool.pk}/monitoring")
    assert len(many) == len(few)


def test_import_page_reports_rejected_rows(signed_in, pool):
    f = SimpleUploadedFile("a.csv", b"reference,date,scheme,amount\nA,2026-05-01,NOPE,1\n")
    r = signed_in.post(f"/pools/{pool.pk}/import", {"file": f})
    assert r.status_code == 400 and b"Row 2, scheme" in r.content
    f = SimpleUploadedFile("a.csv", b"reference,date,scheme,amount\nA,2026-05-01,REAB,1\n")
    r = signed_in.post(f"/pools/{pool.pk}/import", {"file": f})
    assert r.status_code == 200 and Posting.objects.count() == 2


def test_create_close_and_settle(signed_in, partners, clock):
    from jointcare.pool.tests.conftest import AFTER_YEAR_END

    r = signed_in.post("/pools/new", {"document": AGREEMENT_YAML.replace("budget: 5000.00", "budget: -1")})
    assert r.status_code == 400 and b"schemes[0].budget" in r.content
    r = signed_in.post("/pools/new", {"document": AGREEMENT_YAML})
    assert r.status_code == 302
    pk = int(r["Location"].strip("/").split("/")[-1])
    clock(AFTER_YEAR_END)
    r = signed_in.post(f"/pools/{pk}/periods/1/close")
    assert r.status_code == 302
    r = signed_in.post(f"/pools/{pk}/settle")
    assert r.status_code == 409 and b"still open" in r.content
    preview = signed_in.get(f"/pools/{pk}/settle")
    assert b"Provisional: not the final outturn" in preview.content and b"Settle and post" not in preview.content
    for number in range(2, 12):
        assert signed_in.post(f"/pools/{pk}/periods/{number}/close").status_code == 302
    r = signed_in.post(f"/pools/{pk}/settle")
    assert r.status_code == 302 and "statement" in r["Location"]


def test_capability_needed(client, pool, partners, user_factory):
    user_factory("cara", roles=["care_coordinator"])
    client.login(username="cara", password=PASSWORD)
    assert client.get("/pools/").status_code == 403
    user_factory("ana", roles=["analyst"], organisation=partners["icb"])
    client.login(username="ana", password=PASSWORD)
    assert client.get(f"/pools/{pool.pk}/").status_code == 200
    assert client.post(f"/pools/{pool.pk}/settle").status_code == 403
    assert client.post(f"/pools/{pool.pk}/periods/1/close").status_code == 403
