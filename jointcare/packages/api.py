"""Care plans API: a person's plan with its costs and funding, services (add, change, end, withdraw), goals,
approval and version history; reablement episodes (start, extend, end) and their follow-ups; services import.

A plan is reached through the person (`/people/{person_id}/care-plan`), a service, an episode or a follow-up by
its own id. Every read of a plan is a view of the person's record and is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jointcare.accounts.access import api_user, check, check_somewhere
from jointcare.audit.services import record
from jointcare.errors import FieldError, NotFound
from jointcare.organisations.models import Organisation
from jointcare.packages import domain, imports, services
from jointcare.packages.domain import DeliveryMechanism, EventOutcome, Funding, ServiceType, Whereabouts
from jointcare.packages.models import CarePlan, PlanService, ReablementEpisode
from jointcare.people.services import get_person
from jointcare.schemas import READ_ERRORS, WRITE_ERRORS, Date, Id, Input, NonNegativePence, PathId, text, whole_number

router = Router(tags=["care plans"])

Percent = whole_number(0, 10_000)


# --- schemas ---------------------------------------------------------------------------------------------


class FundingIO(Schema):
    pooled_basis_points: int = Field(0, description="share of the cost after the client's part, 10000 = 100%")
    nhs_basis_points: int = 0
    council_basis_points: int = 0
    client_weekly_pence: int = Field(0, description="the person's contribution a week, taken first")
    scheme_id: int | None = Field(None, description="the pooled budget scheme paying the pooled share")
    scheme_code: str | None = None


class FundingIn(Input):
    pooled_basis_points: Percent = 0
    nhs_basis_points: Percent = 0
    council_basis_points: Percent = 0
    client_weekly_pence: NonNegativePence = 0
    scheme_id: Id | None = None


class ServiceIn(Input):
    name: str = text(..., min_length=1, max_length=200)
    provider_id: Id
    service_type: ServiceType
    component: str = text(..., min_length=1, max_length=80, description="CLD service component")
    delivery_mechanism: DeliveryMechanism
    units_per_week: Decimal = Field(..., gt=0, le=168, max_digits=5, decimal_places=2)
    unit_cost_pence: NonNegativePence
    starts_on: Date
    ends_on: Date | None = None
    funding: FundingIn
    referral_id: Id | None = Field(None, description="the referral this service answers (its first service is recorded)")


class MonthOut(Schema):
    month: dt.date
    days: int
    cost_pence: int
    pooled_pence: int
    nhs_pence: int
    council_pence: int
    client_pence: int


class ServiceOut(Schema):
    id: int
    name: str
    provider: dict
    service_type: str
    component: str
    delivery_mechanism: str
    units_per_week: Decimal
    unit_cost_pence: int
    weekly_cost_pence: int
    starts_on: dt.date
    ends_on: dt.date | None
    end_reason: str
    withdrawn: bool
    referral_id: int | None
    funding: FundingIO
    months: list[MonthOut] = Field(..., description="costs in each month of the financial year asked for")


class PlanOut(Schema):
    id: int | None
    person_id: int
    status: str
    status_label: str
    version: int
    goals: list[str]
    peak_weekly_cost_pence: int
    approval_threshold_pence: int
    financial_year: int
    services: list[ServiceOut]


class GoalsIn(Input):
    goals: list[str] = Field(..., max_length=30)


class EndIn(Input):
    ends_on: Date
    reason: str = text("", max_length=300)


class ReasonIn(Input):
    reason: str = text(..., min_length=1, max_length=300)


class ApproveIn(Input):
    version: whole_number(1, 1_000_000)


class ReturnIn(ApproveIn):
    reason: str = text(..., min_length=1, max_length=300)


class VersionOut(Schema):
    number: int
    made_by: str | None
    made_at: dt.datetime
    summary: str
    differences: list[str]
    peak_weekly_cost_pence: int
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str


class FollowUpOut(Schema):
    id: int
    kind: str
    kind_label: str
    due_on: dt.date
    state: str = Field(..., description="scheduled, due, overdue or recorded, as of today")
    seen_on: dt.date | None
    whereabouts: str


class EpisodeOut(Schema):
    id: int
    person_id: int
    service_id: int | None
    provider: dict | None
    discharged_on: dt.date | None
    starts_on: dt.date
    last_day: dt.date = Field(..., description="day 42, or the extension")
    extended_to: dt.date | None
    extension_reason: str
    ends_on: dt.date | None
    outcome: str
    follow_ups: list[FollowUpOut]


class EpisodeIn(Input):
    starts_on: Date
    discharged_on: Date | None = None
    provider_id: Id | None = None
    service_id: Id | None = None
    client_contribution_pence: NonNegativePence = Field(0, description="reablement is free: anything but 0 is refused")


class ExtendIn(Input):
    extended_to: Date
    reason: str = text(..., min_length=1, max_length=300)


class EpisodeEndIn(Input):
    ends_on: Date
    outcome: EventOutcome


class FollowUpIn(Input):
    seen_on: Date
    whereabouts: Whereabouts


class YearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="financial year (2026 is 2026-27); this year's if not given")


class ImportOut(Schema):
    rows: int
    added: int
    dry_run: bool
    errors: list[dict]


# --- converters --------------------------------------------------------------------------------------------


def _org(o) -> dict | None:
    return None if o is None else {"id": o.pk, "name": o.name, "code": o.code, "sector": o.sector}


def _service(s: PlanService, year: int) -> dict:
    months = [domain.month_cost(s.terms, m) for m in domain.months_between(dt.date(year, 4, 1), dt.date(year + 1, 3, 1))]
    return {
        "id": s.pk, "name": s.name, "provider": _org(s.provider), "service_type": s.service_type,
        "component": s.component, "delivery_mechanism": s.delivery_mechanism, "units_per_week": s.units_per_week,
        "unit_cost_pence": s.unit_cost_pence, "weekly_cost_pence": s.terms.weekly_pence, "starts_on": s.starts_on,
        "ends_on": s.ends_on, "end_reason": s.end_reason, "withdrawn": s.withdrawn_at is not None, "referral_id": s.referral_id,
        "funding": {
            "pooled_basis_points": s.pooled_bp, "nhs_basis_points": s.nhs_bp, "council_basis_points": s.council_bp,
            "client_weekly_pence": s.client_weekly_pence, "scheme_id": s.scheme_id,
            "scheme_code": s.scheme.code if s.scheme_id else None,
        },
        "months": [
            {"month": mc.month, "days": mc.days, "cost_pence": mc.cost, "pooled_pence": mc.pooled, "nhs_pence": mc.nhs,
             "council_pence": mc.council, "client_pence": mc.client}
            for mc in months if mc.days
        ],
    }


def _this_year() -> int:
    from django.utils import timezone

    from jointcare.pool.domain import financial_year_of

    return financial_year_of(timezone.localdate())


def plan_out(person, plan: CarePlan | None, year: int | None = None) -> dict:
    year = year or _this_year()
    services_ = list(plan.services.select_related("provider", "scheme").order_by("starts_on", "id")) if plan else []
    active = [s.terms for s in services_ if s.withdrawn_at is None]
    return {
        "id": plan.pk if plan else None,
        "person_id": person.pk,
        "status": plan.status if plan else "draft",
        "status_label": plan.status_label if plan else "Draft",
        "version": plan.version if plan else 0,
        "goals": list(plan.goals) if plan else [],
        "peak_weekly_cost_pence": domain.peak_weekly_cost(active),
        "approval_threshold_pence": services.threshold_for(plan) if plan else services.settings.PACKAGES_APPROVAL_WEEKLY_PENCE,
        "financial_year": year,
        "services": [_service(s, year) for s in services_],
    }


def episode_out(e: ReablementEpisode, today: dt.date | None = None) -> dict:
    from django.utils import timezone

    today = today or timezone.localdate()
    return {
        "id": e.pk, "person_id": e.person_id, "service_id": e.service_id, "provider": _org(e.provider),
        "discharged_on": e.discharged_on, "starts_on": e.starts_on, "last_day": e.last_day,
        "extended_to": e.extended_to, "extension_reason": e.extension_reason, "ends_on": e.ends_on,
        "outcome": e.outcome,
        "follow_ups": [
            {"id": f.pk, "kind": f.kind, "kind_label": f.kind_label, "due_on": f.due_on, "state": f.state(today).value,
             "seen_on": f.seen_on, "whereabouts": f.whereabouts}
            for f in e.follow_ups.all()
        ],
    }


# --- helpers ---------------------------------------------------------------------------------------------------


def viewed(user, person, what: str) -> None:
    """A read of the person's care plan or reablement is a view of their record: audited as one."""
    record(user, "person.view", person, summary=f"Opened the {what}")


