"""The people API contract: add (201, 422 naming nhs_number, 409 with existing_id), search in any spacing,
open (200 with a relationship, 403 audited otherwise), break-glass, access history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time

from jointcare.audit.models import AuditEntry
from jointcare.people.domain import synthetic_nhs_number
from jointcare.people.models import Person

pytestmark = pytest.mark.django_db


def _post(client, url, body, user):
    client.force_login(user)
    return client.post(url, json.dumps(body), content_type="application/json")


def _body(number=None, **extra):
    return {"nhs_number": number or "999 000 0018", "given_name": "Ada", "family_name": "Núñez",
            "date_of_birth": "1938-12-02", "responsible_council": "E08000009", **extra}


def test_add_a_person(client, people_world):
    number = synthetic_nhs_number(7)
    spaced = f"{number[:3]}-{number[3:6]} {number[6:]}"
    response = _post(client, "/api/v1/people", _body(spaced, gp_practice="P91004", postcode="m33 7zz"),
                     people_world.social_worker)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["nhs_number"] == number
    assert body["nhs_number_display"] == f"{number[:3]} {number[3:6]} {number[6:]}"
    assert body["postcode"] == "M33 7ZZ" and body["gp_practice"]["ods_code"] == "P91004"
    person = Person.objects.get(pk=body["id"])
    assert AuditEntry.objects.filter(action="person.create", object_id=str(person.pk)).exists()


@pytest.mark.parametrize("number", ["999 000 001A", "9990000019", "99900000", "999-000-00189"])
def test_an_invalid_nhs_number_is_422_naming_the_field(client, people_world, number):
    response = _post(client, "/api/v1/people", _body(number), people_world.social_worker)
    assert response.status_code == 422
    assert "nhs_number" in [e["field"] for e in response.json()["errors"]]
    assert not Person.objects.exists()


def test_a_live_duplicate_is_409_with_the_existing_id(client, people_world, person):
    response = _post(client, "/api/v1/people", _body(person.nhs_number_display), people_world.social_worker)
    assert response.status_code == 409
    assert response.json()["existing_id"] == person.pk
    assert response.json()["errors"][0]["field"] == "nhs_number"


def test_a_voided_record_frees_its_number(client, people_world, person):
    from jointcare.people import services

    services.void_person(None, person, "Made in error")
    response = _post(client, "/api/v1/people", _body(person.nhs_number), people_world.social_worker)
    assert response.status_code == 201


def test_the_council_must_be_known_and_an_override_of_the_lsoa_needs_a_reason(client, people_world):
    wrong = _post(client, "/api/v1/people", _body(responsible_council="E08000099"), people_world.social_worker)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "responsible_council"
    body = _body(lsoa_code="E01006100", responsible_council="E08000003")
    override = _post(client, "/api/v1/people", body, people_world.social_worker)
    assert override.status_code == 400
    assert override.json()["errors"][0]["field"] == "responsible_council_reason"
    body["responsible_council_reason"] = "Placed in Trafford by Manchester, which stays responsible"
    assert _post(client, "/api/v1/people", body, people_world.social_worker).status_code == 201


def test_the_lsoa_gives_the_council(client, people_world):
    body = _body(lsoa_code="E01006100")
    del body["responsible_council"]
    response = _post(client, "/api/v1/people", body, people_world.social_worker)
    assert response.status_code == 201, response.content
    assert response.json()["responsible_council"] == "E08000009"


def test_an_unknown_gp_practice_is_refused(client, people_world):
    response = _post(client, "/api/v1/people", _body(gp_practice="Z99999"), people_world.social_worker)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "gp_practice"


@pytest.mark.parametrize("typed", ["{d}", "{a} {b} {c}", "{a}-{b}-{c}", " {a}{b} {c} "])
def test_search_by_nhs_number_in_any_spacing(client, people_world, person, typed):
    d = person.nhs_number
    query = typed.format(d=d, a=d[:3], b=d[3:6], c=d[6:])
    client.force_login(people_world.outsider)
    response = client.get("/api/v1/people", {"nhs_number": query})
    assert response.status_code == 200
    assert response.json()["count"] == 1 and response.json()["items"][0]["id"] == person.pk
    assert "gp_practice" not in response.json()["items"][0]  # a search lists, it does not open


@pytest.mark.parametrize("name", ["sian obrien", "SIAN O'BRIEN", "O’Brien, Siân", "obr", "si ob"])
def test_search_by_name_and_date_of_birth_ignores_case_and_accents(client, people_world, person, name):
    client.force_login(people_world.outsider)
    response = client.get("/api/v1/people", {"name": name, "date_of_birth": "1941-03-09"})
    assert [i["id"] for i in response.json()["items"]] == [person.pk]
    other_day = client.get("/api/v1/people", {"name": name, "date_of_birth": "1941-03-10"})
    assert other_day.json()["count"] == 0


def test_search_by_name_narrowed_by_postcode(client, people_world, person):
    from jointcare.people import services

    services.update_person(None, person, postcode="M33 7ZZ")
    client.force_login(people_world.outsider)
    hit = client.get("/api/v1/people", {"name": "obrien", "date_of_birth": "1941-03-09", "postcode": "m337zz"})
    miss = client.get("/api/v1/people", {"name": "obrien", "date_of_birth": "1941-03-09", "postcode": "M33 7ZY"})
    assert hit.json()["count"] == 1 and miss.json()["count"] == 0


def test_search_needs_a_number_or_a_name_with_a_date_of_birth(client, people_world):
    client.force_login(people_world.outsider)
    response = client.get("/api/v1/people", {"name": "smith"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "date_of_birth"


def test_void_records_are_not_found(client, people_world, person):
    from jointcare.people import services

    services.void_person(None, person, "Made in error")
    client.force_login(people_world.outsider)
    assert client.get("/api/v1/people", {"nhs_number": person.nhs_number}).json()["count"] == 0


def test_opening_needs_a_relationship_and_a_refusal_is_audited(client, people_world, person):
    client.force_login(people_world.outsider)
    refused = client.get(f"/api/v1/people/{person.pk}")
    assert refused.status_code == 403
    assert AuditEntry.objects.filter(action="person.refused", actor=people_world.outsider,
                                     object_id=str(person.pk)).count() == 1
    client.force_login(people_world.social_worker)  # on the care team
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
    client.force_login(people_world.matron)  # works at the person's GP practice
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
    assert AuditEntry.objects.filter(action="person.view", object_id=str(person.pk)).count() == 2


def test_break_glass_opens_is_logged_and_expires(client, people_world, person):
    start = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    with freeze_time(start) as frozen:
        short = _post(client, f"/api/v1/people/{person.pk}/break-glass", {"reason": "urgent"}, people_world.outsider)
        assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
        response = _post(client, f"/api/v1/people/{person.pk}/break-glass",
                         {"reason": "Called to A&E, person unconscious"}, people_world.outsider)
        assert response.status_code == 200, response.content
        assert response.json()["expires_at"].startswith("2026-06-01T13:00")
        assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
        frozen.tick(dt.timedelta(hours=3, minutes=59))
        assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
        frozen.tick(dt.timedelta(minutes=2))
        assert client.get(f"/api/v1/people/{person.pk}").status_code == 403
    client.force_login(people_world.admin)
    log = client.get(f"/api/v1/people/{person.pk}/access-log")
    assert log.status_code == 200
    actions = [(i["username"], i["action"]) for i in log.json()["items"]]
    assert ("outsider", "break_glass") in actions
    assert actions.count(("outsider", "view")) == 2 and ("outsider", "refused") in actions
    assert {"username", "action", "at"} <= set(log.json()["items"][0])


def test_access_log_is_for_administrators_only(client, people_world, person):
    client.force_login(people_world.social_worker)
    assert client.get(f"/api/v1/people/{person.pk}/access-log").status_code == 403


def test_restricted_records_open_only_for_named_users(client, people_world, person):
    from jointcare.people import services

    services.update_person(None, person, restricted=True)
    client.force_login(people_world.matron)  # GP practice staff: not enough for a restricted record
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 403
    glass = _post(client, f"/api/v1/people/{person.pk}/break-glass", {"reason": "Needed for a home visit today"},
                  people_world.matron)
    assert glass.status_code == 403
    assert AuditEntry.objects.filter(action="person.refused", actor=people_world.matron,
                                     summary__contains="break-glass").count() == 1
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 403
    client.force_login(people_world.social_worker)  # named on the care team
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200


def test_an_unknown_person_is_404(client, people_world):
    client.force_login(people_world.social_worker)
    assert client.get("/api/v1/people/999999").status_code == 404


def test_care_team_void_and_merge(client, people_world, person):
    added = _post(client, f"/api/v1/people/{person.pk}/care-team",
                  {"role": "community_matron", "username": "outsider"}, people_world.social_worker)
    assert added.status_code == 201, added.content
    client.force_login(people_world.outsider)
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
    twin = Person.objects.create(given_name="Sian", family_name="OBrien", date_of_birth=person.date_of_birth,
                                 responsible_council="E08000009")
    merged = _post(client, f"/api/v1/people/{person.pk}/merge", {"duplicate": twin.pk, "reason": "Same person"},
                   people_world.admin)
    assert merged.status_code == 200, merged.content
    twin.refresh_from_db()
    assert twin.merged_into_id == person.pk and twin.voided_at is not None
    assert Person.objects.filter(pk=twin.pk).exists()  # kept, never deleted
    voided = _post(client, f"/api/v1/people/{person.pk}/void", {"reason": "Made in error"}, people_world.social_worker)
    assert voided.status_code == 403
