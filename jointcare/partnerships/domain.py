"""Partnership agreements and their life, partner roles, board membership bases and meetings.

Pure: no Django import. Anything that depends on the date takes `today` as an argument.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from jointcare.dates import financial_year_label, long_date


class AgreementKind(StrEnum):
    DUTY_TO_COOPERATE = "duty_to_cooperate"
    SECTION_75_POOLED_FUND = "section_75_pooled_fund"
    LEAD_COMMISSIONING = "lead_commissioning"
    INTEGRATED_PROVISION = "integrated_provision"
    ALIGNED_BUDGETS = "aligned_budgets"
    VIRTUAL_TRUST = "virtual_trust"


AGREEMENT_KIND_LABELS = {
    AgreementKind.DUTY_TO_COOPERATE: "Duty to cooperate / partnership board",
    AgreementKind.SECTION_75_POOLED_FUND: "Section 75 pooled fund",
    AgreementKind.LEAD_COMMISSIONING: "Lead commissioning",
    AgreementKind.INTEGRATED_PROVISION: "Integrated provision",
    AgreementKind.ALIGNED_BUDGETS: "Aligned (not pooled) budgets",
    AgreementKind.VIRTUAL_TRUST: "Virtual trust",
}


# --- an agreement's life ---------------------------------------------------------------------------
#
# What is stored is the last explicit action (started, ended, terminated); what an agreement *is* on a day
# also depends on its dates: a started agreement whose end date has passed has ended. Actions are checked
# against the status on the day they are taken.


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ENDED = "ended"
    TERMINATED = "terminated"


STATUS_LABELS = {
    AgreementStatus.DRAFT: "Draft",
    AgreementStatus.ACTIVE: "Active",
    AgreementStatus.ENDED: "Ended",
    AgreementStatus.TERMINATED: "Terminated",
}

# The NHS.UK tag colour for each status.
STATUS_TAG_CLASSES = {
    AgreementStatus.DRAFT: "nhsuk-tag--blue",
    AgreementStatus.ACTIVE: "nhsuk-tag--green",
    AgreementStatus.ENDED: "nhsuk-tag--grey",
    AgreementStatus.TERMINATED: "nhsuk-tag--red",
}


class AgreementAction(StrEnum):
    START = "start"
    END = "end"
    TERMINATE = "terminate"


ACTION_LABELS = {
    AgreementAction.START: "Start the agreement",
    AgreementAction.END: "End the agreement",
    AgreementAction.TERMINATE: "Terminate the agreement",
}
_DONE = {AgreementAction.START: "started", AgreementAction.END: "ended", AgreementAction.TERMINATE: "terminated"}

# (status on the day, action) -> the status the action leads to. A pair not listed is refused.
# A draft that will not go ahead is terminated, with the reason; an agreement that has ended, by its date or
# by an action, is a record and changes no more.
AGREEMENT_ACTIONS = {
    (AgreementStatus.DRAFT, AgreementAction.START): AgreementStatus.ACTIVE,
    (AgreementStatus.DRAFT, AgreementAction.TERMINATE): AgreementStatus.TERMINATED,
    (AgreementStatus.ACTIVE, AgreementAction.END): AgreementStatus.ENDED,
    (AgreementStatus.ACTIVE, AgreementAction.TERMINATE): AgreementStatus.TERMINATED,
}

# Statuses in which an agreement is a closed record: no new parties, board, members or detail changes.
CLOSED = frozenset({AgreementStatus.ENDED, AgreementStatus.TERMINATED})


def status_on(stored: str, starts_on: dt.date, ends_on: dt.date | None, today: dt.date) -> AgreementStatus:
    """What the agreement is on `today`, from its last explicit action (`stored`) and its dates.

    A started agreement is active from its start date to its end date (both included) and ended after it;
    one whose start date lies ahead (a record started early, before starting was refused) counts as a draft.
    Drafts, ended and terminated agreements stay as they were left.
    """
    status = AgreementStatus(stored)
    if status == AgreementStatus.ACTIVE:
        if today < starts_on:
            return AgreementStatus.DRAFT
        if ends_on is not None and today > ends_on:
            return AgreementStatus.ENDED
    return status


def actions_open(status: str) -> list[AgreementAction]:
    """The actions the transition table offers from `status`, in the table's order."""
    return [action for (source, action) in AGREEMENT_ACTIONS if source == AgreementStatus(status)]


