"""Setting a pool up step by step: each answer checked by the same rules as an agreement file, the pool created
from the same document, and the answers downloadable as that file."""

import pytest
import yaml

from jointcare.pool import agreement_file
from jointcare.pool.models import Pool

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def parties(partners):
    """The agreement, whose parties (the council hosting, the ICB) the pool's partners are chosen from."""
    from jointcare.partnerships.models import Agreement

    return Agreement.objects.get(name="Test Section 75")


@pytest.fixture
def signed_in(client, finance):
    client.login(username="fiona", password=PASSWORD)
    return client


def answer(client, step, data, status=302):
    r = client.post(f"/pools/new/{step}", data)
    assert r.status_code == status, r.content.decode()[-3000:]
    return r


def fill_in(client, agreement, partners):
    icb, council = partners["icb"].pk, partners["council"].pk
    assert client.post("/pools/new/start").status_code == 302
    answer(client, "agreement", {"agreement": agreement.pk, "financial_year": "2026-27"})
    answer(client, "pool", {"name": "Better Care Fund", "host": council, "manager": "fiona"})
    answer(client, "contributions", {"action": "save", "partner": icb, "amount": "6000.00", "type": "pooled", "form": "cash", "schedule": "quarterly"})
    answer(client, "contributions", {"action": "save", "partner": council, "amount": "4000.00", "type": "pooled", "form": "cash",
                                     "schedule": "custom", "instalment_1": "1000", "instalment_7": "3000.00"})
    assert answer(client, "contributions", {"action": "continue"})["Location"] == "/pools/new/schemes"
    answer(client, "schemes", {"action": "save", "code": "REAB", "name": "Reablement", "service_area": "reablement", "lead": council,
                               "budget": "5000.00", f"funder_{icb}": "60", f"funder_{council}": "40"})
    answer(client, "schemes", {"action": "save", "code": "EQUIP", "name": "Community equipment", "service_area": "community_equipment",
                               "lead": icb, "budget": "4500.00"})
    answer(client, "schemes", {"action": "continue"})
    r = answer(client, "risk-share", {"risk_reserve": "500.00", "method": "pro_rata", "underspend": "return_pro_rata",
                                      f"cap_{icb}": "contribution", f"cap_{council}": "contribution", "excess_to": icb})
    assert r["Location"] == "/pools/new/check"


def test_a_pool_set_up_through_the_form_is_the_pool_its_agreement_file_describes(signed_in, parties, partners, finance):
    fill_in(signed_in, parties, partners)
    check = signed_in.get("/pools/new/check").content.decode()
    for text in ("Better Care Fund", "Test ICB", "£6,000.00, pooled, cash, quarterly", "Reablement (REAB)", "Test ICB 60%", "£10,000.00", "Create the pool"):
        assert text in check, text
    document = signed_in.get("/pools/new/agreement.yaml")
    assert document["Content-Disposition"].startswith('attachment; filename="better-care-fund-2026-27-agreement-')
    r = signed_in.post("/pools/new/check")
    assert r.status_code == 302
    pool = Pool.objects.get()
    assert r["Location"] == f"/pools/{pool.pk}/"
    # the same pool as creating it from the downloaded answers, and as exporting it says
    exported = yaml.safe_load(agreement_file.export(pool))
    assert exported["pool"]["name"] == "Better Care Fund" and exported["pool"]["risk_reserve"] == "500.00"
    assert [c["amount"] for c in exported["contributions"]] == ["6000.00", "4000.00"]
    assert exported["contributions"][1]["instalments"] == {1: "1000.00", 7: "3000.00"}
    schemes = {s["code"]: s for s in exported["schemes"]}
    assert schemes["REAB"]["funders"] == {"qzz": 60, "e06000099": 40} and "funders" not in schemes["EQUIP"]
    assert exported["risk_share"] == {"method": "pro_rata", "underspend": "return_pro_rata",
                                      "caps": {"qzz": "contribution", "e06000099": "contribution"}, "excess_to": "qzz"}
    spec = agreement_file.parse(yaml.safe_load(document.content))
    assert spec.name == pool.name and spec.risk_reserve_pence == pool.risk_reserve_pence == 50000
    assert pool.manager.username == "fiona"
    assert "pool_setup" not in signed_in.session


