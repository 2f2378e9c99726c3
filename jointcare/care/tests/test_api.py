"""The care API: the contract of the issue (refer, claim, 409) and the transitions, assessment, tasks, reviews."""

from __future__ import annotations

import json

import pytest

from jointcare.accounts import services as accounts
from jointcare.care.domain.chc import Domain
from jointcare.care.domain.eligibility import AdultOutcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(care):
    def token_for(name):
        _, token = accounts.create_token(None, care.users[name], "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return token_for


def _post(client, path, body, headers, method="post"):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", **headers)


def test_refer_routes_to_the_team(client, care, person_factory, bearer):
    person = person_factory()
    response = _post(client, "/api/v1/referrals", {"person": person.pk, "source": "hospital_discharge"}, bearer("nina"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "unclaimed"
    assert body["team"] == {"id": care.reablement.pk, "name": "Trafford Reablement Team"}
    assert isinstance(body["id"], int)


def test_refer_with_a_bad_source_is_422_naming_it(client, care, person_factory, bearer):
    response = _post(client, "/api/v1/referrals", {"person": person_factory().pk, "source": "ambulance"}, bearer("nina"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "source"
    response = _post(client, "/api/v1/referrals", {"person": 999_999, "source": "community"}, bearer("nina"))
    assert response.status_code == 404


def test_claim_then_409(client, referral, bearer):
    url = f"/api/v1/referrals/{referral.pk}/claim"
    first = _post(client, url, {}, bearer("rita"))
    assert first.status_code == 200
    assert first.json() == {"id": referral.pk, "status": "claimed", "claimed_by": "rita"}
    second = _post(client, url, {}, bearer("ravi"))
    assert second.status_code == 409
    assert "already been claimed by rita" in second.json()["detail"]


def test_only_the_team_may_claim_and_see(client, referral, bearer):
    for name in ("nina", "outsider", "analyst", "admin"):
        assert _post(client, f"/api/v1/referrals/{referral.pk}/claim", {}, bearer(name)).status_code == 403, name
        assert client.get(f"/api/v1/referrals/{referral.pk}", **bearer(name)).status_code == 403, name
    assert client.get(f"/api/v1/referrals/{referral.pk}", **bearer("ravi")).status_code == 200


def test_transitions(client, care, referral, bearer):
    base = f"/api/v1/referrals/{referral.pk}"
    rita = bearer("rita")
    assert _post(client, f"{base}/contact", {}, rita).status_code == 409  # not claimed yet
    _post(client, f"{base}/claim", {}, rita)
    contacted = _post(client, f"{base}/contact", {}, rita).json()
    assert contacted["status"] == "contacted" and contacted["first_contact_at"]
    assert contacted["actions"] == ["close", "reassign"]
    closed = _post(client, f"{base}/close", {"outcome": "progress_reablement"}, rita).json()
    assert (closed["status"], closed["outcome_label"]) == ("closed", "Progress to reablement/ST-Max")


def test_reassign_and_decline(client, care, person_factory, bearer):
    from jointcare.care import services

    r1 = services.refer(None, person_factory(), source="hospital_discharge")
    response = _post(client, f"/api/v1/referrals/{r1.pk}/reassign", {"team": care.neighbourhood.pk, "reason": "short"}, bearer("rita"))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    moved = _post(client, f"/api/v1/referrals/{r1.pk}/reassign",
                  {"team": care.neighbourhood.pk, "reason": "Needs the neighbourhood team"}, bearer("rita"))
    assert moved.json()["team"]["name"] == "Trafford Neighbourhood Team"
    declined = _post(client, f"/api/v1/referrals/{r1.pk}/decline",
                     {"outcome": "nfa_information", "reason": "Given advice on the telephone"}, bearer("nina"))
    assert declined.json()["status"] == "declined"


def test_list_referrals_is_scoped_to_your_teams(client, care, person_factory, bearer):
    from jointcare.care import services

    services.refer(None, person_factory(), source="hospital_discharge")
    services.refer(None, person_factory(), source="community")
    assert client.get("/api/v1/referrals", **bearer("rita")).json()["count"] == 1
    assert client.get("/api/v1/referrals", **bearer("nina")).json()["count"] == 1
    assert client.get("/api/v1/referrals", **bearer("outsider")).json()["count"] == 0
    assert client.get(f"/api/v1/referrals?team={care.neighbourhood.pk}", **bearer("rita")).status_code == 403


def test_the_assessment_by_api(client, care, referral, bearer):
    rita = bearer("rita")
    started = _post(client, "/api/v1/assessments", {"person": referral.person_id, "referral": referral.pk}, rita)
    assert started.status_code == 201, started.content
    base = f"/api/v1/assessments/{started.json()['id']}"
    outcomes = {o.value: "achieves" for o in AdultOutcome}
    outcomes.update(nutrition="only_with_assistance", hygiene="endangers")
    saved = _post(client, f"{base}/eligibility", {"impairment": True, "wellbeing": True, "outcomes": outcomes}, rita, "put")
    assert saved.status_code == 200, saved.content
    assert saved.json()["eligible"] is True
    assert saved.json()["explanation"]["eligibility"][-1] == "The adult has eligible needs: all three conditions are met."
    bad = _post(client, f"{base}/checklist", {"scores": {"breathing": "D"}}, rita, "put")
    assert bad.status_code == 422
    scores = {d.value: "C" for d in Domain} | {"behaviour": "A"}
    checked = _post(client, f"{base}/checklist", {"scores": scores}, rita, "put").json()
    assert (checked["full_chc_assessment"], checked["funding_route"]) == (True, "awaiting_decision")
    incomplete = _post(client, f"{base}/complete", {"outcome": "progress_services"}, rita)
    assert incomplete.status_code == 400 and incomplete.json()["errors"][0]["field"] == "needs"
    assert client.get(base, **bearer("outsider")).status_code == 403


def test_tasks_and_reviews_by_api(client, care, referral, bearer):
    rita = bearer("rita")
    task = _post(client, "/api/v1/tasks", {"person": referral.person_id, "title": "Key safe", "assignee": "ravi",
                                           "due_on": "2026-01-10"}, rita)
    assert task.status_code == 201, task.content
    assert _post(client, f"/api/v1/tasks/{task.json()['id']}/done", {}, rita).json()["state"] == "done"
    review = _post(client, "/api/v1/reviews", {"person": referral.person_id, "due_on": "2026-01-10", "reviewer": "rita"}, rita)
    assert review.status_code == 201
    done = _post(client, f"/api/v1/reviews/{review.json()['id']}/complete", {"outcome": "continuation"}, rita)
    assert done.json()["state"] == "completed"
    assert _post(client, "/api/v1/tasks", {"person": referral.person_id, "title": "x", "team": care.reablement.pk},
                 bearer("outsider")).status_code == 403


def test_administrators_set_up_teams_and_rules(client, care, bearer):
    admin = bearer("admin")
    team = _post(client, "/api/v1/teams", {"name": "Salford Hub", "organisation": care.council.pk}, admin)
    assert team.status_code == 201, team.content
    team_id = team.json()["id"]
    assert _post(client, f"/api/v1/teams/{team_id}/members", {"username": "outsider"}, admin).json()["members"] == 1
    rule = _post(client, "/api/v1/routing-rules", {"team": team_id, "source": "hospital_discharge", "council": "E08000006"}, admin)
    assert rule.status_code == 201 and rule.json()["council"] == "E08000006"
    clash = _post(client, "/api/v1/routing-rules", {"team": team_id, "source": "hospital_discharge", "council": "E08000006"}, admin)
    assert clash.status_code == 409
    assert _post(client, "/api/v1/teams", {"name": "Mine", "organisation": care.council.pk}, bearer("rita")).status_code == 403
