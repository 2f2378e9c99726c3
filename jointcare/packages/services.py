"""Writes to care plans and reablement episodes: each in one transaction with one audit entry, named as a verb.

Every change to a plan's services (a new service, changed units, cost, dates or funding, an ended or withdrawn
service) writes a new version of the plan and restates the plan's commitments in the pool, month by month, in
one place (`_restate_commitments`): the pooled share of each month's cost, zero for months no longer planned.
Decision 0096 says what happens to months outside a pool's year and to closed months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jointcare.audit.services import record
from jointcare.errors import Conflict, FieldError, NotFound
from jointcare.money import format_pence
from jointcare.packages import domain
from jointcare.packages.domain import (
    REABLEMENT,
    SERVICE_COMPONENTS,
    DeliveryMechanism,
    EventOutcome,
    FollowUpKind,
    Funding,
    PackageError,
    PlanStatus,
    ServiceTerms,
    Whereabouts,
)
from jointcare.packages.models import (
    ApprovalThreshold,
    CarePlan,
    FollowUp,
    PlanService,
    PlanVersion,
    ReablementEpisode,
)

SOURCE = "care_plan"  # the commitments' source in the pool


def _refuse(exc: PackageError, prefix: str = "") -> FieldError:
    return FieldError(exc.message, field=f"{prefix}{exc.field}" if exc.field else None)


def _live(person) -> None:
    if getattr(person, "voided_at", None) is not None:
        raise Conflict("This person's record has been voided: change the record kept instead", field="person")


# --- plans ----------------------------------------------------------------------------------------------


def plan_of(person) -> CarePlan | None:
    return CarePlan.objects.filter(person=person).first()


def _plan_locked(actor, person) -> CarePlan:
    """The person's plan, created if need be, locked for this change (versions are numbered one at a time)."""
    _live(person)
    plan, _ = CarePlan.objects.get_or_create(person=person, defaults={"created_by": _user(actor)})
    return CarePlan.objects.select_for_update().get(pk=plan.pk)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def plan_snapshot(plan: CarePlan) -> dict:
    services = plan.services.select_related("provider", "scheme").order_by("id")
    return {"goals": list(plan.goals), "services": {str(s.pk): s.snapshot() for s in services}}


def threshold_for(plan: CarePlan) -> int:
    """The weekly cost above which a change needs approval: the lowest of the partnerships funding the plan's
    pooled services that set their own, else the platform's setting."""
    agreements = plan.services.filter(withdrawn_at__isnull=True, scheme__isnull=False).values("scheme__pool__agreement_id")
    own = ApprovalThreshold.objects.filter(agreement_id__in=agreements).order_by("weekly_pence").first()
    return own.weekly_pence if own else settings.PACKAGES_APPROVAL_WEEKLY_PENCE


def active_terms(plan: CarePlan) -> list[ServiceTerms]:
    return [s.terms for s in plan.services.filter(withdrawn_at__isnull=True)]


def _new_version(actor, plan: CarePlan, summary: str) -> PlanVersion:
    last = plan.versions.order_by("-number").first()
    snap = plan_snapshot(plan)
    terms = active_terms(plan)
    peak = domain.peak_weekly_cost(terms)
    status = domain.status_after_change(peak, threshold_for(plan), bool(terms))
    version = PlanVersion.objects.create(
        plan=plan,
        number=(last.number if last else 0) + 1,
        made_by=_user(actor),
        summary=summary[:300],
        snapshot=snap,
        differences=domain.differences(last.snapshot if last else None, snap),
        peak_weekly_pence=peak,
        status=status.value,
    )
    CarePlan.objects.filter(pk=plan.pk).update(
        version=version.number, status=status.value, updated_by=_user(actor), updated_at=timezone.now()
    )
    plan.refresh_from_db()
    return version


@transaction.atomic
def set_goals(actor, person, goals: list[str]) -> CarePlan:
    goals = [" ".join(g.split()) for g in goals if g and g.strip()]
    for i, goal in enumerate(goals):
        if len(goal) > 300:
            raise FieldError(f"goal {i + 1} is longer than 300 characters", field=f"goals[{i}]")
    if len(goals) > 30:
        raise FieldError("a plan has at most 30 goals", field="goals")
    plan = _plan_locked(actor, person)
    before = list(plan.goals)
    plan.goals = goals
    plan.save(update_fields=["goals"])
    version = _new_version(actor, plan, "Goals changed")
    record(actor, "packages.goals", plan, before={"goals": before}, after={"goals": goals},
           summary=f"Goals of the care plan (version {version.number})")
    return plan


