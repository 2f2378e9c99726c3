"""The people pages: search, add, the person page (audited, a fixed number of queries), refusal with break-glass,
the access history, void, merge and the care team."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jointcare.audit.models import AuditEntry
from jointcare.people import panels, services
from jointcare.people.models import Person
from jointcare.tests.test_breadcrumbs import NAV, crumbs

pytestmark = pytest.mark.django_db


def _dob(day=9, month=3, year=1941, name="date_of_birth"):
    return {f"{name}-day": str(day), f"{name}-month": str(month), f"{name}-year": str(year)}


def test_search_lists_without_opening(client, people_world, person):
    client.force_login(people_world.outsider)
    page = client.get("/people/", {"name": "o'brien sian", **_dob()})
    assert page.status_code == 200
    text = page.content.decode()
    assert person.nhs_number_display in text and "1 person found" in text
    assert not AuditEntry.objects.filter(action="person.view").exists()


def test_search_by_spaced_nhs_number(client, people_world, person):
    client.force_login(people_world.outsider)
    page = client.get("/people/", {"nhs_number": person.nhs_number_display.replace(" ", "-")})
    assert f'/people/{person.pk}/' in page.content.decode()


def test_a_search_without_a_date_of_birth_names_the_field(client, people_world):
    client.force_login(people_world.outsider)
    page = client.get("/people/", {"name": "smith"})
    assert page.status_code == 400 and "date of birth" in page.content.decode().lower()


def test_add_a_person_and_join_their_care_team(client, people_world):
    client.force_login(people_world.social_worker)
    response = client.post("/people/new", {
        "nhs_number": "999 000 0018", "given_name": "Ada", "family_name": "Lovelace", **_dob(10, 12, 1935),
        "responsible_council": "E08000009", "gp_practice": "p91004", "postcode": "m33 7zz", "sex": "female",
        "long_term_conditions": ["copd", "dementia"], "consent_to_share": "on", "join_care_team": "on",
    })
    person = Person.objects.get(nhs_number="9990000018")
    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"
    assert person.long_term_conditions == ["copd", "dementia"] and person.gp_practice == people_world.practice
    page = client.get(f"/people/{person.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "999 000 0018" in text and "Sale Health Centre" in text and "Dementia" in text


def test_the_form_names_each_wrong_field(client, people_world, person):
    client.force_login(people_world.social_worker)
    response = client.post("/people/new", {
        "nhs_number": "999 000 0019", "given_name": "", "family_name": "X", **_dob(31, 2, 1950), "postcode": "nope",
    })
    assert response.status_code == 400
    text = response.content.decode()
    assert "given name" in text and "Date of birth must be a real date" in text
    duplicate = client.post("/people/new", {
        "nhs_number": person.nhs_number, "given_name": "A", "family_name": "B", **_dob(), "responsible_council": "E08000009",
    })
    assert duplicate.status_code == 400 and f"/people/{person.pk}/" in duplicate.content.decode()


def test_no_relationship_is_refused_audited_and_offered_break_glass(client, people_world, person):
    client.force_login(people_world.outsider)
    page = client.get(f"/people/{person.pk}/")
    assert page.status_code == 403
    assert f"/people/{person.pk}/break-glass" in page.content.decode()
    assert person.given_name not in page.content.decode()
    assert AuditEntry.objects.filter(action="person.refused", actor=people_world.outsider).count() == 1
    short = client.post(f"/people/{person.pk}/break-glass", {"reason": "need it"})
    assert short.status_code == 400
    glass = client.post(f"/people/{person.pk}/break-glass", {"reason": "Out-of-hours call: person fell at home"})
    assert glass.status_code == 302
    opened = client.get(f"/people/{person.pk}/")
    assert opened.status_code == 200 and "Break-glass access" in opened.content.decode()


def test_edit_needs_a_relationship(client, people_world, person):
    client.force_login(people_world.outsider)
    assert client.post(f"/people/{person.pk}/edit", {}).status_code == 403
    client.force_login(people_world.social_worker)
    form = client.get(f"/people/{person.pk}/edit")
    assert form.status_code == 200 and 'value="9"' in form.content.decode()
    saved = client.post(f"/people/{person.pk}/edit", {
        "nhs_number": person.nhs_number, "given_name": "Siân", "family_name": "O'Brien", **_dob(),
        "responsible_council": "E08000009", "postcode": "WA14 1AA",
    })
    assert saved.status_code == 302
    person.refresh_from_db()
    assert person.postcode == "WA14 1AA"


def test_person_page_queries_do_not_grow_with_the_record(client, people_world, person):
    client.force_login(people_world.social_worker)
    client.get(f"/people/{person.pk}/")  # sessions, first-request work

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/people/{person.pk}/").status_code == 200
        return len(queries)

    small = count()
    for i in range(6):
        services.add_care_team_member(None, person, name=f"Helper {i}", role="other",
                                      organisation=people_world.other_practice)
        carer = Person.objects.create(given_name=f"Carer{i}", family_name="X", date_of_birth=person.date_of_birth,
                                      responsible_council="E08000009")
        services.add_care_team_member(None, carer, name=person.name, role="unpaid_carer", carer_record=person)
    services.update_person(None, person, long_term_conditions=["copd", "asthma", "stroke"])
    assert count() == small
    assert small <= 22, small  # the record and its care team, and one or two queries for each app's panel


def test_panels_other_apps_register_are_shown(client, people_world, person, tmp_path, settings):
    seen = []

    def context(p, user):
        seen.append((p.pk, user.username))
        return {"items": ["Hospital discharge referral"]}

    panels.register_panel(panels.Panel("test-referrals", "Referrals", "people/_panel_list.jinja", context, order=10))
    try:
        client.force_login(people_world.social_worker)
        page = client.get(f"/people/{person.pk}/")
    finally:
        panels.unregister_panel("test-referrals")
    assert seen == [(person.pk, "sw")]
    assert "Hospital discharge referral" in page.content.decode() and 'id="panel-test-referrals"' in page.content.decode()


def test_access_history_void_and_merge_pages(client, people_world, person):
    client.force_login(people_world.outsider)
    client.get(f"/people/{person.pk}/")
    client.force_login(people_world.social_worker)
    assert client.get(f"/people/{person.pk}/access").status_code == 403
    client.force_login(people_world.admin)
    history = client.get(f"/people/{person.pk}/access")
    assert history.status_code == 200 and "outsider" in history.content.decode() and "refused" in history.content.decode()
    # a page about the record sits under it: breadcrumbs, not a back link
    assert crumbs(history.content.decode()) == [("/", "Home"), ("/people/", "People"), (f"/people/{person.pk}/", person.name)]
    assert "nhsuk-back-link" not in NAV.sub("", history.content.decode())
    twin = services.create_person(None, given_name="Sian", family_name="OBrien", date_of_birth=person.date_of_birth,
                                  responsible_council="E08000009")
    confirm = client.get(f"/people/{person.pk}/merge", {"duplicate": twin.pk})
    assert confirm.status_code == 200 and "Merge these records" in confirm.content.decode()
    merged = client.post(f"/people/{person.pk}/merge", {"duplicate": twin.pk, "reason": "Same person, no NHS number"})
    assert merged.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into == person
    history = client.get(f"/people/{person.pk}/access").content.decode()
    assert "Record" in history and f"merged into record {person.pk}".lower() in history.lower()
    assert client.post(f"/people/{person.pk}/void", {"reason": ""}).status_code == 400
    assert client.post(f"/people/{person.pk}/void", {"reason": "Test record made in error"}).status_code == 302
    person.refresh_from_db()
    assert person.voided_at is not None and Person.objects.filter(pk=person.pk).exists()


def test_add_a_colleague_to_the_care_team(client, people_world, person):
    client.force_login(people_world.social_worker)
    response = client.post(f"/people/{person.pk}/care-team", {"role": "community_matron", "username": "outsider"})
    assert response.status_code == 302
    client.force_login(people_world.outsider)
    assert client.get(f"/people/{person.pk}/").status_code == 200
