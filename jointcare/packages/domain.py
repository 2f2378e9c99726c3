"""Care plans, services and their funding, costs month by month, approval, versions, and reablement. Pure: no
Django import.

A service (CLD Service event) costs `units_per_week x unit_cost` a week. Its cost in a month is that weekly cost
pro-rated by the days of the month it runs (start and end both inclusive): `weekly x days / 7`, rounded to the
nearest penny (halves up), each month on its own (decision 0095). The month's cost is then split between the
funders: the client's weekly contribution first (pro-rated the same way, never more than the cost), the rest
between the pooled scheme, the NHS and the council by their shares, by the largest-remainder rule
(`jointcare.money.split_largest_remainder`), so the parts always add back to the month's cost.

Reablement (CLD `Short term support: ST-Max`) is free to the person, lasts 42 days at most unless extended with
a reason, ends with a CLD event outcome, and is followed up 91 days (legacy ASCOF 2B) and 12 weeks (ASCOF 2D)
after the hospital discharge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from jointcare.money import format_pence, split_largest_remainder


class PackageError(ValueError):
    """A rule of care plans refuses the change; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- CLD vocabulary for services (STANDARDS.md 1.5, Release 2 spellings) ----------------------------------


class ServiceType(StrEnum):
    NURSING = "Long term support: Nursing care"
    RESIDENTIAL = "Long term support: Residential care"
    COMMUNITY = "Long term support: Community"
    PRISON = "Long term support: Prison"
    ST_MAX = "Short term support: ST-Max"
    ONGOING_LOW_LEVEL = "Short term support: Ongoing low level"
    OTHER_SHORT_TERM = "Short term support: Other short term"
    CARER_DIRECT = "Unpaid carer support: Direct to unpaid carer"
    CARER_CARED_FOR = "Unpaid carer support: Support involving the person cared-for"


REABLEMENT = ServiceType.ST_MAX

# Service components the CLD lists name, and the everyday ones councils record under them.
SERVICE_COMPONENTS = (
    "Direct payment",
    "Home care or domiciliary care",
    "Day care",
    "Equipment",
    "Meals",
    "Short term residential care",
    "Short term nursing care",
    "Long term residential care",
    "Long term nursing care",
    "Professional support",
    "Reablement",
    "Supported living",
    "Shared lives",
    "Other",
)


class DeliveryMechanism(StrEnum):
    DIRECT_PAYMENT = "Direct payment"
    MANAGED_BUDGET = "CASSR Managed Personal Budget"
    COMMISSIONED = "CASSR Commissioned support"


class EventOutcome(StrEnum):
    """CLD `Event_Outcome` (Release 2): how an episode ended."""

    ADMITTED_TO_HOSPITAL = "Admitted to hospital"
    CONTINUATION = "Continuation of support or services"
    DECEASED = "NFA: Deceased"
    INFORMATION = "NFA: Information and advice or signposting"
    NO_SERVICES_OTHER = "NFA: No services offered for other reason"
    OTHER = "NFA: Other"
    REFERRAL_NHS = "NFA: Referral to NHS services or NHS funded social care"
    REFERRAL_LA = "NFA: Referral to other service within the local authority"
    MOVED_LA = "NFA: Responsibility moved to another local authority"
    SELF_FUNDED = "NFA: Self-funded client or under 12wk disregard"
    DECLINED = "NFA: Support declined"
    ENDED_AS_PLANNED = "NFA: Support ended as planned"
    ENDED_OTHER = "NFA: Support ended for other reason"
    PROGRESS_ASSESSMENT = "Progress to assessment, review or reassessment"
    PROGRESS_REABLEMENT = "Progress to reablement/ST-Max"
    PROGRESS_SERVICES = "Progress to support planning or services"


class Whereabouts(StrEnum):
    """Where the person is at a follow-up after reablement."""

    AT_HOME = "at_home"
    IN_HOSPITAL = "in_hospital"
    CARE_HOME = "care_home"
    DIED = "died"
    NOT_KNOWN = "not_known"