def action_error(
    action: str,
    status: str,
    *,
    starts_on: dt.date,
    ends_on: dt.date | None,
    today: dt.date,
    reason: str = "",
) -> tuple[str, str] | None:
    """Why `action` cannot be taken on an agreement that is `status` on `today`, as (field, message), or None.

    The field is `action` for an unknown action, `status` when the table refuses it, `starts_on` or
    `ends_on` when a date stands in the way, and `reason` when a termination gives none.
    """
    try:
        action = AgreementAction(action)
    except ValueError:
        return ("action", f"'{action}' is not an action. Actions are: {', '.join(a.value for a in AgreementAction)}")
    status = AgreementStatus(status)
    if (status, action) not in AGREEMENT_ACTIONS:
        open_ = actions_open(status)
        then = f"it can only be {' or '.join(_DONE[a] for a in open_)}" if open_ else "it cannot change any more"
        return ("status", f"An agreement that is {STATUS_LABELS[status].lower()} cannot be {_DONE[action]}: {then}")
    if action == AgreementAction.START:
        if today < starts_on:
            return (
                "starts_on",
                f"The agreement cannot start before its start date, {long_date(starts_on)}: "
                "start it on that day, or change the start date",
            )
        if ends_on is not None and ends_on < today:
            return ("ends_on", f"The agreement's end date, {long_date(ends_on)}, has passed: change the end date first")
    if action == AgreementAction.TERMINATE and not (reason or "").strip():
        return ("reason", "Enter the reason for terminating the agreement")
    return None



def date_change_error(
    stored: str, *, starts_on: dt.date, ends_on: dt.date | None, today: dt.date
) -> tuple[str, str] | None:
    """Whether new dates suit an agreement whose last action left it `stored`, as (field, message).

    The end date is never before the start date. A started agreement has begun, so its start date cannot
    move into the future; nor can its end date move into the past (that would end it without the
    confirmation an ending asks for); an end date of today or later extends one that ended by its date.
    """
    if ends_on is not None and ends_on < starts_on:
        return ("ends_on", "The end date must be on or after the start date")
    if AgreementStatus(stored) == AgreementStatus.ACTIVE:
        if starts_on > today:
            return ("starts_on", "The agreement has started: its start date cannot be later than today")
        if ends_on is not None and ends_on < today:
            return (
                "ends_on",
                "The agreement has started: its end date cannot be in the past. Give today or a later date, "
                "or end the agreement",
            )
    return None


# --- financial years: pools held within the agreement's dates ----------------------------------------


def financial_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the financial year that starts in April of `year`."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def covers_financial_year(starts_on: dt.date, last_day: dt.date | None, year: int) -> bool:
    """Whether an agreement running from `starts_on` to `last_day` (None: open-ended) covers the whole
    financial year starting in April of `year`, as a pool for that year needs."""
    first, last = financial_year_bounds(year)
    return starts_on <= first and (last_day is None or last_day >= last)


def uncovered_years_error(
    starts_on: dt.date, last_day: dt.date | None, years: list[int]
) -> tuple[str, str] | None:
    """Why dates from `starts_on` to `last_day` would leave a pool the agreement holds outside them."""
    outside = sorted(y for y in set(years) if not covers_financial_year(starts_on, last_day, y))
    if not outside:
        return None
    first, last = financial_year_bounds(outside[0])
    field = "starts_on" if starts_on > first else "ends_on"
    labels = " and ".join(financial_year_label(y) for y in outside)
    return (
        field,
        f"The agreement holds the {labels} pool{'s' if len(outside) > 1 else ''}: "
        f"its dates must cover {long_date(first)} to {long_date(financial_year_bounds(outside[-1])[1])}",
    )



class PartyRole(StrEnum):
    HOST = "host"
    LEAD_COMMISSIONER = "lead_commissioner"
    MEMBER = "member"


PARTY_ROLE_LABELS = {
    PartyRole.HOST: "Host partner",
    PartyRole.LEAD_COMMISSIONER: "Lead commissioner",
    PartyRole.MEMBER: "Member",
}


class MembershipBasis(StrEnum):
    ELECTED_COUNCILLOR = "elected_councillor"
    APPOINTED_BY_COUNCIL = "appointed_by_council"
    APPOINTED_BY_NHS = "appointed_by_nhs"
    APPOINTED_NATIONALLY = "appointed_nationally"
    CO_OPTED = "co_opted"


MEMBERSHIP_BASIS_LABELS = {
    MembershipBasis.ELECTED_COUNCILLOR: "Elected councillor",
    MembershipBasis.APPOINTED_BY_COUNCIL: "Appointed by the council",
    MembershipBasis.APPOINTED_BY_NHS: "Appointed by an NHS body",
    MembershipBasis.APPOINTED_NATIONALLY: "Appointed nationally",
    MembershipBasis.CO_OPTED: "Co-opted",
}


# Kinds of agreement that pool money and so need exactly one host partner to hold the pool.
HOSTED_KINDS = frozenset({AgreementKind.SECTION_75_POOLED_FUND})
# Kinds that need a lead commissioner before they can start.
LEAD_KINDS = frozenset({AgreementKind.LEAD_COMMISSIONING})
# Section 75 arrangements are between NHS bodies and councils.
NHS_AND_COUNCIL_KINDS = frozenset(
    {AgreementKind.SECTION_75_POOLED_FUND, AgreementKind.LEAD_COMMISSIONING, AgreementKind.INTEGRATED_PROVISION}
)

