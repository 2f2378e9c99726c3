"""Every write of integrated care: teams and routing, referrals and their transitions, the assessment, tasks and
reviews. Each service validates its input (raising FieldError naming the field), runs in one transaction and
writes exactly one audit entry with the values before and after.

Claiming is one conditional UPDATE (`... WHERE status = 'unclaimed'`): of any number of workers claiming one
referral at once, the database lets exactly one change the row; the others get 409 (decision 0091).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from jointcare.audit.services import record, snapshot
from jointcare.care.domain import chc, eligibility, routing
from jointcare.care.domain.referrals import ReferralAction, ReferralStatus, TransitionError, next_status
from jointcare.care.domain.vocabulary import (
    REVIEW_OUTCOMES,
    AssessmentType,
    EventOutcome,
    ReviewReason,
    RouteOfAccess,
    Urgency,
)
from jointcare.care.models import (
    Assessment,
    Referral,
    ReferralEvent,
    Review,
    RoutingRule,
    Task,
    Team,
    TeamMembership,
)
from jointcare.errors import Conflict, FieldError, NotFound

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
REFERRAL_FIELDS = ("team", "status", "claimed_by", "claimed_at", "first_contact_at", "first_service_at", "closed_at",
                   "outcome", "outcome_reason")


def _fail(errors: list[tuple[str, str]]):
    if errors:
        raise FieldError(errors[0][1], field=errors[0][0], errors=[{"field": f, "message": m} for f, m in errors])


def _text(value, field: str, label: str, max_length: int, errors: list, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.append((field, f"Enter the {label}"))
    elif len(value) > max_length:
        errors.append((field, f"The {label} must be {max_length} characters or fewer"))
    return value


def _enum(enum, value, field: str, what: str, errors: list):
    try:
        return enum(value)
    except ValueError:
        errors.append((field, f"'{value}' is not {what}. Choose one of: {', '.join(m.value for m in enum)}"))
        return None


def _council(person) -> str | None:
    return getattr(person, "responsible_council", None) or None


# --- teams and routing ---------------------------------------------------------------------------------


def team_by_name(name: str, *, field: str = "team") -> Team:
    team = Team.objects.filter(name__iexact=(name or "").strip()).first()
    if team is None:
        raise NotFound(f"No team called '{name}'", field=field)
    return team


def get_team(pk, *, field: str = "team") -> Team:
    team = Team.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if team is None:
        raise NotFound(f"No team with id {pk}", field=field)
    return team


@transaction.atomic
def create_team(actor, *, name: str, organisation, description: str = "") -> Team:
    errors: list = []
    name = _text(name, "name", "team name", 120, errors, required=True)
    description = _text(description, "description", "description", 300, errors)
    if organisation is None:
        errors.append(("organisation", "Choose the organisation the team belongs to"))
    _fail(errors)
    if Team.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A team called '{name}' already exists", field="name")
    team = Team.objects.create(name=name, organisation=organisation, description=description)
    record(actor, "care.team.create", team, after=snapshot(team), summary=f"Created team {team.name}")
    return team


@transaction.atomic
def add_member(actor, team: Team, user) -> TeamMembership:
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise Conflict(f"{user.username} is already a member of {team.name}", field="user")
    membership = TeamMembership.objects.create(team=team, user=user)
    record(actor, "care.team.add_member", team, after={"user": user.username}, summary=f"Added {user.username} to {team.name}")
    return membership


@transaction.atomic
def remove_member(actor, team: Team, user) -> None:
    deleted, _ = TeamMembership.objects.filter(team=team, user=user).delete()
    if not deleted:
        raise NotFound(f"{user.username} is not a member of {team.name}", field="user")
    record(actor, "care.team.remove_member", team, before={"user": user.username}, summary=f"Removed {user.username} from {team.name}")


def _rules() -> list[routing.Rule]:
    return [routing.Rule(team_id=t, route=r or None, council=c or None) for r, c, t in
            RoutingRule.objects.values_list("route", "council", "team_id")]


@transaction.atomic
def add_routing_rule(actor, team: Team, *, route: str | None = None, council: str | None = None) -> RoutingRule:
    """Send referrals by `route` (None: any) for residents of `council` (GSS code; None: any) to `team`."""
    errors: list = []
    route = route or None
    council = (council or "").strip().upper() or None
    if route is not None:
        route = getattr(_enum(RouteOfAccess, route, "route", "a route of access", errors), "value", None)
    if council is not None and not (len(council) == 9 and council[0] in "EWSN" and council[1:].isdigit()):
        errors.append(("council", f"'{council}' is not a GSS code (a letter and eight digits, e.g. E08000009)"))
    _fail(errors)
    new = routing.Rule(team_id=team.pk, route=route, council=council)
    clash = routing.clashes(_rules(), new)
    if clash:
        other = Team.objects.get(pk=clash[0].team_id)
        raise Conflict(f"Referrals for {routing.describe(new)} already go to {other.name}", field="route")
    rule = RoutingRule.objects.create(team=team, route=route or "", council=council or "")
    record(actor, "care.routing.add", rule, after=snapshot(rule), summary=f"Route {routing.describe(new)} to {team.name}")
    return rule


def route_for(route: str, council: str | None) -> tuple[Team, str]:
    """The team the rules send a referral to, and why; FieldError (field `source`) when no rule matches."""
    try:
        routed = routing.route(_rules(), route, council)
    except routing.NoRoute as exc:
        raise FieldError(exc.message, field="source") from None
    return Team.objects.get(pk=routed.team_id), routed.explanation


# --- referrals -----------------------------------------------------------------------------------------


def get_referral(pk, *, field: str = "id") -> Referral:
    referral = (
        Referral.objects.select_related("team", "claimed_by", "person").filter(pk=pk).first() if str(pk).isdigit() else None
    )
    if referral is None:
        raise NotFound(f"No referral with id {pk}", field=field)
    return referral


def _event(referral: Referral, action: str, before: str, actor, note: str = "", at=None) -> None:
    ReferralEvent.objects.create(
        referral=referral, action=action, from_status=before, to_status=referral.status, team_id=referral.team_id,
        actor=actor if getattr(actor, "pk", None) else None, note=note, at=at or timezone.now(),
    )


@transaction.atomic
def refer(
    actor,
    person,
    *,
    source: str,
    reason: str = "",
    urgency: str = Urgency.ROUTINE.value,
    referrer: str = "",
    received_at: dt.datetime | None = None,
) -> Referral:
    """Receive a referral for the person by a route of access, routed to a team by the rules."""
    errors: list = []
    route = _enum(RouteOfAccess, source, "source", "a route of access", errors)
    urgency_value = _enum(Urgency, urgency or Urgency.ROUTINE.value, "urgency", "an urgency", errors)
    reason = _text(reason, "reason", "reason for the referral", 2000, errors)
    referrer = _text(referrer, "referrer", "referrer", 200, errors)
    now = timezone.now()
    if received_at is not None:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at) if received_at.year > 1900 else received_at.replace(tzinfo=dt.UTC)
        if received_at > now + dt.timedelta(minutes=5):
            errors.append(("received_at", "The referral cannot be received in the future"))
        elif received_at < EARLIEST:
            errors.append(("received_at", "The referral cannot be received before 1 January 2000"))
    if getattr(person, "voided_at", None) is not None:
        errors.append(("person", "This person's record has been voided: refer the person's live record"))
    _fail(errors)
    team, why = route_for(route.value, _council(person))
    referral = Referral.objects.create(
        person=person, team=team, route=route.value, reason=reason, urgency=urgency_value.value, referrer=referrer,
        received_at=received_at or now, created_by=actor if getattr(actor, "pk", None) else None,
    )
    _event(referral, "received", "", actor, note=why, at=referral.received_at)
    record(actor, "care.referral.create", referral, after=snapshot(referral),
           summary=f"Referral {referral.pk} ({route.label.lower()}) to {team.name}: {why.lower()}")
    return referral


def claim_referral(actor, referral_id: int) -> Referral:
    """Claim an unclaimed referral for the actor. Exactly one of several simultaneous claims succeeds: the claim is
    one conditional UPDATE, and a second finds no unclaimed row (409)."""
    now = timezone.now()
    with transaction.atomic():
        changed = Referral.objects.filter(pk=referral_id, status=ReferralStatus.UNCLAIMED).update(
            status=ReferralStatus.CLAIMED, claimed_by=actor, claimed_at=now, updated_by=actor, updated_at=now
        )
        referral = get_referral(referral_id)
        if not changed:
            if referral.claimed_by_id is not None and referral.status != ReferralStatus.UNCLAIMED:
                who = "you" if referral.claimed_by_id == actor.pk else referral.claimed_by.username
                raise Conflict(f"This referral has already been claimed by {who}", field="status")
            raise Conflict(f"A referral that is {referral.status_enum.label.lower()} cannot be claimed", field="status")
        _event(referral, ReferralAction.CLAIM, ReferralStatus.UNCLAIMED, actor, at=now)
        record(actor, "care.referral.claim", referral, before={"status": "unclaimed", "claimed_by": None},
               after={"status": "claimed", "claimed_by": actor.pk}, summary=f"{actor.username} claimed referral {referral.pk}")
    return referral


@transaction.atomic
def act_on_referral(actor, referral_id: int, action: str, *, outcome: str | None = None, reason: str = "",
                    team: Team | None = None) -> Referral:
    """Contact, close, decline or reassign a referral, by the transition table. The row is locked first, so two
    changes at once are taken one after the other and the second is checked against the first's result."""
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(f"No referral with id {referral_id}", field="id")
    try:
        action = ReferralAction(action)
    except ValueError:
        raise FieldError(f"'{action}' is not an action on a referral", field="action") from None
    if action is ReferralAction.CLAIM:
        raise FieldError("Claim a referral with its own action", field="action")
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise FieldError("The reason must be 2000 characters or fewer", field="reason")
    try:
        new = next_status(referral.status, action, outcome=outcome, reason=reason)
    except TransitionError as exc:
        error = Conflict if exc.field == "status" else FieldError
        raise error(exc.message, field=exc.field) from None
    if action is ReferralAction.REASSIGN:
        if team is None:
            raise FieldError("Choose the team to reassign the referral to", field="team")
        if team.pk == referral.team_id:
            raise FieldError(f"The referral is already with {team.name}: choose another team", field="team")
    before = snapshot(referral, REFERRAL_FIELDS)
    old_status = referral.status
    now = timezone.now()
    referral.status = new.value
    if action is ReferralAction.CONTACT:
        referral.first_contact_at = referral.first_contact_at or now
    elif action is ReferralAction.CLOSE:
        referral.outcome, referral.closed_at = outcome, now
    elif action is ReferralAction.DECLINE:
        referral.outcome, referral.outcome_reason, referral.closed_at = outcome, reason, now
    elif action is ReferralAction.REASSIGN:
        referral.team, referral.claimed_by, referral.claimed_at = team, None, None
    referral.updated_by = actor if getattr(actor, "pk", None) else None
    referral.save()
    _event(referral, action, old_status, actor, note=reason, at=now)
    record(actor, f"care.referral.{action.value}", referral, before=before, after=snapshot(referral, REFERRAL_FIELDS),
           summary=f"Referral {referral.pk}: {action.label.lower()}" + (f" to {team.name}" if team else ""))
    return get_referral(referral.pk)