WHEREABOUTS_LABELS = {
    Whereabouts.AT_HOME: "At home",
    Whereabouts.IN_HOSPITAL: "In hospital",
    Whereabouts.CARE_HOME: "In a care home",
    Whereabouts.DIED: "Died",
    Whereabouts.NOT_KNOWN: "Not known",
}


class FundingSource(StrEnum):
    POOLED = "pooled"
    NHS = "nhs"
    COUNCIL = "council"
    CLIENT = "client"


FUNDING_LABELS = {
    FundingSource.POOLED: "Pooled budget",
    FundingSource.NHS: "NHS",
    FundingSource.COUNCIL: "Council",
    FundingSource.CLIENT: "Client contribution",
}

# --- costs ------------------------------------------------------------------------------------------------

MAX_UNITS_PER_WEEK = Decimal("168.00")  # hours in a week; a place in a home is 1 unit (one week)
MAX_UNIT_COST_PENCE = 10_000_000  # £100,000 a unit
WEEK = 7


def _fraction(value: Decimal | int | Fraction) -> Fraction:
    return Fraction(value) if not isinstance(value, Decimal) else Fraction(value)


def round_half_up(value: Fraction) -> int:
    """The nearest whole penny, halves up (values are never negative here)."""
    return int((value * 2 + 1) // 2)


def weekly_cost(units_per_week: Decimal | int, unit_cost_pence: int) -> int:
    """The cost of a full week, in pence (halves up)."""
    return round_half_up(_fraction(units_per_week) * unit_cost_pence)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return next_month(day) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The first day of every month from the month of `first` to the month of `last`, inclusive."""
    month = month_start(first)
    while month <= last:
        yield month
        month = next_month(month)


def days_in_month_within(month: dt.date, starts_on: dt.date, ends_on: dt.date | None) -> int:
    """Days of the month (given by any day in it) inside [starts_on, ends_on] (inclusive; None: open)."""
    first, last = month_start(month), month_end(month)
    lo = max(first, starts_on)
    hi = min(last, ends_on) if ends_on is not None else last
    return max(0, (hi - lo).days + 1)


@dataclass(frozen=True)
class Funding:
    """How a service is paid for: the client's weekly contribution first, the rest by shares in basis points
    (10000 = 100%) between the pooled scheme, the NHS only and the council only."""

    pooled_bp: int = 0
    nhs_bp: int = 0
    council_bp: int = 0
    client_weekly_pence: int = 0

    @property
    def shares(self) -> tuple[int, int, int]:
        return (self.pooled_bp, self.nhs_bp, self.council_bp)

    def describe(self) -> str:
        parts = []
        for source, bp in zip((FundingSource.POOLED, FundingSource.NHS, FundingSource.COUNCIL), self.shares, strict=True):
            if bp:
                parts.append(f"{FUNDING_LABELS[source]} {percent(bp)}")
        if self.client_weekly_pence:
            parts.append(f"client {format_pence(self.client_weekly_pence)} a week")
        return ", ".join(parts)


def percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


def check_funding(funding: Funding, *, service_type: str, weekly_pence: int) -> None:
    """Shares are whole basis points adding to 100%; the client's part is not negative, not more than the
    weekly cost, and nil for reablement (free to the person)."""
    for name, bp in (("pooled_percent", funding.pooled_bp), ("nhs_percent", funding.nhs_bp), ("council_percent", funding.council_bp)):
        if bp < 0 or bp > 10_000:
            raise PackageError("a share must be from 0% to 100%", field=name)
    if funding.client_weekly_pence < 0:
        raise PackageError("a client contribution cannot be negative", field="client_weekly_pence")
    if service_type == REABLEMENT and funding.client_weekly_pence:
        raise PackageError(
            "reablement (ST-Max) is free to the person: it takes no client contribution", field="client_weekly_pence"
        )
    if funding.client_weekly_pence > weekly_pence:
        raise PackageError(
            f"the client contribution ({format_pence(funding.client_weekly_pence)} a week) is more than the service "
            f"costs a week ({format_pence(weekly_pence)})",
            field="client_weekly_pence",
        )
    if sum(funding.shares) != 10_000:
        if funding.client_weekly_pence == weekly_pence and sum(funding.shares) == 0:
            return  # wholly paid by the person
        raise PackageError(
            f"the pooled, NHS and council shares add to {percent(sum(funding.shares))}: they must add to 100%",
            field="pooled_percent",
        )


@dataclass(frozen=True)
class ServiceTerms:
    """A service as the cost rules see it."""

    key: str
    service_type: str
    units_per_week: Decimal
    unit_cost_pence: int
    starts_on: dt.date
    ends_on: dt.date | None
    funding: Funding = field(default_factory=lambda: Funding(council_bp=10_000))

    @property
    def weekly_pence(self) -> int:
        return weekly_cost(self.units_per_week, self.unit_cost_pence)

    def active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def check_service(terms: ServiceTerms) -> None:
    if terms.service_type not in ServiceType.__members__.values():
        raise PackageError(f"'{terms.service_type}' is not a CLD service type", field="service_type")
    if terms.units_per_week <= 0 or terms.units_per_week > MAX_UNITS_PER_WEEK:
        raise PackageError(f"units a week must be more than 0 and at most {MAX_UNITS_PER_WEEK}", field="units_per_week")
    if terms.units_per_week != terms.units_per_week.quantize(Decimal("0.01")):
        raise PackageError("units a week take at most two decimal places", field="units_per_week")
    if terms.unit_cost_pence < 0 or terms.unit_cost_pence > MAX_UNIT_COST_PENCE:
        raise PackageError(
            f"a unit cost must be from £0.00 to {format_pence(MAX_UNIT_COST_PENCE)}", field="unit_cost_pence"
        )
    if terms.ends_on is not None and terms.ends_on < terms.starts_on:
        raise PackageError("the service cannot end before it starts", field="ends_on")
    check_funding(terms.funding, service_type=terms.service_type, weekly_pence=terms.weekly_pence)


@dataclass(frozen=True)
class MonthCost:
    month: dt.date  # first day
    days: int
    cost: int
    pooled: int
    nhs: int
    council: int
    client: int

    def __post_init__(self):
        assert self.pooled + self.nhs + self.council + self.client == self.cost


def month_cost(terms: ServiceTerms, month: dt.date) -> MonthCost:
    """The service's cost in the month and each funder's part, in pence; the parts add to the cost."""
    month = month_start(month)
    days = days_in_month_within(month, terms.starts_on, terms.ends_on)
    exact = _fraction(terms.units_per_week) * terms.unit_cost_pence * days / WEEK
    cost = round_half_up(exact)
    client = min(cost, round_half_up(Fraction(terms.funding.client_weekly_pence * days, WEEK)))
    rest = cost - client
    shares = terms.funding.shares
    if rest and sum(shares):
        pooled, nhs, council = split_largest_remainder(rest, list(shares))
    else:
        pooled, nhs, council = 0, 0, 0
        client = cost  # nothing left to share, or nobody else pays
    return MonthCost(month, days, cost, pooled, nhs, council, client)


def months_of(terms: ServiceTerms, horizon: dt.date) -> list[dt.date]:
    """The months the service runs in, up to `horizon` for a service with no end."""
    last = terms.ends_on if terms.ends_on is not None else horizon
    if last < terms.starts_on:
        return []
    return list(months_between(terms.starts_on, last))


def costs(terms: ServiceTerms, horizon: dt.date) -> list[MonthCost]:
    return [month_cost(terms, m) for m in months_of(terms, horizon)]


def pooled_by_month(services: Iterable[ServiceTerms], horizon: dt.date) -> dict[tuple[str, dt.date], int]:
    """(service key, month) -> the pooled part of its cost, for every month a service runs with a pooled share."""
    out: dict[tuple[str, dt.date], int] = {}
    for terms in services:
        if not terms.funding.pooled_bp:
            continue
        for mc in costs(terms, horizon):
            out[(terms.key, mc.month)] = mc.pooled
    return out


def restatement(
    wanted: Mapping[tuple[str, dt.date], int], existing: Mapping[tuple[str, dt.date], int]
) -> dict[tuple[str, dt.date], int]:
    """What to write so the commitments become `wanted`: every changed or new amount, and zero for every
    existing key no longer wanted (commitments are restated, never deleted)."""
    out = {key: amount for key, amount in wanted.items() if existing.get(key) != amount}
    for key, amount in existing.items():
        if key not in wanted and amount != 0:
            out[key] = 0
    return out


def peak_weekly_cost(services: Sequence[ServiceTerms]) -> int:
    """The largest weekly cost of the plan on any day: services running at once add up. Costs only change at a
    service's start, so the peak is on one of those days."""
    best = 0
    for day in {s.starts_on for s in services}:
        best = max(best, sum(s.weekly_pence for s in services if s.active_on(day)))
    return best


# --- approval -----------------------------------------------------------------------------------------------


class PlanStatus(StrEnum):
    DRAFT = "draft"  # no services yet
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"  # above the threshold, approved by a named approver
    IN_FORCE = "in_force"  # under the threshold: no approval needed
    RETURNED = "returned"  # the approver sent it back with a reason


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: "Draft",
    PlanStatus.AWAITING_APPROVAL: "Awaiting approval",
    PlanStatus.APPROVED: "Approved",
    PlanStatus.IN_FORCE: "In force",
    PlanStatus.RETURNED: "Returned for change",
}


