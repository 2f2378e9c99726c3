"""Integrated care's services on the database: routing, claiming, transitions, the assessment, tasks, reviews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jointcare.audit.models import AuditEntry
from jointcare.care import services
from jointcare.care.domain.chc import Domain
from jointcare.care.domain.eligibility import AdultOutcome, CarerOutcome
from jointcare.care.domain.vocabulary import EventOutcome, RouteOfAccess
from jointcare.care.models import Referral, ReferralEvent
from jointcare.care.tests.conftest import SALFORD
from jointcare.errors import Conflict, FieldError, NotFound

pytestmark = pytest.mark.django_db
HD, COMMUNITY = RouteOfAccess.HOSPITAL_DISCHARGE.value, RouteOfAccess.COMMUNITY.value
REASON = "Lives in Salford, not Trafford"


def test_hospital_discharge_for_a_trafford_resident_goes_to_reablement(care, person_factory):
    person = person_factory()
    before = AuditEntry.objects.count()
    referral = services.refer(None, person, source=HD, urgency="urgent", referrer="Ward 4, Wythenshawe")
    assert referral.team == care.reablement
    assert referral.status == "unclaimed"
    assert AuditEntry.objects.count() == before + 1
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.action, event.to_status) == ("received", "unclaimed")
    assert "hospital" in event.note


def test_other_routes_and_councils_fall_back(care, person_factory):
    assert services.refer(None, person_factory(), source=COMMUNITY).team == care.neighbourhood
    assert services.refer(None, person_factory(council=SALFORD), source=HD).team == care.neighbourhood  # default


def test_no_rule_is_a_clear_error(care, person_factory):
    from jointcare.care.models import RoutingRule

    RoutingRule.objects.filter(route="", council="").delete()
    with pytest.raises(FieldError) as exc:
        services.refer(None, person_factory(council=SALFORD), source=COMMUNITY)
    assert exc.value.field == "source"
    assert "residents of E08000006" in exc.value.message
    assert not Referral.objects.exists()


def test_bad_input_names_the_field(care, person_factory):
    person = person_factory()
    with pytest.raises(FieldError) as exc:
        services.refer(None, person, source="ambulance")
    assert exc.value.field == "source"
    with pytest.raises(FieldError) as exc:
        services.refer(None, person, source=HD, urgency="whenever")
    assert exc.value.field == "urgency"
    with pytest.raises(FieldError) as exc:
        services.refer(None, person, source=HD, received_at=timezone.now() + dt.timedelta(days=2))
    assert exc.value.field == "received_at"


def test_a_routing_rule_twice_is_refused(care):
    with pytest.raises(Conflict, match="already go to Trafford Reablement Team"):
        services.add_routing_rule(None, care.neighbourhood, route=HD, council="E08000009")
    with pytest.raises(FieldError) as exc:
        services.add_routing_rule(None, care.neighbourhood, council="Trafford")
    assert exc.value.field == "council"


def test_claim_then_a_second_claim_is_409(care, referral):
    rita, ravi = care.users["rita"], care.users["ravi"]
    claimed = services.claim_referral(rita, referral.pk)
    assert (claimed.status, claimed.claimed_by) == ("claimed", rita)
    with pytest.raises(Conflict, match="already been claimed by rita"):
        services.claim_referral(ravi, referral.pk)
    with pytest.raises(Conflict, match="claimed by you"):
        services.claim_referral(rita, referral.pk)
    assert Referral.objects.get(pk=referral.pk).claimed_by == rita
    assert AuditEntry.objects.filter(action="care.referral.claim").count() == 1
    with pytest.raises(NotFound):
        services.claim_referral(rita, 999_999)


def test_the_whole_life_of_a_referral(care, referral):
    rita = care.users["rita"]
    services.claim_referral(rita, referral.pk)
    contacted = services.act_on_referral(rita, referral.pk, "contact")
    assert contacted.first_contact_at is not None and contacted.waits.to_first_contact >= dt.timedelta(0)
    with pytest.raises(FieldError) as exc:
        services.act_on_referral(rita, referral.pk, "close")
    assert exc.value.field == "outcome"
    closed = services.act_on_referral(rita, referral.pk, "close", outcome=EventOutcome.PROGRESS_REABLEMENT.value)
    assert (closed.status, closed.outcome_label) == ("closed", "Progress to reablement/ST-Max")
    with pytest.raises(Conflict) as exc:
        services.act_on_referral(rita, referral.pk, "reassign", reason=REASON, team=care.neighbourhood)
    assert "closed" in exc.value.message
    assert list(referral.events.values_list("action", flat=True)) == ["received", "claim", "contact", "close"]
    assert AuditEntry.objects.filter(object_type="care.referral", object_id=str(referral.pk)).count() == 4


def test_reassign_moves_the_referral_unclaimed_to_the_other_team(care, referral):
    services.claim_referral(care.users["rita"], referral.pk)
    with pytest.raises(FieldError) as exc:
        services.act_on_referral(care.users["rita"], referral.pk, "reassign", reason=REASON, team=care.reablement)
    assert exc.value.field == "team"
    moved = services.act_on_referral(care.users["rita"], referral.pk, "reassign", reason=REASON, team=care.neighbourhood)
    assert (moved.team, moved.status, moved.claimed_by) == (care.neighbourhood, "unclaimed", None)
    assert services.claim_referral(care.users["nina"], referral.pk).claimed_by == care.users["nina"]


def test_decline_needs_a_reason_and_an_nfa_outcome(care, referral):
    with pytest.raises(FieldError) as exc:
        services.act_on_referral(care.users["rita"], referral.pk, "decline", outcome=EventOutcome.NFA_OTHER.value)
    assert exc.value.field == "reason"
    declined = services.act_on_referral(care.users["rita"], referral.pk, "decline", outcome=EventOutcome.NFA_OTHER.value,
                                        reason="Needs are met by the district nurses")
    assert (declined.status, declined.outcome_reason) == ("declined", "Needs are met by the district nurses")


def test_first_service_keeps_the_earliest(care, referral):
    later = referral.received_at + dt.timedelta(days=3)
    earlier = referral.received_at + dt.timedelta(days=1)
    assert services.record_first_service(referral, later).first_service_at == later
    assert services.record_first_service(referral, earlier).first_service_at == earlier
    assert services.record_first_service(referral, later).first_service_at == earlier
    with pytest.raises(FieldError):
        services.record_first_service(referral, referral.received_at - dt.timedelta(days=1))


def _eligibility(unable=2):
    outcomes = {o.value: ("only_with_assistance" if i < unable else "achieves") for i, o in enumerate(AdultOutcome)}
    return {"impairment": True, "wellbeing": True, "outcomes": outcomes}


def _carer():
    outcomes = {o.value: ("significant_pain" if i == 0 else "achieves") for i, o in enumerate(CarerOutcome)}
    return {"has_carer": True, "carer_name": "Sam Smith", "necessary_care": True, "health_at_risk": False,
            "wellbeing": True, "outcomes": outcomes}


def _scores(a=0, b=0):
    return {"scores": {d.value: ("A" if i < a else "B" if i < a + b else "C") for i, d in enumerate(d for d in Domain)}}


def test_the_integrated_assessment(care, referral):
    rita = care.users["rita"]
    assessment = services.start_assessment(rita, referral.person, referral=referral)
    with pytest.raises(FieldError) as exc:
        services.complete_assessment(rita, assessment, outcome=EventOutcome.PROGRESS_SERVICES.value)
    assert exc.value.field == "needs"
    with pytest.raises(FieldError) as exc:
        services.save_section(rita, assessment, "needs", {"health": "", "social": ""})
    assert exc.value.field == "needs.health"
    services.save_section(rita, assessment, "needs", {"health": "COPD, oxygen at night", "social": "Lives alone"})
    bad = _eligibility()
    del bad["outcomes"]["hygiene"]
    with pytest.raises(FieldError) as exc:
        services.save_section(rita, assessment, "eligibility", bad)
    assert exc.value.field == "eligibility.outcomes.hygiene"
    assert services.save_section(rita, assessment, "eligibility", _eligibility()).eligible is True
    assert services.save_section(rita, assessment, "carer", _carer()).carer_eligible is True
    saved = services.save_section(rita, assessment, "checklist", _scores(b=2))
    assert (saved.full_chc_assessment, saved.funding_route) == (False, "joint")
    explained = services.explain(saved)
    assert explained["eligibility"][-1] == "The adult has eligible needs: all three conditions are met."
    assert explained["checklist"][-1].startswith("Some domains scored A or B")
    done = services.complete_assessment(rita, saved, outcome=EventOutcome.PROGRESS_SERVICES.value)
    assert done.status == "completed"
    with pytest.raises(Conflict):
        services.save_section(rita, done, "needs", {"health": "x"})
    assert AuditEntry.objects.filter(object_type="care.assessment").count() == 6


def test_carer_section_without_a_carer(care, referral):
    assessment = services.start_assessment(None, referral.person)
    assert services.save_section(None, assessment, "carer", {"has_carer": False}).carer_eligible is None
    with pytest.raises(FieldError) as exc:
        services.save_section(None, assessment, "carer", {"has_carer": True, "carer_name": ""})
    assert exc.value.field == "carer.carer_name"


def test_checklist_routes_funding(care, referral):
    assessment = services.start_assessment(None, referral.person)
    assert services.save_section(None, assessment, "checklist", _scores()).funding_route == "council"
    assert services.save_section(None, assessment, "checklist", _scores(a=2)).funding_route == "awaiting_decision"
    assert services.save_section(None, assessment, "checklist", {**_scores(a=2), "decision": "eligible"}).funding_route == "nhs"
    with pytest.raises(FieldError) as exc:
        services.save_section(None, assessment, "checklist", {"scores": {"breathing": "A"}})
    assert exc.value.field == "checklist.nutrition"


def test_tasks_and_reviews(care, referral):
    rita = care.users["rita"]
    with pytest.raises(FieldError) as exc:
        services.create_task(rita, referral.person, title="Order a key safe", assignee=rita, team=care.reablement)
    assert exc.value.field == "assignee"
    task = services.create_task(rita, referral.person, title="Order a key safe", team=care.reablement,
                                due_on=timezone.localdate())
    assert task.state(timezone.localdate()).value == "due_today"
    assert services.complete_task(rita, task).done_at is not None
    with pytest.raises(Conflict):
        services.complete_task(rita, task)
    review = services.schedule_review(rita, referral.person, due_on=timezone.localdate() - dt.timedelta(days=1), reviewer=rita)
    assert review.state(timezone.localdate()).value == "overdue"
    with pytest.raises(FieldError) as exc:
        services.complete_review(rita, review, outcome="fine")
    assert exc.value.field == "outcome"
    done = services.complete_review(rita, review, outcome=EventOutcome.CONTINUATION.value, outcomes_achieved=True)
    assert done.state(timezone.localdate()).value == "completed"


def test_holding_a_referral_opens_the_person_record(care, referral):
    from jointcare.people.sharing import can_open

    assert can_open(care.users["rita"], referral.person)
    assert not can_open(care.users["nina"], referral.person)
    assert not can_open(care.users["outsider"], referral.person)
    services.act_on_referral(care.users["rita"], referral.pk, "reassign", reason=REASON, team=care.neighbourhood)
    fresh = lambda name: type(care.users[name]).objects.get(pk=care.users[name].pk)  # noqa: E731 (a new request)
    assert can_open(fresh("nina"), referral.person)
    assert not can_open(fresh("rita"), referral.person)
