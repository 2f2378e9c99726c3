"""Integrated care API: referrals (routed, claimed, worked through their transitions), the integrated assessment,
tasks and reviews. A referral and everything about a person is reached only through the user's team or the
person's care relationship (jointcare.care.access)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from jointcare.accounts.access import api_user, check, check_somewhere
from jointcare.care import queries, services
from jointcare.care.domain import chc
from jointcare.care.domain.eligibility import Ability, AdultOutcome, CarerOutcome
from jointcare.care.domain.referrals import ReferralStatus, actions_open
from jointcare.care.domain.vocabulary import AssessmentType, EventOutcome, ReviewReason, RouteOfAccess, Urgency
from jointcare.care.models import Assessment, Referral, Review, Task
from jointcare.errors import FieldError, NotFound
from jointcare.schemas import READ_ERRORS, WRITE_ERRORS, Date, Flag, Id, Input, PathId, text

router = Router(tags=["care"])


# --- schemas ---------------------------------------------------------------------------------------


class TeamRef(Schema):
    id: int
    name: str


class TeamOut(TeamRef):
    organisation: str
    members: int


class TeamIn(Input):
    name: str = text(..., max_length=120, min_length=1)
    organisation: Id
    description: str = text("", max_length=300)


class MemberIn(Input):
    username: str = text(..., max_length=150, min_length=1)


class RuleIn(Input):
    team: Id
    source: RouteOfAccess | None = Field(None, description="route of access; any route if not given")
    council: str | None = text(None, max_length=9, description="GSS code of the responsible council; any if not given")


class RuleOut(Schema):
    id: int
    team: TeamRef
    source: str
    council: str


class ReferralOut(Schema):
    id: int
    person: int
    status: ReferralStatus
    status_label: str
    actions: list[str] = Field(..., description="the transitions the status allows")
    team: TeamRef
    source: RouteOfAccess
    source_label: str
    reason: str
    urgency: Urgency
    referrer: str
    received_at: dt.datetime
    claimed_by: str | None
    claimed_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    first_service_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str
    outcome_label: str
    outcome_reason: str


class ReferralPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReferralOut]


class ReferralIn(Input):
    person: Id
    source: RouteOfAccess = Field(..., description="CLD route of access")
    reason: str = text("", max_length=2000)
    urgency: Urgency = Urgency.ROUTINE
    referrer: str = text("", max_length=200)
    received_at: dt.datetime | None = Field(None, description="when the referral arrived; now if not given")


class ReferralFilters(Schema):
    team: int | None = Field(None, ge=1, le=2**62, description="a team of yours; all your teams if not given")
    person: int | None = Field(None, ge=1, le=2**62, description="one person's referrals (needs a care relationship)")
    status: ReferralStatus | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class ClaimOut(Schema):
    id: int
    status: ReferralStatus
    claimed_by: str


class CloseIn(Input):
    outcome: EventOutcome = Field(..., description="CLD event outcome of the request")


class DeclineIn(Input):
    outcome: EventOutcome = Field(..., description="a no-further-action CLD outcome")
    reason: str = text(..., max_length=2000, min_length=1)


class ReassignIn(Input):
    team: Id
    reason: str = text(..., max_length=2000, min_length=1)


class AssessmentIn(Input):
    person: Id
    referral: Id | None = None
    kind: AssessmentType = AssessmentType.LONG_TERM


class NeedsIn(Input):
    health: str = text("", max_length=5000)
    social: str = text("", max_length=5000)


class EligibilityIn(Input):
    impairment: Flag
    wellbeing: Flag
    outcomes: dict[AdultOutcome, Ability] = Field(..., description="how the adult achieves each of the ten outcomes")


class CarerIn(Input):
    has_carer: Flag
    carer_name: str = text("", max_length=200)
    necessary_care: Flag | None = None
    health_at_risk: Flag | None = None
    wellbeing: Flag | None = None
    outcomes: dict[CarerOutcome, Ability] = Field(default_factory=dict)


class ChecklistIn(Input):
    scores: dict[chc.Domain, Literal["A", "B", "C"]] = Field(..., description="each of the eleven domains scored A, B or C")
    decision: chc.ChcDecision | None = Field(None, description="the full assessment's decision, once made")


class CompleteAssessmentIn(Input):
    outcome: EventOutcome


class AssessmentOut(Schema):
    id: int
    person: int
    referral: int | None
    kind: AssessmentType
    status: str
    assessor: str | None
    started_at: dt.datetime
    completed_at: dt.datetime | None
    sections: dict[str, bool] = Field(..., description="each section, answered or not")
    eligible: bool | None
    carer_eligible: bool | None
    full_chc_assessment: bool | None
    funding_route: str
    funding_label: str
    outcome: str
    explanation: dict[str, list[str]] = Field(..., description="the decisions explained, line by line, by section")


class TaskIn(Input):
    person: Id
    title: str = text(..., max_length=200, min_length=1)
    assignee: str | None = text(None, max_length=150, description="username; or give team")
    team: Id | None = None
    due_on: Date | None = None
    referral: Id | None = None


class TaskOut(Schema):
    id: int
    person: int
    title: str
    assignee: str | None
    team: int | None
    due_on: dt.date | None
    state: str
    done_at: dt.datetime | None


class ReviewIn(Input):
    person: Id
    due_on: Date
    team: Id | None = None
    reviewer: str | None = text(None, max_length=150, description="username")
    reason: ReviewReason = ReviewReason.PLANNED


class CompleteReviewIn(Input):
    outcome: EventOutcome
    completed_on: Date | None = None
    outcomes_achieved: Flag | None = None
    notes: str = text("", max_length=5000)


class ReviewOut(Schema):
    id: int
    person: int
    team: int | None
    reviewer: str | None
    reason: ReviewReason
    due_on: dt.date
    state: str
    completed_on: dt.date | None
    outcome: str


# --- converters ------------------------------------------------------------------------------------


def _referral(r: Referral) -> dict:
    return {
        "id": r.pk, "person": r.person_id, "status": r.status, "status_label": r.status_enum.label,
        "actions": [a.value for a in actions_open(r.status_enum)], "team": {"id": r.team_id, "name": r.team.name},
        "source": r.route, "source_label": r.route_label, "reason": r.reason, "urgency": r.urgency,
        "referrer": r.referrer, "received_at": r.received_at,
        "claimed_by": r.claimed_by.username if r.claimed_by_id else None, "claimed_at": r.claimed_at,
        "first_contact_at": r.first_contact_at, "first_service_at": r.first_service_at, "closed_at": r.closed_at,
        "outcome": r.outcome, "outcome_label": r.outcome_label, "outcome_reason": r.outcome_reason,
    }


def _assessment(a: Assessment) -> dict:
    return {
        "id": a.pk, "person": a.person_id, "referral": a.referral_id, "kind": a.kind, "status": a.status,
        "assessor": a.assessor.username if a.assessor_id else None, "started_at": a.started_at,
        "completed_at": a.completed_at, "sections": {s: services.section_done(a, s) for s in services.SECTIONS},
        "eligible": a.eligible, "carer_eligible": a.carer_eligible, "full_chc_assessment": a.full_chc_assessment,
        "funding_route": a.funding_route, "funding_label": a.funding_label, "outcome": a.outcome,
        "explanation": services.explain(a),
    }


def _task(t: Task) -> dict:
    return {"id": t.pk, "person": t.person_id, "title": t.title, "assignee": t.assignee.username if t.assignee_id else None,
            "team": t.team_id, "due_on": t.due_on, "state": t.state(queries.today()).value, "done_at": t.done_at}


def _review(r: Review) -> dict:
    return {"id": r.pk, "person": r.person_id, "team": r.team_id, "reviewer": r.reviewer.username if r.reviewer_id else None,
            "reason": r.reason, "due_on": r.due_on, "state": r.state(queries.today()).value,
            "completed_on": r.completed_on, "outcome": r.outcome}


def _person(pk: int, field: str = "person"):
    from jointcare.people.models import Person

    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise NotFound(f"There is no person with id {pk}", field=field)
    return person


def _user(username: str | None, field: str):
    if not username:
        return None
    from jointcare.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise FieldError(f"No user called '{username}'", field=field)
    return user


def _team(pk: int | None, field: str = "team"):
    return services.get_team(pk, field=field) if pk is not None else None


def _referral_for(user, referral_id: int, action: str) -> Referral:
    referral = services.get_referral(referral_id)
    check(user, action, referral)
    return referral


def _assessment_for(user, assessment_id: int, action: str) -> Assessment:
    assessment = services.get_assessment(assessment_id)
    check(user, action, assessment)
    return assessment


# --- teams and referrals -----------------------------------------------------------------------------


@router.get("/teams", response={200: list[TeamOut], **READ_ERRORS}, summary="Teams that receive referrals")
def list_teams(request):
    check_somewhere(api_user(request), "care.view")
    return [{"id": t.pk, "name": t.name, "organisation": t.organisation.name, "members": t.member_count}
            for t in queries.teams()]


def _team_out(team) -> dict:
    return {"id": team.pk, "name": team.name, "organisation": team.organisation.name, "members": team.memberships.count()}


@router.post("/teams", response={201: TeamOut, **WRITE_ERRORS}, summary="Add a team (administrators)")
def create_team(request, payload: TeamIn):
    from jointcare.organisations.models import Organisation

    user = api_user(request)
    check_somewhere(user, "care.manage_teams")
    organisation = Organisation.objects.filter(pk=payload.organisation).first()
    if organisation is None:
        raise NotFound(f"No organisation with id {payload.organisation}", field="organisation")
    team = services.create_team(user, name=payload.name, organisation=organisation, description=payload.description)
    return Status(201, _team_out(team))


@router.post("/teams/{team_id}/members", response={200: TeamOut, **WRITE_ERRORS}, summary="Add a member to a team")
def add_member(request, team_id: PathId, payload: MemberIn):
    user = api_user(request)
    check_somewhere(user, "care.manage_teams")
    team = services.get_team(team_id, field="team_id")
    services.add_member(user, team, _user(payload.username, "username"))
    return _team_out(team)


@router.post("/routing-rules", response={201: RuleOut, **WRITE_ERRORS}, summary="Route referrals by source and council to a team")
def add_routing_rule(request, payload: RuleIn):
    user = api_user(request)
    check_somewhere(user, "care.manage_teams")
    team = _team(payload.team)
    rule = services.add_routing_rule(user, team, route=payload.source.value if payload.source else None, council=payload.council)
    return Status(201, {"id": rule.pk, "team": {"id": team.pk, "name": team.name}, "source": rule.route, "council": rule.council})


@router.post("/referrals", response={201: ReferralOut, **WRITE_ERRORS}, summary="Refer a person; the routing rules choose the team")
def create_referral(request, payload: ReferralIn):
    user = api_user(request)
    check_somewhere(user, "care.refer")
    person = _person(payload.person)
    referral = services.refer(user, person, source=payload.source.value, reason=payload.reason,
                              urgency=payload.urgency.value, referrer=payload.referrer, received_at=payload.received_at)
    return Status(201, _referral(services.get_referral(referral.pk)))


@router.get("/referrals", response={200: ReferralPage, **READ_ERRORS}, summary="Referrals held by your teams, or one person's")
def list_referrals(request, filters: Query[ReferralFilters]):
    user = api_user(request)
    check_somewhere(user, "care.view")
    if filters.person is not None:
        person = _person(filters.person)
        check(user, "care.view", person)
        qs = queries.person_referrals(person)
    else:
        team = _team(filters.team) if filters.team is not None else None
        if team is not None:
            check(user, "care.view", team)
        qs = queries.referrals_for(user, team)
    if filters.status is not None:
        qs = qs.filter(status=filters.status.value)
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": [_referral(r) for r in items]}


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **READ_ERRORS}, summary="One referral")
def get_referral(request, referral_id: PathId):
    return _referral(_referral_for(api_user(request), referral_id, "care.view"))


@router.post(
    "/referrals/{referral_id}/claim",
    response={200: ClaimOut, **WRITE_ERRORS},
    summary="Claim an unclaimed referral of your team",
    description="Exactly one of any number of simultaneous claims succeeds; the others, and any later claim, get 409.",
)
def claim_referral(request, referral_id: PathId):
    user = api_user(request)
    _referral_for(user, referral_id, "care.claim")
    referral = services.claim_referral(user, referral_id)
    return {"id": referral.pk, "status": referral.status, "claimed_by": referral.claimed_by.username}


@router.post("/referrals/{referral_id}/contact", response={200: ReferralOut, **WRITE_ERRORS}, summary="Record the first contact")
def contact_referral(request, referral_id: PathId):
    user = api_user(request)
    _referral_for(user, referral_id, "care.claim")
    return _referral(services.act_on_referral(user, referral_id, "contact"))


@router.post("/referrals/{referral_id}/close", response={200: ReferralOut, **WRITE_ERRORS}, summary="Close with a CLD outcome")
def close_referral(request, referral_id: PathId, payload: CloseIn):
    user = api_user(request)
    _referral_for(user, referral_id, "care.claim")
    return _referral(services.act_on_referral(user, referral_id, "close", outcome=payload.outcome.value))


@router.post("/referrals/{referral_id}/decline", response={200: ReferralOut, **WRITE_ERRORS}, summary="Decline, with a reason")
def decline_referral(request, referral_id: PathId, payload: DeclineIn):
    user = api_user(request)
    _referral_for(user, referral_id, "care.claim")
    return _referral(services.act_on_referral(user, referral_id, "decline", outcome=payload.outcome.value, reason=payload.reason))


@router.post("/referrals/{referral_id}/reassign", response={200: ReferralOut, **WRITE_ERRORS}, summary="Reassign to another team")
def reassign_referral(request, referral_id: PathId, payload: ReassignIn):
    user = api_user(request)
    _referral_for(user, referral_id, "care.claim")
    team = _team(payload.team)
    return _referral(services.act_on_referral(user, referral_id, "reassign", reason=payload.reason, team=team))


# --- the assessment ----------------------------------------------------------------------------------


@router.post("/assessments", response={201: AssessmentOut, **WRITE_ERRORS}, summary="Start an integrated assessment")
def start_assessment(request, payload: AssessmentIn):
    user = api_user(request)
    person = _person(payload.person)
    check(user, "care.assess", person)
    referral = services.get_referral(payload.referral, field="referral") if payload.referral else None
    return Status(201, _assessment(services.start_assessment(user, person, referral=referral, kind=payload.kind.value)))


@router.get("/assessments/{assessment_id}", response={200: AssessmentOut, **READ_ERRORS}, summary="One assessment, explained")
def get_assessment(request, assessment_id: PathId):
    return _assessment(_assessment_for(api_user(request), assessment_id, "care.view"))


def _save(request, assessment_id: int, section: str, data: dict) -> dict:
    user = api_user(request)
    assessment = _assessment_for(user, assessment_id, "care.assess")
    return _assessment(services.save_section(user, assessment, section, data))


@router.put("/assessments/{assessment_id}/needs", response={200: AssessmentOut, **WRITE_ERRORS}, summary="Health and social care needs")
def save_needs(request, assessment_id: PathId, payload: NeedsIn):
    return _save(request, assessment_id, "needs", payload.dict())


@router.put("/assessments/{assessment_id}/eligibility", response={200: AssessmentOut, **WRITE_ERRORS},
            summary="Care Act eligibility: the three conditions and the ten outcomes")
def save_eligibility(request, assessment_id: PathId, payload: EligibilityIn):
    data = payload.dict()
    data["outcomes"] = {k.value: v.value for k, v in payload.outcomes.items()}
    return _save(request, assessment_id, "eligibility", data)


@router.put("/assessments/{assessment_id}/carer", response={200: AssessmentOut, **WRITE_ERRORS}, summary="Carer's assessment")
def save_carer(request, assessment_id: PathId, payload: CarerIn):
    data = payload.dict()
    data["outcomes"] = {k.value: v.value for k, v in payload.outcomes.items()}
    return _save(request, assessment_id, "carer", data)


@router.put("/assessments/{assessment_id}/checklist", response={200: AssessmentOut, **WRITE_ERRORS},
            summary="Continuing healthcare Checklist; routes the funding")
def save_checklist(request, assessment_id: PathId, payload: ChecklistIn):
    data = {"scores": {k.value: v for k, v in payload.scores.items()}, "decision": payload.decision.value if payload.decision else ""}
    return _save(request, assessment_id, "checklist", data)


@router.post("/assessments/{assessment_id}/complete", response={200: AssessmentOut, **WRITE_ERRORS}, summary="Complete with a CLD outcome")
def complete_assessment(request, assessment_id: PathId, payload: CompleteAssessmentIn):
    user = api_user(request)
    assessment = _assessment_for(user, assessment_id, "care.assess")
    return _assessment(services.complete_assessment(user, assessment, outcome=payload.outcome.value))


# --- tasks and reviews -------------------------------------------------------------------------------


@router.post("/tasks", response={201: TaskOut, **WRITE_ERRORS}, summary="Assign a task to a person or a team")
def create_task(request, payload: TaskIn):
    user = api_user(request)
    person = _person(payload.person)
    check(user, "care.coordinate", person)
    referral = services.get_referral(payload.referral, field="referral") if payload.referral else None
    task = services.create_task(user, person, title=payload.title, assignee=_user(payload.assignee, "assignee"),
                                team=_team(payload.team), due_on=payload.due_on, referral=referral)
    return Status(201, _task(task))


@router.post("/tasks/{task_id}/done", response={200: TaskOut, **WRITE_ERRORS}, summary="Mark a task done")
def complete_task(request, task_id: PathId):
    user = api_user(request)
    task = Task.objects.select_related("person").filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"No task with id {task_id}", field="id")
    check(user, "care.coordinate", task)
    return _task(services.complete_task(user, task))


@router.post("/reviews", response={201: ReviewOut, **WRITE_ERRORS}, summary="Schedule a review (CLD Review)")
def schedule_review(request, payload: ReviewIn):
    user = api_user(request)
    person = _person(payload.person)
    check(user, "care.coordinate", person)
    review = services.schedule_review(user, person, due_on=payload.due_on, team=_team(payload.team),
                                      reviewer=_user(payload.reviewer, "reviewer"), reason=payload.reason.value)
    return Status(201, _review(review))


@router.post("/reviews/{review_id}/complete", response={200: ReviewOut, **WRITE_ERRORS}, summary="Complete a review with a CLD outcome")
def complete_review(request, review_id: PathId, payload: CompleteReviewIn):
    user = api_user(request)
    review = Review.objects.select_related("person").filter(pk=review_id).first()
    if review is None:
        raise NotFound(f"No review with id {review_id}", field="id")
    check(user, "care.coordinate", review)
    return _review(services.complete_review(user, review, outcome=payload.outcome.value, completed_on=payload.completed_on,
                                            outcomes_achieved=payload.outcomes_achieved, notes=payload.notes))