def status_after_change(peak_weekly_pence: int, threshold_pence: int, has_services: bool) -> PlanStatus:
    """A change leaves the plan in force when its peak weekly cost is at or under the threshold, else awaiting
    approval (every change above it is approved again: the approver sees the version and its differences)."""
    if not has_services:
        return PlanStatus.DRAFT
    return PlanStatus.AWAITING_APPROVAL if peak_weekly_pence > threshold_pence else PlanStatus.IN_FORCE


def check_approval(status: str, *, approver_id, author_id) -> None:
    """Only a plan awaiting approval is approved (or returned), and not by the person who made the change. Who
    may approve at all (a role, reached through the partnership funding the plan) is the access policy's."""
    if status != PlanStatus.AWAITING_APPROVAL:
        raise PackageError(f"the plan is {PLAN_STATUS_LABELS[PlanStatus(status)].lower()}: nothing awaits approval")
    if approver_id is not None and approver_id == author_id:
        raise PackageError("the person who made the change cannot approve it: ask another approver")


# --- versions -------------------------------------------------------------------------------------------------


def differences(before: Mapping | None, after: Mapping) -> list[str]:
    """Lines saying what changed between two plan snapshots ({"goals": [...], "services": {key: {field: value}}})."""
    before = before or {"goals": [], "services": {}}
    lines: list[str] = []
    old_goals, new_goals = list(before.get("goals", [])), list(after.get("goals", []))
    for goal in new_goals:
        if goal not in old_goals:
            lines.append(f"Goal added: {goal}")
    for goal in old_goals:
        if goal not in new_goals:
            lines.append(f"Goal removed: {goal}")
    old, new = before.get("services", {}), after.get("services", {})
    for key, svc in new.items():
        name = svc.get("name") or key
        if key not in old:
            lines.append(f"Service added: {name}")
            continue
        for fld, value in svc.items():
            was = old[key].get(fld)
            if was != value:
                lines.append(f"{name}: {fld.replace('_', ' ')} changed from {_shown(was)} to {_shown(value)}")
    for key, svc in old.items():
        if key not in new:
            lines.append(f"Service removed: {svc.get('name') or key}")
    return lines