@transaction.atomic
def record_first_service(referral: Referral, when: dt.datetime, actor=None) -> Referral:
    """Record that a service began for the referral at `when` (kept only if it is the earliest so far). Called by
    the care plans when a service starts."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if when < referral.received_at:
        raise FieldError("A service for the referral cannot start before the referral was received", field="first_service_at")
    if referral.first_service_at is not None and referral.first_service_at <= when:
        return referral
    before = referral.first_service_at
    referral.first_service_at = when
    referral.save(update_fields=["first_service_at", "updated_at"])
    record(actor, "care.referral.first_service", referral, before={"first_service_at": before},
           after={"first_service_at": when}, summary=f"Referral {referral.pk}: first service recorded")
    return referral


# --- the integrated assessment -----------------------------------------------------------------------

SECTIONS = ("needs", "eligibility", "carer", "checklist")
SECTION_LABELS = {
    "needs": "Health and social care needs",
    "eligibility": "Care Act eligibility",
    "carer": "Carer's assessment",
    "checklist": "Continuing healthcare Checklist",
}


def get_assessment(pk, *, field: str = "id") -> Assessment:
    assessment = (
        Assessment.objects.select_related("person", "referral", "assessor").filter(pk=pk).first() if str(pk).isdigit() else None
    )
    if assessment is None:
        raise NotFound(f"No assessment with id {pk}", field=field)
    return assessment


def section_done(assessment: Assessment, section: str) -> bool:
    data = getattr(assessment, section) or {}
    return bool(data)


@transaction.atomic
def start_assessment(actor, person, *, referral: Referral | None = None, kind: str = AssessmentType.LONG_TERM.value) -> Assessment:
    errors: list = []
    kind_value = _enum(AssessmentType, kind, "kind", "a kind of assessment", errors)
    if referral is not None and referral.person_id != person.pk:
        errors.append(("referral", "The referral is for another person"))
    _fail(errors)
    user = actor if getattr(actor, "pk", None) else None
    assessment = Assessment.objects.create(person=person, referral=referral, kind=kind_value.value, assessor=user,
                                           created_by=user, updated_by=user)
    record(actor, "care.assessment.start", assessment, after=snapshot(assessment), summary=f"Started assessment {assessment.pk}")
    return assessment


def _clean_needs(data: Mapping) -> dict:
    errors: list = []
    health = _text(data.get("health"), "needs.health", "health needs", 5000, errors)
    social = _text(data.get("social"), "needs.social", "social care needs", 5000, errors)
    if not errors and not (health or social):
        errors.append(("needs.health", "Describe the person's health needs, social care needs or both"))
    _fail(errors)
    return {"health": health, "social": social}


def _clean_eligibility(data: Mapping) -> tuple[dict, bool]:
    try:
        decision = eligibility.adult(data)
    except eligibility.EligibilityError as exc:
        raise FieldError(exc.message, field=f"eligibility.{exc.field}") from None
    return {"impairment": data["impairment"], "wellbeing": data["wellbeing"], "outcomes": dict(data["outcomes"])}, decision.eligible


def _clean_carer(data: Mapping) -> tuple[dict, bool | None]:
    has_carer = data.get("has_carer")
    if not isinstance(has_carer, bool):
        raise FieldError("Answer: does the person have an unpaid carer who wants an assessment?", field="carer.has_carer")
    if not has_carer:
        return {"has_carer": False}, None
    errors: list = []
    name = _text(data.get("carer_name"), "carer.carer_name", "carer's name", 200, errors, required=True)
    _fail(errors)
    try:
        decision = eligibility.carer(data)
    except eligibility.EligibilityError as exc:
        raise FieldError(exc.message, field=exc.field) from None
    kept = {k: data[k] for k in ("necessary_care", "health_at_risk", "wellbeing")}
    return {"has_carer": True, "carer_name": name, **kept, "outcomes": dict(data["outcomes"])}, decision.eligible


def _clean_checklist(data: Mapping) -> tuple[dict, chc.ChecklistResult, chc.Funding]:
    scores = data.get("scores")
    if not isinstance(scores, Mapping):
        raise FieldError("Score each of the eleven domains A, B or C", field="checklist.scores")
    try:
        result = chc.checklist(scores)
    except chc.ChecklistError as exc:
        raise FieldError(exc.message, field=f"checklist.{exc.field.removeprefix('chc.')}") from None
    decision = data.get("decision") or None
    if decision is not None:
        try:
            decision = chc.ChcDecision(decision)
        except ValueError:
            raise FieldError(f"'{decision}' is not a continuing healthcare decision", field="checklist.decision") from None
    funding = chc.funding_route(result, decision)
    kept = {"scores": {d.value: scores[d.value].strip().upper() for d in chc.Domain}, "decision": decision.value if decision else ""}
    return kept, result, funding


def explain(assessment: Assessment) -> dict:
    """The domain's explanation of each answered section, line by line, for the page and the API."""
    out = {}
    if assessment.eligibility:
        out["eligibility"] = list(eligibility.adult(assessment.eligibility).lines)
    if assessment.carer.get("has_carer"):
        out["carer"] = list(eligibility.carer(assessment.carer).lines)
    if assessment.checklist:
        result = chc.checklist(assessment.checklist["scores"])
        out["checklist"] = list(chc.funding_route(result, assessment.checklist.get("decision") or None).lines)
    return out