# --- services -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSpec:
    """A service as a form, the API or an import row gives it."""

    name: str
    provider: object  # Organisation
    service_type: str
    component: str
    delivery_mechanism: str
    units_per_week: Decimal
    unit_cost_pence: int
    starts_on: dt.date
    ends_on: dt.date | None = None
    funding: Funding = Funding(council_bp=10_000)
    scheme: object | None = None  # pool.Scheme for the pooled share
    referral: object | None = None  # care.Referral the service answers, optional


def check_spec(spec: ServiceSpec, person) -> None:
    """Every rule a service must meet, each error naming its field (PackageError -> FieldError)."""
    if not spec.name or not spec.name.strip():
        raise FieldError("give the service a name", field="name")
    if len(spec.name) > 200:
        raise FieldError("a service name is at most 200 characters", field="name")
    if spec.provider is None:
        raise FieldError("choose the provider organisation", field="provider")
    if spec.component not in SERVICE_COMPONENTS:
        raise FieldError(f"'{spec.component}' is not a service component: one of {', '.join(SERVICE_COMPONENTS)}", field="component")
    if spec.delivery_mechanism not in DeliveryMechanism.__members__.values():
        raise FieldError(
            f"'{spec.delivery_mechanism}' is not a CLD delivery mechanism: one of {', '.join(DeliveryMechanism)}",
            field="delivery_mechanism",
        )
    terms = ServiceTerms("new", spec.service_type, spec.units_per_week, spec.unit_cost_pence, spec.starts_on, spec.ends_on, spec.funding)
    try:
        domain.check_service(terms)
    except PackageError as exc:
        raise _refuse(exc) from None
    if spec.funding.pooled_bp and spec.scheme is None:
        raise FieldError("choose the pooled budget scheme that pays the pooled share", field="scheme")
    if spec.scheme is not None and not spec.funding.pooled_bp:
        raise FieldError("a scheme is chosen but the pooled share is 0%: give the share or no scheme", field="scheme")
    if spec.referral is not None and spec.referral.person_id != person.pk:
        raise FieldError("the referral is another person's", field="referral")
    if spec.referral is not None and spec.starts_on < timezone.localdate(spec.referral.received_at):
        raise FieldError("the service starts before the referral was received", field="referral")
    if spec.scheme is not None and not scheme_covers(spec.scheme, person):
        raise FieldError(
            f"the pool of {spec.scheme.name} does not cover this person's council ({person.responsible_council})",
            field="scheme",
        )


def scheme_covers(scheme, person) -> bool:
    """A pool covers the person when its host or a party to its agreement is the person's responsible council."""
    pool = scheme.pool
    code = person.responsible_council
    if pool.host.gss_code == code:
        return True
    return pool.agreement.parties.filter(organisation__gss_code=code).exists()


def _apply(service: PlanService, spec: ServiceSpec) -> None:
    service.name = " ".join(spec.name.split())
    service.provider = spec.provider
    service.service_type = spec.service_type
    service.component = spec.component
    service.delivery_mechanism = spec.delivery_mechanism
    service.units_per_week = spec.units_per_week
    service.unit_cost_pence = spec.unit_cost_pence
    service.starts_on = spec.starts_on
    service.ends_on = spec.ends_on
    service.pooled_bp, service.nhs_bp, service.council_bp = spec.funding.shares
    service.client_weekly_pence = spec.funding.client_weekly_pence
    service.scheme = spec.scheme
    service.referral = spec.referral


def spec_of(service: PlanService, **changes) -> ServiceSpec:
    spec = ServiceSpec(
        service.name, service.provider, service.service_type, service.component, service.delivery_mechanism,
        service.units_per_week, service.unit_cost_pence, service.starts_on, service.ends_on, service.funding, service.scheme,
        service.referral,
    )
    return replace(spec, **changes)