def _shown(value) -> str:
    return "nothing" if value in (None, "") else str(value)


# --- reablement -----------------------------------------------------------------------------------------------

REABLEMENT_DAYS = 42
FOLLOW_UP_91 = 91  # legacy ASCOF 2B: still at home 91 days after discharge
FOLLOW_UP_12_WEEKS = 84  # ASCOF 2D: remained in the community within 12 weeks of discharge
FOLLOW_UP_GRACE_DAYS = 14  # due from the day, overdue after this many days unrecorded


class FollowUpKind(StrEnum):
    DAY_91 = "day_91"
    WEEK_12 = "week_12"


FOLLOW_UP_LABELS = {FollowUpKind.DAY_91: "91 days after discharge", FollowUpKind.WEEK_12: "12 weeks after discharge"}
FOLLOW_UP_DAYS = {FollowUpKind.DAY_91: FOLLOW_UP_91, FollowUpKind.WEEK_12: FOLLOW_UP_12_WEEKS}


def planned_end(starts_on: dt.date, extended_to: dt.date | None = None) -> dt.date:
    """The last day of an episode: 42 days from the start (the start is day 1), or the extension."""
    return extended_to or starts_on + dt.timedelta(days=REABLEMENT_DAYS - 1)


def check_episode_dates(starts_on: dt.date, ends_on: dt.date | None, *, extended_to: dt.date | None, discharged_on: dt.date | None) -> None:
    if discharged_on is not None and discharged_on > starts_on:
        raise PackageError("the hospital discharge cannot be after reablement starts", field="discharged_on")
    if ends_on is not None:
        if ends_on < starts_on:
            raise PackageError("the episode cannot end before it starts", field="ends_on")
        if ends_on > planned_end(starts_on, extended_to):
            raise PackageError(
                f"reablement lasts {REABLEMENT_DAYS} days at most (to {planned_end(starts_on).isoformat()}) unless "
                "extended with a reason",
                field="ends_on",
            )