@transaction.atomic
def save_section(actor, assessment: Assessment, section: str, data: Mapping) -> Assessment:
    """Save one section's answers; the domain decides its result (eligibility, carer eligibility, funding)."""
    if section not in SECTIONS:
        raise FieldError(f"'{section}' is not a section of the assessment", field="section")
    if assessment.status == Assessment.COMPLETED:
        raise Conflict("The assessment is completed: its answers can no longer change", field="status")
    if not isinstance(data, Mapping):
        raise FieldError("Send the section's answers as an object", field=section)
    before = snapshot(assessment)
    if section == "needs":
        assessment.needs = _clean_needs(data)
    elif section == "eligibility":
        assessment.eligibility, assessment.eligible = _clean_eligibility(data)
    elif section == "carer":
        assessment.carer, assessment.carer_eligible = _clean_carer(data)
    else:
        assessment.checklist, result, funding = _clean_checklist(data)
        assessment.full_chc_assessment, assessment.funding_route = result.full_assessment, funding.route.value
    assessment.updated_by = actor if getattr(actor, "pk", None) else None
    assessment.save()
    record(actor, f"care.assessment.{section}", assessment, before=before, after=snapshot(assessment),
           summary=f"Assessment {assessment.pk}: {SECTION_LABELS[section].lower()} saved")
    return assessment