@transaction.atomic
def add_service(actor, person, spec: ServiceSpec) -> PlanService:
    check_spec(spec, person)
    plan = _plan_locked(actor, person)
    service = PlanService(plan=plan, created_by=_user(actor), updated_by=_user(actor))
    _apply(service, spec)
    service.save()
    _restate_commitments(actor, plan)
    _first_service(actor, service)
    version = _new_version(actor, plan, f"Service added: {service.name}")
    record(actor, "packages.add_service", service, after=service.snapshot(),
           summary=f"Added {service.name} ({format_pence(service.terms.weekly_pence)} a week) to the care plan, version {version.number}")
    return service


@transaction.atomic
def change_service(actor, service: PlanService, spec: ServiceSpec) -> PlanService:
    plan = _plan_locked(actor, service.plan.person)
    service = PlanService.objects.select_for_update().get(pk=service.pk)
    if service.withdrawn_at:
        raise Conflict("This service was withdrawn: add a new one instead", field="service")
    check_spec(spec, plan.person)
    before = service.snapshot()
    _apply(service, spec)
    service.updated_by, service.updated_at = _user(actor), timezone.now()
    service.save()
    _restate_commitments(actor, plan)
    _first_service(actor, service)
    version = _new_version(actor, plan, f"Service changed: {service.name}")
    record(actor, "packages.change_service", service, before=before, after=service.snapshot(),
           summary=f"Changed {service.name} in the care plan, version {version.number}")
    return service


@transaction.atomic
def end_service(actor, service: PlanService, ends_on: dt.date, reason: str = "") -> PlanService:
    if ends_on < service.starts_on:
        raise FieldError("the service cannot end before it starts", field="ends_on")
    if len(reason) > 300:
        raise FieldError("a reason is at most 300 characters", field="reason")
    plan = _plan_locked(actor, service.plan.person)
    service = PlanService.objects.select_for_update().get(pk=service.pk)
    if service.withdrawn_at:
        raise Conflict("This service was withdrawn", field="service")
    before = service.snapshot()
    service.ends_on, service.end_reason = ends_on, " ".join(reason.split())
    service.updated_by, service.updated_at = _user(actor), timezone.now()
    service.save()
    _restate_commitments(actor, plan)
    version = _new_version(actor, plan, f"Service ended: {service.name}")
    record(actor, "packages.end_service", service, before=before, after=service.snapshot(),
           summary=f"Ended {service.name} on {ends_on.isoformat()}, version {version.number}")
    return service


@transaction.atomic
def withdraw_service(actor, service: PlanService, reason: str) -> PlanService:
    """A service entered in error: it costs nothing, its commitments become zero; the row stays."""
    reason = " ".join((reason or "").split())
    if len(reason) < 10 or len(reason) > 300:
        raise FieldError("say why the service is withdrawn (10 to 300 characters)", field="reason")
    plan = _plan_locked(actor, service.plan.person)
    service = PlanService.objects.select_for_update().get(pk=service.pk)
    if service.withdrawn_at:
        raise Conflict("This service is already withdrawn", field="service")
    service.withdrawn_at, service.withdrawn_reason = timezone.now(), reason
    service.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    _restate_commitments(actor, plan)
    version = _new_version(actor, plan, f"Service withdrawn: {service.name}")
    record(actor, "packages.withdraw_service", service, after={"reason": reason},
           summary=f"Withdrew {service.name}: {reason} (version {version.number})")
    return service


def _first_service(actor, service: PlanService) -> None:
    """Tell the referral the service answers when its first service starts (the care app keeps the earliest)."""
    if service.referral_id is None:
        return
    from jointcare.care.services import record_first_service

    start = dt.datetime.combine(service.starts_on, dt.time(9, 0), tzinfo=timezone.get_current_timezone())
    record_first_service(service.referral, max(start, service.referral.received_at), actor)


# --- commitments -------------------------------------------------------------------------------------------


def _pool_month(scheme, month: dt.date, cache: dict):
    """(scheme, period) for the month: the scheme of the same code in the same agreement's pool for the month's
    financial year; None when no such pool exists; Conflict when the pool has no scheme of that code."""
    from jointcare.pool.domain import financial_year_of
    from jointcare.pool.models import Period, Scheme

    year = financial_year_of(month)
    key = (scheme.pool.agreement_id, scheme.code, year)
    if key not in cache:
        if year == scheme.pool.financial_year:
            target = scheme
        else:
            target = Scheme.objects.filter(pool__agreement_id=scheme.pool.agreement_id, pool__financial_year=year, code=scheme.code).select_related("pool").first()
            if target is None and Scheme.objects.filter(pool__agreement_id=scheme.pool.agreement_id, pool__financial_year=year).exists():
                raise Conflict(
                    f"the {year}-{(year + 1) % 100:02d} pool has no scheme {scheme.code} for the months of that year",
                    field="scheme",
                )
        periods = {p.number: p for p in Period.objects.filter(pool=target.pool)} if target else {}
        cache[key] = (target, periods)
    target, periods = cache[key]
    if target is None:
        return None
    from jointcare.pool.domain import period_number

    return target, periods[period_number(year, month)]


