"""The care pages: the team queue and its claim buttons, a referral's transitions, the assessment task list with
its explanation, tasks and reviews, and the caseloads."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jointcare.care import services
from jointcare.care.domain.chc import Domain
from jointcare.care.domain.eligibility import AdultOutcome
from jointcare.care.models import Referral
from jointcare.tests.test_breadcrumbs import NAV, crumbs

pytestmark = pytest.mark.django_db


def test_the_queue_shows_claim_buttons_and_a_claim_works(client, care, referral):
    client.force_login(care.users["rita"])
    page = client.get(f"/care/teams/{care.reablement.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="/care/referrals/{referral.pk}/claim"' in html and "csrfmiddlewaretoken" in html
    assert referral.person.nhs_number_display in html
    assert crumbs(html) == [("/", "Home"), ("/care/teams/", "Teams")] and "nhsuk-back-link" not in NAV.sub("", html)
    response = client.post(f"/care/referrals/{referral.pk}/claim")
    assert response.status_code == 302 and response["Location"] == f"/care/referrals/{referral.pk}/"
    client.force_login(care.users["ravi"])
    again = client.post(f"/care/referrals/{referral.pk}/claim", follow=True)
    assert "already been claimed by rita" in again.content.decode()
    assert Referral.objects.get(pk=referral.pk).claimed_by == care.users["rita"]


def test_the_queue_is_for_the_team_only(client, care, referral):
    client.force_login(care.users["nina"])
    assert client.get(f"/care/teams/{care.reablement.pk}/").status_code == 403
    assert client.get(f"/care/referrals/{referral.pk}/").status_code == 403
    assert client.post(f"/care/referrals/{referral.pk}/claim").status_code == 403


def test_the_queue_costs_the_same_at_any_length(client, care, person_factory):
    people = [person_factory() for _ in range(6)]
    client.force_login(care.users["rita"])
    url = f"/care/teams/{care.reablement.pk}/"
    services.refer(None, people[0], source="hospital_discharge")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for person in people[1:]:
        services.refer(None, person, source="hospital_discharge")
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)


def test_transitions_through_the_pages(client, care, referral):
    client.force_login(care.users["rita"])
    client.post(f"/care/referrals/{referral.pk}/claim")
    client.post(f"/care/referrals/{referral.pk}/contact")
    page = client.get(f"/care/referrals/{referral.pk}/close")
    assert "This cannot be undone" in page.content.decode()
    bad = client.post(f"/care/referrals/{referral.pk}/close", {"outcome": ""})
    assert bad.status_code == 400 and "Choose the outcome" in bad.content.decode()
    client.post(f"/care/referrals/{referral.pk}/close", {"outcome": "progress_reablement"})
    shown = client.get(f"/care/referrals/{referral.pk}/").content.decode()
    assert "Progress to reablement/ST-Max" in shown and "Closed" in shown


def test_reassign_page(client, care, referral):
    client.force_login(care.users["rita"])
    short = client.post(f"/care/referrals/{referral.pk}/reassign", {"team": str(care.neighbourhood.pk), "reason": "no"})
    assert short.status_code == 400 and "at least 10 characters" in short.content.decode()
    client.post(f"/care/referrals/{referral.pk}/reassign", {"team": str(care.neighbourhood.pk), "reason": "Not a discharge"})
    assert Referral.objects.get(pk=referral.pk).team == care.neighbourhood


def test_the_assessment_task_list_and_explanation(client, care, referral):
    rita = care.users["rita"]
    services.claim_referral(rita, referral.pk)
    client.force_login(rita)
    started = client.post(f"/care/people/{referral.person_id}/assessments/new", {"referral": str(referral.pk)})
    assert started.status_code == 302
    url = started["Location"]
    page = client.get(url).content.decode()
    assert "nhsuk-task-list" in page and page.count("Incomplete") == 4
    data = {"impairment": "yes", "wellbeing": "yes"} | {f"outcome_{o.value}": "achieves" for o in AdultOutcome}
    data["outcome_nutrition"] = "only_with_assistance"
    client.post(f"{url}eligibility", data)
    page = client.get(url).content.decode()
    assert "No eligible needs" in page
    assert "Condition 2, unable to achieve two or more of the ten outcomes: not met (1 of 10 not achieved)." in page
    missing = dict(data)
    del missing["outcome_toilet"]
    bad = client.post(f"{url}eligibility", missing)
    assert bad.status_code == 400 and "Answer how they achieve: managing toilet needs" in bad.content.decode()
    client.post(f"{url}needs", {"health": "Heart failure", "social": ""})
    client.post(f"{url}carer", {"has_carer": "no"})
    client.post(f"{url}checklist", {f"score_{d.value}": "C" for d in Domain} | {"score_breathing": "A"})
    page = client.get(url).content.decode()
    assert page.count("Completed") == 4 and "A priority domain scored A (breathing): yes." in page
    assert "Awaiting the continuing healthcare decision" in page
    done = client.post(f"{url}complete", {"outcome": "progress_services"})
    assert done.status_code == 302
    assert "Progress to support planning or services" in client.get(url).content.decode()


def test_tasks_reviews_and_caseloads(client, care, referral):
    rita = care.users["rita"]
    services.claim_referral(rita, referral.pk)
    client.force_login(rita)
    person = referral.person_id
    assert client.post(f"/care/people/{person}/tasks/new", {"title": "Order a key safe", "assign_to": f"team:{care.reablement.pk}",
                                                           "due_on-day": "1", "due_on-month": "1", "due_on-year": "2026"}).status_code == 302
    bad = client.post(f"/care/people/{person}/reviews/new", {"due_on-day": "31", "due_on-month": "2", "due_on-year": "2026",
                                                            "reason": "planned", "reviewer_is_me": "yes"})
    assert bad.status_code == 400
    client.post(f"/care/people/{person}/reviews/new", {"due_on-day": "1", "due_on-month": "2", "due_on-year": "2026",
                                                      "reason": "planned", "reviewer_is_me": "yes"})
    mine = client.get("/care/caseload").content.decode()
    assert "Order a key safe" in mine and "Overdue" in mine and f"Referral {referral.pk}" in mine
    review = referral.person.care_reviews.get()
    done = client.post(f"/care/reviews/{review.pk}/complete", {"outcome": "continuation",
                                                               "outcomes_achieved": "yes"})
    assert done.status_code == 302 and done.url == f"/people/{person}/"  # back to the person, whose page shows it
    team = client.get(f"/care/teams/{care.reablement.pk}/caseload").content.decode()
    assert "Order a key safe" in team
    client.force_login(care.users["outsider"])
    assert "Order a key safe" not in client.get("/care/caseload").content.decode()
    assert client.get(f"/care/teams/{care.reablement.pk}/caseload").status_code == 403


def test_gp_practice_caseload(client, care, person_factory):
    from jointcare.organisations.models import Organisation

    practice = Organisation.objects.create(name="Park Medical", sector="nhs", kind="gp_practice", ods_code="P99001")
    person = person_factory()
    type(person).objects.filter(pk=person.pk).update(gp_practice=practice)
    referral = services.refer(None, person, source="hospital_discharge")
    client.force_login(care.users["rita"])
    assert f"Referral {referral.pk}" in client.get(f"/care/practices/{practice.pk}/caseload").content.decode()
    client.force_login(care.users["nina"])
    assert f"Referral {referral.pk}" not in client.get(f"/care/practices/{practice.pk}/caseload").content.decode()
    assert client.get(f"/care/practices/{care.council.pk}/caseload").status_code == 404


def test_the_person_page_shows_care_panels(client, care, referral):
    from jointcare.care import services as care_services

    rita = care.users["rita"]
    care_services.claim_referral(rita, referral.pk)
    care_services.create_task(rita, referral.person, title="Order a key safe", team=care.reablement)
    care_services.schedule_review(rita, referral.person, due_on=referral.received_at.date(), reviewer=rita)
    client.force_login(rita)
    page = client.get(f"/people/{referral.person_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    for panel in ("panel-referrals", "panel-assessments", "panel-tasks", "panel-reviews"):
        assert f'id="{panel}"' in html
    assert f"/care/referrals/{referral.pk}/" in html and "Order a key safe" in html
    assert f'action="/care/people/{referral.person_id}/assessments/new"' in html
    client.force_login(care.users["nina"])
    assert client.get(f"/people/{referral.person_id}/").status_code == 403