# Sectors an organisation must be in for a member to sit on that basis (None: any sector).
BASIS_SECTORS = {
    MembershipBasis.ELECTED_COUNCILLOR: {"council"},
    MembershipBasis.APPOINTED_BY_COUNCIL: {"council"},
    MembershipBasis.APPOINTED_BY_NHS: {"nhs"},
    MembershipBasis.APPOINTED_NATIONALLY: None,
    MembershipBasis.CO_OPTED: None,
}


def party_problems(kind: str, parties: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Problems with a set of parties, each (field, message). `parties` is a list of (role, sector).

    Checked whenever parties change: at most one host, exactly one host for a pooled fund, at most one
    lead commissioner.
    """
    problems = []
    hosts = sum(1 for role, _ in parties if role == PartyRole.HOST)
    leads = sum(1 for role, _ in parties if role == PartyRole.LEAD_COMMISSIONER)
    if AgreementKind(kind) in HOSTED_KINDS and hosts != 1:
        problems.append(
            ("role", f"A {AGREEMENT_KIND_LABELS[AgreementKind(kind)].lower()} needs exactly one host partner, not {hosts}")
        )
    elif hosts > 1:
        problems.append(("role", f"An agreement has at most one host partner, not {hosts}"))
    if leads > 1:
        problems.append(("role", f"An agreement has at most one lead commissioner, not {leads}"))
    return problems


def activation_problems(kind: str, parties: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What must be put right before an agreement can become active."""
    problems = list(party_problems(kind, parties))
    if len(parties) < 2:
        problems.append(("parties", f"An agreement needs at least two parties before it starts, not {len(parties)}"))
    kind = AgreementKind(kind)
    if kind in LEAD_KINDS and not any(role == PartyRole.LEAD_COMMISSIONER for role, _ in parties):
        problems.append(("parties", "A lead commissioning agreement needs a lead commissioner before it starts"))
    if kind in NHS_AND_COUNCIL_KINDS:
        sectors = {sector for _, sector in parties}
        if not {"nhs", "council"} <= sectors:
            problems.append(
                ("parties", f"A {AGREEMENT_KIND_LABELS[kind].lower()} is between NHS bodies and councils: add a party from each")
            )
    return problems


def membership_error(basis: str, sector: str, is_party: bool) -> tuple[str, str] | None:
    """Why a person from an organisation in `sector` cannot sit on the board on `basis`, as (field, message)."""
    basis = MembershipBasis(basis)
    allowed = BASIS_SECTORS[basis]
    if allowed is not None and sector not in allowed:
        return ("basis", f"A member {MEMBERSHIP_BASIS_LABELS[basis].lower()} must come from a {' or '.join(sorted(allowed))} organisation")
    if not is_party and basis != MembershipBasis.CO_OPTED:
        return (
            "organisation",
            "The member's organisation is not a party to the agreement: add it as a party first, or choose the basis 'Co-opted'",
        )
    return None


def vote_error(votes_for, votes_against, abstentions, voting_present: int | None, quorum: int) -> tuple[str, str] | None:
    """Whether a decision's recorded votes make sense for the meeting; None when they do.

    `voting_present` is the number of voting members recorded as attending, or None when attendance was not
    recorded (then only the counts themselves are checked).
    """
    for field, value in (("votes_for", votes_for), ("votes_against", votes_against), ("abstentions", abstentions)):
        if value is not None and value < 0:
            return (field, "Votes cannot be negative")
    if voting_present is not None:
        if voting_present < quorum:
            return ("meeting", f"The meeting was not quorate: {voting_present} voting members attended and the quorum is {quorum}")
        total = sum(v or 0 for v in (votes_for, votes_against, abstentions))
        if total > voting_present:
            return ("votes_for", f"{total} votes were recorded but only {voting_present} voting members attended")
    return None


# --- meetings ----------------------------------------------------------------------------------------


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"


MEETING_STATUS_LABELS = {MeetingStatus.SCHEDULED: "Scheduled", MeetingStatus.HELD: "Held"}


def meeting_status(held_on: dt.date, today: dt.date) -> MeetingStatus:
    """A meeting dated after today is scheduled; one dated today or before has been held."""
    return MeetingStatus.SCHEDULED if held_on > today else MeetingStatus.HELD


def attendance_error(held_on: dt.date, today: dt.date) -> tuple[str, str] | None:
    """Attendance is a record of who came: it can be given only for a meeting that has been held."""
    if meeting_status(held_on, today) == MeetingStatus.SCHEDULED:
        return (
            "attendees",
            f"The meeting on {long_date(held_on)} is scheduled: record who attended once it has been held",
        )
    return None


def decision_meeting_error(held_on: dt.date, today: dt.date) -> tuple[str, str] | None:
    """Decisions are taken at meetings that have been held, never at scheduled ones."""
    if meeting_status(held_on, today) == MeetingStatus.SCHEDULED:
        return (
            "meeting",
            f"The meeting on {long_date(held_on)} has not been held yet: record decisions once it has been held",
        )
    return None