def _horizon(schemes) -> dt.date:
    """The last day of the latest pool year of the partnerships funding the plan (open services run to it)."""
    from jointcare.pool.models import Pool

    agreements = {s.pool.agreement_id for s in schemes}
    latest = Pool.objects.filter(agreement_id__in=agreements).aggregate(y=Max("financial_year"))["y"]
    return dt.date((latest or dt.date.today().year) + 1, 3, 31)


def planned_commitments(plan: CarePlan) -> dict[tuple[str, int, int], tuple[object, object, int]]:
    """(reference, scheme id, period id) -> (scheme, period, pooled pence) for every month of every active
    pooled service that falls in a pool year that exists."""
    services = list(
        plan.services.filter(withdrawn_at__isnull=True, pooled_bp__gt=0, scheme__isnull=False)
        .select_related("scheme__pool")
    )
    horizon = _horizon([s.scheme for s in services])
    cache: dict = {}
    out = {}
    for service in services:
        for mc in domain.costs(service.terms, horizon):
            found = _pool_month(service.scheme, mc.month, cache)
            if found is None:
                continue
            scheme, period = found
            out[(service.reference, scheme.pk, period.pk)] = (scheme, period, mc.pooled)
    return out


def _restate_commitments(actor, plan: CarePlan) -> int:
    """Make the pool's commitments from this plan equal its services' pooled costs, month by month: the one
    place plans write to the pool. Refuses (409) a change to a closed month's commitment. Returns writes made."""
    from jointcare.pool.models import Commitment, Period, Scheme
    from jointcare.pool.services import restate_commitments

    wanted = planned_commitments(plan)
    references = [s.reference for s in plan.services.all()]
    existing = {
        (c.reference, c.scheme_id, c.period_id): c.amount_pence
        for c in Commitment.objects.filter(source=SOURCE, reference__in=references)
    }
    amounts = {k: v[2] for k, v in wanted.items()}
    changes = domain.restatement(amounts, existing)
    if not changes:
        return 0
    schemes = {s.pk: s for s in Scheme.objects.filter(pk__in={k[1] for k in changes}).select_related("pool")}
    periods = {p.pk: p for p in Period.objects.filter(pk__in={k[2] for k in changes} | {k[2] for k in amounts})}
    closed = sorted(periods[k[2]].starts_on for k in changes if periods[k[2]].closed)
    if closed:
        raise Conflict(
            f"{closed[0]:%B %Y} is closed in the pool: this change would alter its commitment. Date the change "
            "from the first open month, or ask the pool's finance officer",
            field="starts_on",
        )
    # each service's plan on each scheme it touches is restated whole, in one call
    for reference, scheme_id in sorted({(k[0], k[1]) for k in changes}, key=lambda k: (k[1], k[0])):
        months = {
            periods[period_id].starts_on: amount
            for (ref, sid, period_id), amount in amounts.items()
            if ref == reference and sid == scheme_id
        }
        restate_commitments(actor, schemes[scheme_id], SOURCE, reference, months)
    return len(changes)


# --- approval ----------------------------------------------------------------------------------------------


@transaction.atomic
def approve_plan(actor, plan: CarePlan, version: int) -> PlanVersion:
    """Approve the version awaiting approval (the approver names the version seen, so a later change is not
    approved unseen)."""
    plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
    current = plan.versions.order_by("-number").first()
    if current is None or current.number != version:
        raise Conflict(f"the plan is now at version {plan.version}: look at it again before approving", field="version")
    try:
        domain.check_approval(plan.status, approver_id=getattr(actor, "pk", None), author_id=current.made_by_id)
    except PackageError as exc:
        raise Conflict(exc.message, field="version") from None
    PlanVersion.objects.filter(pk=current.pk).update(decided_by=_user(actor), decided_at=timezone.now(), status=PlanStatus.APPROVED.value)
    CarePlan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED.value)
    current.refresh_from_db()
    record(actor, "packages.approve", plan, after={"version": version},
           summary=f"Approved version {version} of the care plan ({format_pence(current.peak_weekly_pence)} a week)")
    return current


