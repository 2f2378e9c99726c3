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