def _plan_target(person):
    return services.plan_of(person) or person


def _provider(pk: int | None, field: str = "provider_id"):
    if pk is None:
        return None
    org = Organisation.objects.filter(pk=pk).first()
    if org is None:
        raise FieldError(f"there is no organisation with id {pk}", field=field)
    return org


def _scheme(pk: int | None):
    if pk is None:
        return None
    from jointcare.pool.models import Scheme

    scheme = Scheme.objects.select_related("pool__host", "pool__agreement").filter(pk=pk).first()
    if scheme is None:
        raise FieldError(f"there is no pooled budget scheme with id {pk}", field="funding.scheme_id")
    return scheme


def _referral(pk: int | None):
    if pk is None:
        return None
    from jointcare.care.models import Referral

    referral = Referral.objects.filter(pk=pk).first()
    if referral is None:
        raise FieldError(f"there is no referral with id {pk}", field="referral_id")
    return referral


def spec_from(payload: ServiceIn) -> services.ServiceSpec:
    f = payload.funding
    return services.ServiceSpec(
        name=payload.name, provider=_provider(payload.provider_id), service_type=payload.service_type.value,
        component=payload.component, delivery_mechanism=payload.delivery_mechanism.value,
        units_per_week=payload.units_per_week, unit_cost_pence=payload.unit_cost_pence, starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        funding=Funding(f.pooled_basis_points, f.nhs_basis_points, f.council_basis_points, f.client_weekly_pence),
        scheme=_scheme(f.scheme_id), referral=_referral(payload.referral_id),
    )