def test_each_answer_is_checked_where_it_is_given(signed_in, parties, partners):
    icb, council = partners["icb"].pk, partners["council"].pk
    signed_in.post("/pools/new/start")
    r = answer(signed_in, "agreement", {"agreement": parties.pk, "financial_year": "soon"}, status=400)
    assert 'href="#financial_year"' in r.content.decode() and "is not a financial year" in r.content.decode()
    r = answer(signed_in, "agreement", {"agreement": parties.pk, "financial_year": "999999999"}, status=400)
    assert "&#39;999999999&#39; is not a financial year" in r.content.decode()
    r = answer(signed_in, "agreement", {"financial_year": "2026-27"}, status=400)
    assert "Choose the agreement the pool belongs to" in r.content.decode()
    answer(signed_in, "agreement", {"agreement": parties.pk, "financial_year": "2026-27"})
    r = answer(signed_in, "pool", {"name": "", "host": "999"}, status=400)
    body = r.content.decode()
    assert 'href="#name"' in body and 'href="#host"' in body
    answer(signed_in, "pool", {"name": "BCF", "host": council})
    r = answer(signed_in, "contributions", {"action": "continue"}, status=400)
    assert "Add at least one contribution" in r.content.decode()
    r = answer(signed_in, "contributions", {"action": "save", "partner": icb, "amount": "lots", "type": "pooled", "form": "cash", "schedule": "monthly"}, status=400)
    assert 'href="#amount"' in r.content.decode() and "is not an amount of money" in r.content.decode()
    r = answer(signed_in, "contributions", {"action": "save", "partner": icb, "amount": "100", "type": "pooled", "form": "cash",
                                            "schedule": "custom", "instalment_2": "60"}, status=400)
    assert "add up to £60.00, not the amount £100.00" in r.content.decode()
    answer(signed_in, "contributions", {"action": "save", "partner": icb, "amount": "100", "type": "pooled", "form": "cash", "schedule": "monthly"})
    r = answer(signed_in, "schemes", {"action": "save", "code": "A", "name": "A", "service_area": "reablement", "lead": icb, "budget": "100",
                                      f"funder_{icb}": "50", f"funder_{council}": "40"}, status=400)
    body = r.content.decode()
    assert "shares add up to 90%, not 100%" in body
    # problems name partners as people know them, against the partner's own box
    assert "Test Council funds the scheme but pays nothing into the pool" in body and f'href="#funder_{council}"' in body
    r = answer(signed_in, "schemes", {"action": "save", "code": "A", "name": "A", "service_area": "reablement", "lead": icb, "budget": "100",
                                      f"funder_{icb}": "fifty"}, status=400)
    assert f'href="#funder_{icb}"' in r.content.decode()
    answer(signed_in, "schemes", {"action": "save", "code": "A", "name": "A", "service_area": "reablement", "lead": icb, "budget": "100"})
    r = answer(signed_in, "schemes", {"action": "save", "code": "A", "name": "B", "service_area": "reablement", "lead": icb, "budget": "1"}, status=400)
    assert "&#39;A&#39; is also the code of schemes[0]" in r.content.decode()
    r = answer(signed_in, "risk-share", {"method": "fixed", "underspend": "return_pro_rata", f"share_{icb}": "30"}, status=400)
    assert "shares add up to 30%, not 100%" in r.content.decode()
    r = answer(signed_in, "risk-share", {"method": "pro_rata", "underspend": "return_pro_rata", f"cap_{icb}": "amount", f"cap_amount_{icb}": ""}, status=400)
    assert f'href="#cap_amount_{icb}"' in r.content.decode()
    assert not Pool.objects.exists()


def test_items_can_be_changed_and_removed(signed_in, parties, partners):
    fill_in(signed_in, parties, partners)
    icb = partners["icb"].pk
    page = signed_in.get("/pools/new/schemes?item=1&return=check").content.decode()
    assert 'value="EQUIP"' in page and "Change scheme 2" in page
    r = signed_in.post("/pools/new/schemes?item=1&return=check", {"action": "save", "code": "EQUIP", "name": "Equipment", "service_area": "community_equipment", "lead": icb, "budget": "4600.00"})
    assert r.status_code == 302 and r["Location"] == "/pools/new/schemes?return=check"
    assert "Equipment (EQUIP)" in signed_in.get("/pools/new/check").content.decode()
    r = signed_in.post("/pools/new/schemes", {"action": "remove", "index": "0"})
    assert r.status_code == 302 and "Removed Reablement (REAB)" in signed_in.get(r["Location"]).content.decode()
    check = signed_in.get("/pools/new/check").content.decode()
    assert "Reablement (REAB)" not in check and "They differ by" in check
    assert signed_in.get("/pools/new/schemes?item=7").status_code == 404


def test_a_refused_creation_is_shown_on_the_check_page(signed_in, parties, partners, finance):
    fill_in(signed_in, parties, partners)
    agreement_file.create_from_text(finance, yaml.safe_dump(yaml.safe_load(signed_in.get("/pools/new/agreement.yaml").content)))
    r = signed_in.post("/pools/new/check")
    assert r.status_code == 409 and "already has a pool for 2026-27" in r.content.decode()
    assert Pool.objects.count() == 1


def test_the_steps_need_the_agreement_first_and_the_capability(client, signed_in, user_factory):
    assert signed_in.get("/pools/new/schemes").status_code == 302
    assert signed_in.get("/pools/new/nope").status_code == 404
    assert signed_in.get("/pools/new").status_code == 200
    template = signed_in.get("/pools/new/agreement-template.yaml")
    assert template.status_code == 200 and "risk_share" in yaml.safe_load(template.content)
    user_factory("ana", roles=["analyst"])
    client.login(username="ana", password=PASSWORD)
    for path in ("/pools/new", "/pools/new/agreement", "/pools/new/check", "/pools/new/agreement-template.yaml"):
        assert client.get(path).status_code == 403, path
