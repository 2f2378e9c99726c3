"""The care plans API: plans, services, funding, approval, versions, reablement, follow-ups and the import."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jointcare.accounts import services as accounts
from jointcare.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {accounts.create_token(None, user, 't')[1]}"}


def _post(client, user, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **_auth(user))


def service_body(provider, scheme, **changes):
    body = {
        "name": "Home care", "provider_id": provider.pk, "service_type": "Long term support: Community",
        "component": "Home care or domiciliary care", "delivery_mechanism": "CASSR Commissioned support",
        "units_per_week": 7, "unit_cost_pence": 1000, "starts_on": "2026-04-01", "ends_on": "2026-05-31",
        "funding": {"pooled_basis_points": 5000, "council_basis_points": 5000, "scheme_id": scheme.pk},
    }
    body.update(changes)
    return body


def test_add_a_service_and_read_the_plan_with_its_months(client, coordinator, person, provider, schemes):
    r = _post(client, coordinator, f"/api/v1/people/{person.pk}/care-plan/services", service_body(provider, schemes["REAB"]))
    assert r.status_code == 201, r.content
    assert r.json()["weekly_cost_pence"] == 7000
    r = client.get(f"/api/v1/people/{person.pk}/care-plan?year=2026", **_auth(coordinator))
    assert r.status_code == 200
    plan = r.json()
    april = plan["services"][0]["months"][0]
    assert (april["cost_pence"], april["pooled_pence"], april["council_pence"]) == (30000, 15000, 15000)
    assert plan["status"] == "in_force" and plan["version"] == 1
    assert AuditEntry.objects.filter(action="person.view", object_id=str(person.pk), summary__contains="care plan").exists()


def test_bad_service_input_names_the_field(client, coordinator, person, provider, schemes):
    url = f"/api/v1/people/{person.pk}/care-plan/services"
    r = _post(client, coordinator, url, service_body(provider, schemes["REAB"], funding={"pooled_basis_points": 5000, "scheme_id": schemes["REAB"].pk}))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "pooled_percent"
    r = _post(client, coordinator, url, service_body(provider, schemes["REAB"], units_per_week=0))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "units_per_week"
    r = _post(client, coordinator, url, service_body(provider, schemes["REAB"], service_type="Long term support: Hotel"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "service_type"


def test_someone_without_a_care_relationship_is_refused(client, user_factory, person, provider, schemes, partners):
    stranger = user_factory("sam", roles=["care_coordinator"], organisation=partners["icb"])
    assert client.get(f"/api/v1/people/{person.pk}/care-plan", **_auth(stranger)).status_code == 403
    r = _post(client, stranger, f"/api/v1/people/{person.pk}/care-plan/services", service_body(provider, schemes["REAB"]))
    assert r.status_code == 403


def test_change_end_versions_and_approval(client, coordinator, commissioner, person, provider, schemes, settings):
    settings.PACKAGES_APPROVAL_WEEKLY_PENCE = 5000
    r = _post(client, coordinator, f"/api/v1/people/{person.pk}/care-plan/services", service_body(provider, schemes["REAB"]))
    sid = r.json()["id"]
    r = _post(client, coordinator, f"/api/v1/care-plan-services/{sid}", service_body(provider, schemes["REAB"], units_per_week=8), method="put")
    assert r.status_code == 200 and r.json()["weekly_cost_pence"] == 8000
    r = _post(client, coordinator, f"/api/v1/care-plan-services/{sid}/end", {"ends_on": "2026-04-30"})
    assert r.status_code == 200 and r.json()["ends_on"] == "2026-04-30"
    r = client.get(f"/api/v1/people/{person.pk}/care-plan/versions", **_auth(coordinator))
    assert [v["number"] for v in r.json()] == [3, 2, 1]
    assert r.json()[1]["differences"] == ["Home care: units per week changed from 7.00 to 8.00"]
    assert _post(client, coordinator, f"/api/v1/people/{person.pk}/care-plan/approve", {"version": 3}).status_code == 403
    assert _post(client, commissioner, f"/api/v1/people/{person.pk}/care-plan/approve", {"version": 2}).status_code == 409
    r = _post(client, commissioner, f"/api/v1/people/{person.pk}/care-plan/approve", {"version": 3})
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_reablement_over_the_api(client, coordinator, person):
    url = f"/api/v1/people/{person.pk}/reablement"
    r = _post(client, coordinator, url, {"starts_on": "2026-05-01", "client_contribution_pence": 500})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "client_contribution_pence"
    r = _post(client, coordinator, url, {"starts_on": "2026-05-01", "discharged_on": "2026-04-30"})
    assert r.status_code == 201
    episode = r.json()
    assert episode["last_day"] == "2026-06-11"
    assert {f["kind"]: f["due_on"] for f in episode["follow_ups"]} == {"week_12": "2026-07-23", "day_91": "2026-07-30"}
    r = _post(client, coordinator, f"/api/v1/reablement/{episode['id']}/end", {"ends_on": "2026-06-30", "outcome": "NFA: Support ended as planned"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "ends_on"
    r = _post(client, coordinator, f"/api/v1/reablement/{episode['id']}/extend", {"extended_to": "2026-06-30", "reason": "short"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "reason"
    r = _post(client, coordinator, f"/api/v1/reablement/{episode['id']}/extend", {"extended_to": "2026-06-30", "reason": "Needs more time with the stairs"})
    assert r.status_code == 200
    r = _post(client, coordinator, f"/api/v1/reablement/{episode['id']}/end", {"ends_on": "2026-06-30", "outcome": "NFA: Support ended as planned"})
    assert r.status_code == 200 and r.json()["outcome"] == "NFA: Support ended as planned"
    fid = r.json()["follow_ups"][0]["id"]
    r = _post(client, coordinator, f"/api/v1/reablement/follow-ups/{fid}", {"seen_on": "2026-07-23", "whereabouts": "at_home"})
    assert r.status_code == 200
    assert r.json()["follow_ups"][0]["state"] == "recorded"


def test_import_is_all_or_nothing_with_a_report(client, coordinator, person, provider, schemes):
    provider.ods_code = "AB1"
    provider.save()
    header = "nhs_number,name,provider,service_type,component,delivery_mechanism,units_per_week,unit_cost,starts_on,ends_on,pooled_percent,council_percent,scheme\n"
    good = "999 000 0018,Home care,AB1,Long term support: Community,Home care or domiciliary care,CASSR Commissioned support,7,10.00,2026-04-01,2026-04-30,50,50,REAB\n"
    bad = "9990000026,Meals,Nowhere,Long term support: Community,Meals,CASSR Commissioned support,x,10,2026-04-01,,,100,\n"

    def upload(text, dry_run):
        f = SimpleUploadedFile("s.csv", text.encode(), content_type="text/csv")
        return client.post("/api/v1/care-plan-imports", {"file": f, "dry_run": "true" if dry_run else "false"}, **_auth(coordinator))

    r = upload(header + good + bad, False)
    assert r.status_code == 400
    assert {(e["row"], e["field"]) for e in r.json()["errors"]} == {(3, "nhs_number"), (3, "provider"), (3, "units_per_week")}
    from jointcare.packages.models import PlanService

    assert not PlanService.objects.exists()
    r = upload(header + good, True)
    assert r.status_code == 200 and r.json()["added"] == 1 and not PlanService.objects.exists()
    r = upload(header + good, False)
    assert r.status_code == 200 and PlanService.objects.count() == 1


def test_the_import_command_lists_rejected_rows(tmp_path, coordinator, person, provider, schemes):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from jointcare.packages.models import PlanService

    provider.ods_code = "AB1"
    provider.save()
    header = "nhs_number,name,provider,service_type,component,delivery_mechanism,units_per_week,unit_cost,starts_on,council_percent\n"
    row = "9990000018,Meals,AB1,Long term support: Community,Meals,CASSR Commissioned support,5,4.50,2026-04-01,{}\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + row.format("90"))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_services", str(bad), "--user", "carla", stderr=err)
    assert "row 2, pooled_percent: the pooled, NHS and council shares add to 90%" in err.getvalue()
    good = tmp_path / "good.csv"
    good.write_text(header + row.format("100"))
    out = StringIO()
    call_command("import_services", str(good), "--user", "carla", stdout=out)
    assert "Imported 1 service" in out.getvalue() and PlanService.objects.count() == 1