def _plan_or_404(person) -> CarePlan:
    plan = services.plan_of(person)
    if plan is None:
        raise NotFound("This person has no care plan yet", field="person_id")
    return plan


# --- plans -------------------------------------------------------------------------------------------------------


@router.get("/people/{person_id}/care-plan", response={200: PlanOut, **READ_ERRORS},
            summary="A person's care plan: goals, services, each month's costs and funding (audited view)")
def get_plan(request, person_id: PathId, filters: Query[YearQuery]):
    user = api_user(request)
    person = get_person(person_id)
    check(user, "packages.view", _plan_target(person))
    viewed(user, person, "care plan")
    return plan_out(person, services.plan_of(person), filters.year)


@router.put("/people/{person_id}/care-plan/goals", response={200: PlanOut, **WRITE_ERRORS}, summary="Set the plan's goals")
def put_goals(request, person_id: PathId, payload: GoalsIn):
    user = api_user(request)
    person = get_person(person_id)
    check(user, "packages.edit", person)
    for i, goal in enumerate(payload.goals):
        if len(goal) > 300:
            raise FieldError("a goal is at most 300 characters", field=f"goals.{i}")
    plan = services.set_goals(user, person, payload.goals)
    return plan_out(person, plan)


@router.post("/people/{person_id}/care-plan/services", response={201: ServiceOut, **WRITE_ERRORS},
             summary="Add a service to the plan (restates the pool's commitments)")
def add_service(request, person_id: PathId, payload: ServiceIn):
    user = api_user(request)
    person = get_person(person_id)
    check(user, "packages.edit", person)
    service = services.add_service(user, person, spec_from(payload))
    return Status(201, _service(service, _this_year()))


@router.get("/people/{person_id}/care-plan/versions", response={200: list[VersionOut], **READ_ERRORS},
            summary="The plan's versions: who changed what, when, and the approval of each")
def versions(request, person_id: PathId):
    user = api_user(request)
    person = get_person(person_id)
    plan = _plan_or_404(person)
    check(user, "packages.view", plan)
    viewed(user, person, "care plan's history")
    return [
        {"number": v.number, "made_by": v.made_by.username if v.made_by_id else None, "made_at": v.made_at,
         "summary": v.summary, "differences": v.differences, "peak_weekly_cost_pence": v.peak_weekly_pence,
         "status": v.status, "decided_by": v.decided_by.username if v.decided_by_id else None,
         "decided_at": v.decided_at, "decision_reason": v.decision_reason}
        for v in plan.versions.select_related("made_by", "decided_by").order_by("-number")[:500]
    ]


@router.post("/people/{person_id}/care-plan/approve", response={200: PlanOut, **WRITE_ERRORS},
             summary="Approve the version awaiting approval (name the version seen)")
def approve(request, person_id: PathId, payload: ApproveIn):
    user = api_user(request)
    person = get_person(person_id)
    plan = _plan_or_404(person)
    check(user, "packages.approve", plan)
    services.approve_plan(user, plan, payload.version)
    return plan_out(person, services.plan_of(person))


@router.post("/people/{person_id}/care-plan/return", response={200: PlanOut, **WRITE_ERRORS},
             summary="Return the version awaiting approval for change, with a reason")
def return_for_change(request, person_id: PathId, payload: ReturnIn):
    user = api_user(request)
    person = get_person(person_id)
    plan = _plan_or_404(person)
    check(user, "packages.approve", plan)
    services.return_plan(user, plan, payload.version, payload.reason)
    return plan_out(person, services.plan_of(person))


# --- services -------------------------------------------------------------------------------------------------------