@transaction.atomic
def return_plan(actor, plan: CarePlan, version: int, reason: str) -> PlanVersion:
    reason = " ".join((reason or "").split())
    if len(reason) < 10 or len(reason) > 300:
        raise FieldError("say what should change (10 to 300 characters)", field="reason")
    plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
    current = plan.versions.order_by("-number").first()
    if current is None or current.number != version:
        raise Conflict(f"the plan is now at version {plan.version}: look at it again", field="version")
    try:
        domain.check_approval(plan.status, approver_id=getattr(actor, "pk", None), author_id=current.made_by_id)
    except PackageError as exc:
        raise Conflict(exc.message, field="version") from None
    PlanVersion.objects.filter(pk=current.pk).update(
        decided_by=_user(actor), decided_at=timezone.now(), status=PlanStatus.RETURNED.value, decision_reason=reason
    )
    CarePlan.objects.filter(pk=plan.pk).update(status=PlanStatus.RETURNED.value)
    current.refresh_from_db()
    record(actor, "packages.return", plan, after={"version": version, "reason": reason},
           summary=f"Returned version {version} of the care plan: {reason}")
    return current


# --- reablement ----------------------------------------------------------------------------------------------


def _episode_service(person, service: PlanService | None) -> PlanService | None:
    if service is None:
        return None
    if service.plan.person_id != person.pk:
        raise FieldError("the service is in another person's plan", field="service")
    if service.service_type != REABLEMENT:
        raise FieldError("a reablement episode's service is a short term ST-Max service", field="service")
    return service


@transaction.atomic
def start_episode(actor, person, *, starts_on: dt.date, discharged_on: dt.date | None = None, provider=None,
                  service: PlanService | None = None, client_contribution_pence: int = 0) -> ReablementEpisode:
    _live(person)
    if client_contribution_pence:
        raise FieldError("reablement is free to the person: it takes no client contribution", field="client_contribution_pence")
    try:
        domain.check_episode_dates(starts_on, None, extended_to=None, discharged_on=discharged_on)
    except PackageError as exc:
        raise _refuse(exc) from None
    service = _episode_service(person, service)
    if ReablementEpisode.objects.filter(person=person, ends_on__isnull=True).exists():
        raise Conflict("this person already has an open reablement episode: end it first", field="starts_on")
    episode = ReablementEpisode.objects.create(
        person=person, starts_on=starts_on, discharged_on=discharged_on, provider=provider, service=service,
        created_by=_user(actor), updated_by=_user(actor),
    )
    if discharged_on is not None:
        for kind in FollowUpKind:
            FollowUp.objects.create(episode=episode, kind=kind.value, due_on=domain.follow_up_due(discharged_on, kind))
    record(actor, "packages.start_reablement", episode, after={"starts_on": starts_on, "discharged_on": discharged_on},
           summary=f"Reablement from {starts_on.isoformat()} (to {episode.last_day.isoformat()} at most)")
    return episode


def _episode_locked(episode: ReablementEpisode) -> ReablementEpisode:
    return ReablementEpisode.objects.select_for_update().select_related("person").get(pk=episode.pk)


@transaction.atomic
def extend_episode(actor, episode: ReablementEpisode, extended_to: dt.date, reason: str) -> ReablementEpisode:
    episode = _episode_locked(episode)
    if episode.ends_on is not None:
        raise Conflict("this episode has ended", field="extended_to")
    reason = " ".join((reason or "").split())
    if len(reason) > 300:
        raise FieldError("a reason is at most 300 characters", field="reason")
    try:
        domain.check_extension(episode.starts_on, extended_to, reason)
    except PackageError as exc:
        raise _refuse(exc) from None
    before = episode.extended_to
    episode.extended_to, episode.extension_reason = extended_to, reason
    episode.updated_by, episode.updated_at = _user(actor), timezone.now()
    episode.save()
    record(actor, "packages.extend_reablement", episode, before={"extended_to": before},
           after={"extended_to": extended_to, "reason": reason}, summary=f"Reablement extended to {extended_to.isoformat()}: {reason}")
    return episode


