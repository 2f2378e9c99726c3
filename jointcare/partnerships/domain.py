"""Partnership agreements, partner roles and board membership bases. Pure: no Django import."""

from __future__ import annotations

from enum import StrEnum


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


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ENDED = "ended"


# status -> statuses it may move to
AGREEMENT_TRANSITIONS = {
    AgreementStatus.DRAFT: {AgreementStatus.ACTIVE, AgreementStatus.ENDED},
    AgreementStatus.ACTIVE: {AgreementStatus.ENDED},
    AgreementStatus.ENDED: set(),
}


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


def can_transition(current: str, new: str) -> bool:
    return AgreementStatus(new) in AGREEMENT_TRANSITIONS[AgreementStatus(current)]


STATUS_LABELS = {
    AgreementStatus.DRAFT: "Draft",
    AgreementStatus.ACTIVE: "Active",
    AgreementStatus.ENDED: "Ended",
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


def transition_error(current: str, new: str) -> str | None:
    """Why an agreement cannot move from `current` to `new`, or None."""
    try:
        target = AgreementStatus(new)
    except ValueError:
        return f"'{new}' is not a status. Statuses are: {', '.join(s.value for s in AgreementStatus)}"
    if target == AgreementStatus(current):
        return f"The agreement is already {STATUS_LABELS[target].lower()}"
    if not can_transition(current, target):
        allowed = sorted(s.value for s in AGREEMENT_TRANSITIONS[AgreementStatus(current)])
        then = f"it can only become {' or '.join(allowed)}" if allowed else "it cannot change any more"
        return f"An agreement that is {STATUS_LABELS[AgreementStatus(current)].lower()} cannot become {target.value}: {then}"
    return None


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