def _service_for(user, service_id: int, action: str = "packages.edit") -> PlanService:
    service = services.get_service(service_id)
    check(user, action, service.plan.person if action == "packages.edit" else service)
    return service


@router.put("/care-plan-services/{service_id}", response={200: ServiceOut, **WRITE_ERRORS},
            summary="Change a service: units, cost, dates, provider or funding (restates the commitments)")
def change_service(request, service_id: PathId, payload: ServiceIn):
    user = api_user(request)
    service = _service_for(user, service_id)
    service = services.change_service(user, service, spec_from(payload))
    return _service(service, _this_year())


@router.post("/care-plan-services/{service_id}/end", response={200: ServiceOut, **WRITE_ERRORS}, summary="End a service")
def end_service(request, service_id: PathId, payload: EndIn):
    user = api_user(request)
    service = _service_for(user, service_id)
    service = services.end_service(user, service, payload.ends_on, payload.reason)
    return _service(service, _this_year())


@router.post("/care-plan-services/{service_id}/withdraw", response={200: ServiceOut, **WRITE_ERRORS},
             summary="Withdraw a service entered in error (its commitments become zero)")
def withdraw_service(request, service_id: PathId, payload: ReasonIn):
    user = api_user(request)
    service = _service_for(user, service_id)
    service = services.withdraw_service(user, service, payload.reason)
    return _service(service, _this_year())


@router.post("/care-plan-imports", response={200: ImportOut, **WRITE_ERRORS},
             summary="Import services from CSV or XLSX (all or nothing; dry_run to check only)")
def import_services(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    user = api_user(request)
    check_somewhere(user, "packages.import")
    result = imports.import_services(user, file.name or "upload.csv", file, dry_run=dry_run)
    return result.as_dict()


# --- reablement --------------------------------------------------------------------------------------------------------


@router.get("/people/{person_id}/reablement", response={200: list[EpisodeOut], **READ_ERRORS},
            summary="A person's reablement episodes with their follow-ups (audited view)")
def episodes(request, person_id: PathId):
    user = api_user(request)
    person = get_person(person_id)
    check(user, "packages.view", person)
    viewed(user, person, "reablement episodes")
    qs = ReablementEpisode.objects.filter(person=person).select_related("provider").prefetch_related("follow_ups")
    return [episode_out(e) for e in qs[:200]]


@router.post("/people/{person_id}/reablement", response={201: EpisodeOut, **WRITE_ERRORS},
             summary="Start a reablement episode (free to the person; 42 days unless extended)")
def start_episode(request, person_id: PathId, payload: EpisodeIn):
    user = api_user(request)
    person = get_person(person_id)
    check(user, "packages.edit", person)
    service = None
    if payload.service_id is not None:
        service = PlanService.objects.select_related("plan").filter(pk=payload.service_id).first()
        if service is None:
            raise FieldError(f"there is no service with id {payload.service_id}", field="service_id")
    episode = services.start_episode(
        user, person, starts_on=payload.starts_on, discharged_on=payload.discharged_on,
        provider=_provider(payload.provider_id), service=service, client_contribution_pence=payload.client_contribution_pence,
    )
    return Status(201, episode_out(episode))


def _episode_for(user, episode_id: int) -> ReablementEpisode:
    episode = services.get_episode(episode_id)
    check(user, "packages.edit", episode)
    return episode


@router.post("/reablement/{episode_id}/extend", response={200: EpisodeOut, **WRITE_ERRORS},
             summary="Extend an episode past day 42, with a reason")
def extend_episode(request, episode_id: PathId, payload: ExtendIn):
    user = api_user(request)
    episode = services.extend_episode(user, _episode_for(user, episode_id), payload.extended_to, payload.reason)
    return episode_out(episode)


@router.post("/reablement/{episode_id}/end", response={200: EpisodeOut, **WRITE_ERRORS},
             summary="End an episode with its outcome (CLD event outcome)")
def end_episode(request, episode_id: PathId, payload: EpisodeEndIn):
    user = api_user(request)
    episode = services.end_episode(user, _episode_for(user, episode_id), payload.ends_on, payload.outcome.value)
    return episode_out(episode)


@router.post("/reablement/follow-ups/{follow_up_id}", response={200: EpisodeOut, **WRITE_ERRORS},
             summary="Record where the person is at a follow-up (91 days, 12 weeks)")
def record_follow_up(request, follow_up_id: PathId, payload: FollowUpIn):
    user = api_user(request)
    follow_up = services.get_follow_up(follow_up_id)
    check(user, "packages.edit", follow_up)
    follow_up = services.record_follow_up(user, follow_up, seen_on=payload.seen_on, whereabouts=payload.whereabouts.value)
    return episode_out(follow_up.episode)