@transaction.atomic
def end_episode(actor, episode: ReablementEpisode, ends_on: dt.date, outcome: str) -> ReablementEpisode:
    """End the episode with its CLD outcome; its ST-Max service (if linked and running on) ends the same day."""
    episode = _episode_locked(episode)
    if episode.ends_on is not None:
        raise Conflict("this episode has already ended", field="ends_on")
    if outcome not in EventOutcome.__members__.values():
        raise FieldError("choose the outcome of the episode (a CLD event outcome)", field="outcome")
    try:
        domain.check_episode_dates(episode.starts_on, ends_on, extended_to=episode.extended_to, discharged_on=episode.discharged_on)
    except PackageError as exc:
        raise _refuse(exc) from None
    episode.ends_on, episode.outcome = ends_on, outcome
    episode.updated_by, episode.updated_at = _user(actor), timezone.now()
    episode.save()
    note = ""
    if episode.service_id:
        service = PlanService.objects.select_for_update().get(pk=episode.service_id)
        if service.withdrawn_at is None and (service.ends_on is None or service.ends_on > ends_on) and ends_on >= service.starts_on:
            plan = _plan_locked(actor, episode.person)
            service.ends_on, service.end_reason = ends_on, "Reablement ended"
            service.save(update_fields=["ends_on", "end_reason"])
            _restate_commitments(actor, plan)
            _new_version(actor, plan, f"Service ended with reablement: {service.name}")
            note = f"; {service.name} ended the same day"
    record(actor, "packages.end_reablement", episode, after={"ends_on": ends_on, "outcome": outcome},
           summary=f"Reablement ended {ends_on.isoformat()}: {outcome}{note}")
    return episode


@transaction.atomic
def record_follow_up(actor, follow_up: FollowUp, *, seen_on: dt.date, whereabouts: str, today: dt.date | None = None) -> FollowUp:
    today = today or timezone.localdate()
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if whereabouts not in Whereabouts.__members__.values():
        raise FieldError("choose where the person is: " + ", ".join(w.value for w in Whereabouts), field="whereabouts")
    try:
        domain.check_follow_up(follow_up.due_on, seen_on, today)
    except PackageError as exc:
        raise _refuse(exc) from None
    before = {"seen_on": follow_up.seen_on, "whereabouts": follow_up.whereabouts}
    follow_up.seen_on, follow_up.whereabouts = seen_on, whereabouts
    follow_up.recorded_by, follow_up.recorded_at = _user(actor), timezone.now()
    follow_up.save()
    record(actor, "packages.follow_up", follow_up, before=before, after={"seen_on": seen_on, "whereabouts": whereabouts},
           summary=f"Follow-up {follow_up.kind_label}: {follow_up.whereabouts_label} on {seen_on.isoformat()}")
    return follow_up


# --- reads ------------------------------------------------------------------------------------------------------


def get_service(pk: int) -> PlanService:
    service = PlanService.objects.select_related("plan__person", "provider", "scheme__pool").filter(pk=pk).first()
    if service is None:
        raise NotFound(f"There is no service with id {pk}", field="service")
    return service


def get_episode(pk: int) -> ReablementEpisode:
    episode = ReablementEpisode.objects.select_related("person").filter(pk=pk).first()
    if episode is None:
        raise NotFound(f"There is no reablement episode with id {pk}", field="episode")
    return episode


def get_follow_up(pk: int) -> FollowUp:
    follow_up = FollowUp.objects.select_related("episode__person").filter(pk=pk).first()
    if follow_up is None:
        raise NotFound(f"There is no follow-up with id {pk}", field="follow_up")
    return follow_up


def plan_costs(plan: CarePlan, first: dt.date, last: dt.date) -> dict:
    """The plan's costs month by month from `first` to `last`: per service and in total, with each funder's part."""
    services = list(plan.services.filter(withdrawn_at__isnull=True).select_related("provider", "scheme"))
    months = list(domain.months_between(first, last))
    rows = []
    totals = {m: {"cost": 0, "pooled": 0, "nhs": 0, "council": 0, "client": 0} for m in months}
    for s in services:
        line = []
        for m in months:
            mc = domain.month_cost(s.terms, m)
            line.append(mc)
            for part in ("cost", "pooled", "nhs", "council", "client"):
                totals[m][part] += getattr(mc, part)
        rows.append({"service": s, "months": line})
    return {"months": months, "rows": rows, "totals": totals}