@transaction.atomic
def complete_assessment(actor, assessment: Assessment, *, outcome: str) -> Assessment:
    if assessment.status == Assessment.COMPLETED:
        raise Conflict("The assessment is already completed", field="status")
    missing = [s for s in SECTIONS if not section_done(assessment, s)]
    if missing:
        raise FieldError(f"Complete the section '{SECTION_LABELS[missing[0]]}' first", field=missing[0])
    errors: list = []
    outcome_value = _enum(EventOutcome, outcome, "outcome", "a CLD event outcome", errors)
    _fail(errors)
    before = snapshot(assessment)
    assessment.status, assessment.completed_at, assessment.outcome = Assessment.COMPLETED, timezone.now(), outcome_value.value
    assessment.updated_by = actor if getattr(actor, "pk", None) else None
    assessment.save()
    record(actor, "care.assessment.complete", assessment, before=before, after=snapshot(assessment),
           summary=f"Assessment {assessment.pk} completed: {outcome_value.label}")
    return assessment


# --- tasks and reviews -------------------------------------------------------------------------------


@transaction.atomic
def create_task(actor, person, *, title: str, assignee=None, team: Team | None = None, due_on: dt.date | None = None,
                referral: Referral | None = None) -> Task:
    errors: list = []
    title = _text(title, "title", "task", 200, errors, required=True)
    if (assignee is None) == (team is None):
        errors.append(("assignee", "Assign the task to one person or to one team"))
    if referral is not None and referral.person_id != person.pk:
        errors.append(("referral", "The referral is for another person"))
    _fail(errors)
    user = actor if getattr(actor, "pk", None) else None
    task = Task.objects.create(person=person, title=title, assignee=assignee, team=team, due_on=due_on, referral=referral,
                               created_by=user, updated_by=user)
    record(actor, "care.task.create", task, after=snapshot(task), summary=f"Task: {title}")
    return task


