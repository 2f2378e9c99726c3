import pytest

from jointcare.accounts import services as account_services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import Posting
from jointcare.pool.tests.conftest import AGREEMENT_YAML

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(finance):
    _, token = account_services.create_token(None, finance, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_create_post_monitor_settle(client, partners, auth):
    r = client.post("/api/v1/pools", {"document": AGREEMENT_YAML}, content_type="application/json", **auth)
    assert r.status_code == 201, r.content
    pool_id = r.json()["id"]
    accounts = client.get(f"/api/v1/pools/{pool_id}/accounts", **auth).json()
    spend = next(a["id"] for a in accounts if a["kind"] == AccountKind.SPEND and a["scheme"] == "REAB")
    cash = next(a["id"] for a in accounts if a["kind"] == AccountKind.CASH)
    body = {
        "key": "k1",
        "value_date": "2026-05-04",
        "reason": "invoice",
        "postings": [{"account_id": spend, "amount_pence": 500}, {"account_id": cash, "amount_pence": -500}],
    }
    r = client.post(f"/api/v1/pools/{pool_id}/transactions", body, content_type="application/json", **auth)
    assert r.status_code == 201 and r.json()["period"] == "2026-05"
    body["key"], body["postings"][0]["amount_pence"] = "k2", 499
    r = client.post(f"/api/v1/pools/{pool_id}/transactions", body, content_type="application/json", **auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "postings"
    assert Posting.objects.count() == 2
    r = client.post(
        f"/api/v1/pools/{pool_id}/actuals",
        {"file": _file(b"reference,date,scheme,amount\nX,2026-13-01,REAB,1\n"), "dry_run": "true"},
        **auth,
    )
    assert r.status_code == 400 and r.json()["errors"][0] == {
        "row": 2,
        "field": "date",
        "message": r.json()["errors"][0]["message"],
    }
    r = client.post(
        f"/api/v1/pools/{pool_id}/commitments",
        {"scheme": "REAB", "month": "2026-09-01", "amount_pence": 900, "source": "care", "reference": "p1"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200
    m = client.get(f"/api/v1/pools/{pool_id}/monitoring?through=2", **auth).json()
    reab = next(s for s in m["schemes"] if s["key"] == "REAB")
    assert reab["actuals_pence"] == 500 and reab["months"][5]["forecast_pence"] == 900
    r = client.get(f"/api/v1/pools/{pool_id}/reports/quarterly?format=csv", **auth)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    r = client.get(f"/api/v1/pools/{pool_id}/reports/statement", **auth)
    assert len(r.json()) == 2
    r = client.post(f"/api/v1/pools/{pool_id}/periods/2/close", **auth)
    assert r.status_code == 409 and "close April 2026 before May 2026" in r.json()["detail"]
    for number in (1, 2):
        r = client.post(f"/api/v1/pools/{pool_id}/periods/{number}/close", **auth)
        assert r.json()["closed"]
    body["key"], body["postings"][0]["amount_pence"] = "k3", 500
    r = client.post(f"/api/v1/pools/{pool_id}/transactions", body, content_type="application/json", **auth)
    assert r.status_code == 409
    r = client.post(
        f"/api/v1/pools/{pool_id}/settle", {"dry_run": True}, content_type="application/json", **auth
    )
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert client.get(f"/api/v1/pools/{pool_id}/ledger-check", **auth).json()["ok"] is True
    assert "risk_share" in client.get(f"/api/v1/pools/{pool_id}/agreement", **auth).content.decode()


def _file(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.csv", content, content_type="text/csv")


def test_capabilities_are_checked(client, pool, partners, user_factory):
    analyst = user_factory("ana", roles=["analyst"], organisation=partners["icb"])
    _, token = account_services.create_token(None, analyst, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/api/v1/pools/{pool.pk}", **auth).status_code == 200
    r = client.post(f"/api/v1/pools/{pool.pk}/settle", {}, content_type="application/json", **auth)
    assert r.status_code == 403
    carer = user_factory("cara", roles=["care_coordinator"])
    _, token = account_services.create_token(None, carer, "t")
    assert client.get("/api/v1/pools", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
    assert client.get("/api/v1/pools").status_code == 401


def test_reopen_a_settled_pool(client, pool, finance, auth):
    from jointcare.pool import services
    from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year

    r = client.post(f"/api/v1/pools/{pool.pk}/reopen", {"reason": "late"}, content_type="application/json", **auth)
    assert r.status_code == 409 and "only a settled pool" in r.json()["detail"]
    close_year(finance, pool)
    services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    r = client.post(f"/api/v1/pools/{pool.pk}/reopen", {"reason": " "}, content_type="application/json", **auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(f"/api/v1/pools/{pool.pk}/reopen", {"reason": "late invoice"}, content_type="application/json", **auth)
    assert r.status_code == 200 and r.json()["settled"] is False