def check_extension(starts_on: dt.date, extended_to: dt.date, reason: str) -> None:
    if extended_to <= planned_end(starts_on):
        raise PackageError(
            f"an extension runs past day {REABLEMENT_DAYS} ({planned_end(starts_on).isoformat()})", field="extended_to"
        )
    if len(reason.strip()) < 10:
        raise PackageError("say why the episode is extended (at least 10 characters)", field="reason")


class FollowUpState(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    OVERDUE = "overdue"
    RECORDED = "recorded"


FOLLOW_UP_STATE_LABELS = {
    FollowUpState.SCHEDULED: "Scheduled",
    FollowUpState.DUE: "Due",
    FollowUpState.OVERDUE: "Overdue",
    FollowUpState.RECORDED: "Recorded",
}


def follow_up_due(discharged_on: dt.date, kind: FollowUpKind) -> dt.date:
    return discharged_on + dt.timedelta(days=FOLLOW_UP_DAYS[FollowUpKind(kind)])


def follow_up_state(due_on: dt.date, today: dt.date, recorded: bool) -> FollowUpState:
    """Scheduled before the day; due from the day for FOLLOW_UP_GRACE_DAYS; overdue after; recorded once done."""
    if recorded:
        return FollowUpState.RECORDED
    if today < due_on:
        return FollowUpState.SCHEDULED
    if today <= due_on + dt.timedelta(days=FOLLOW_UP_GRACE_DAYS):
        return FollowUpState.DUE
    return FollowUpState.OVERDUE


def check_follow_up(due_on: dt.date, seen_on: dt.date, today: dt.date) -> None:
    if seen_on > today:
        raise PackageError("a follow-up cannot be recorded for a day still to come", field="seen_on")
    if seen_on < due_on - dt.timedelta(days=FOLLOW_UP_GRACE_DAYS):
        raise PackageError(
            f"this follow-up is for {due_on.isoformat()}: record where the person is from "
            f"{(due_on - dt.timedelta(days=FOLLOW_UP_GRACE_DAYS)).isoformat()}",
            field="seen_on",
        )


def in_community(where: Whereabouts) -> bool:
    """ASCOF 2B/2D count the person as at home (or in the community) only when at home."""
    return Whereabouts(where) == Whereabouts.AT_HOME