@transaction.atomic
def complete_task(actor, task: Task) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise Conflict("The task is already done", field="status")
    before = snapshot(task)
    task.done_at = timezone.now()
    task.updated_by = actor if getattr(actor, "pk", None) else None
    task.save()
    record(actor, "care.task.complete", task, before=before, after=snapshot(task), summary=f"Done: {task.title}")
    return task


@transaction.atomic
def schedule_review(actor, person, *, due_on: dt.date | None, team: Team | None = None, reviewer=None,
                    reason: str = ReviewReason.PLANNED.value) -> Review:
    errors: list = []
    reason_value = _enum(ReviewReason, reason, "reason", "a review reason", errors)
    if due_on is None:
        errors.append(("due_on", "Enter the date the review is due"))
    if team is None and reviewer is None:
        errors.append(("reviewer", "Name the reviewer, the team, or both"))
    _fail(errors)
    user = actor if getattr(actor, "pk", None) else None
    review = Review.objects.create(person=person, due_on=due_on, team=team, reviewer=reviewer, reason=reason_value.value,
                                   created_by=user, updated_by=user)
    record(actor, "care.review.schedule", review, after=snapshot(review), summary=f"Review due {due_on}")
    return review


@transaction.atomic
def complete_review(actor, review: Review, *, outcome: str, completed_on: dt.date | None = None,
                    outcomes_achieved: bool | None = None, notes: str = "") -> Review:
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.completed_on is not None:
        raise Conflict("The review is already completed", field="status")
    errors: list = []
    today = timezone.localdate()
    completed_on = completed_on or today
    outcome_value = _enum(EventOutcome, outcome, "outcome", "a CLD event outcome", errors)
    if outcome_value is not None and outcome_value not in REVIEW_OUTCOMES:
        errors.append(("outcome", f"'{outcome_value.label}' cannot end a review"))
    if completed_on > today:
        errors.append(("completed_on", "The review cannot be completed on a date in the future"))
    notes = _text(notes, "notes", "notes", 5000, errors)
    _fail(errors)
    before = snapshot(review)
    review.completed_on, review.outcome, review.outcomes_achieved, review.notes = completed_on, outcome_value.value, outcomes_achieved, notes
    review.updated_by = actor if getattr(actor, "pk", None) else None
    review.save()
    record(actor, "care.review.complete", review, before=before, after=snapshot(review),
           summary=f"Review {review.pk} completed: {outcome_value.label}")
    return review
