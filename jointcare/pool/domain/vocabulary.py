"""The words of a pooled budget: service areas, account and transaction kinds, contribution terms, risk-share
methods."""

from __future__ import annotations

from enum import StrEnum


class ServiceArea(StrEnum):
    REABLEMENT = "reablement"
    HOME_CARE = "home_care"
    COMMUNITY_EQUIPMENT = "community_equipment"
    HOUSING_ADAPTATIONS = "housing_adaptations"
    COMMUNITY_MATRONS = "community_matrons"
    CARERS = "carers"
    INTERMEDIATE_CARE = "intermediate_care"
    OTHER = "other"


SERVICE_AREA_LABELS = {
    ServiceArea.REABLEMENT: "Reablement",
    ServiceArea.HOME_CARE: "Home care",
    ServiceArea.COMMUNITY_EQUIPMENT: "Community equipment",
    ServiceArea.HOUSING_ADAPTATIONS: "Housing adaptations (disabled facilities grant)",
    ServiceArea.COMMUNITY_MATRONS: "Community matrons",
    ServiceArea.CARERS: "Carers",
    ServiceArea.INTERMEDIATE_CARE: "Intermediate care",
    ServiceArea.OTHER: "Other",
}


class AccountKind(StrEnum):
    CASH = "cash"  # the pool's bank, held by the host partner
    CONTRIBUTION = "contribution"  # per partner: what it has paid in (credit balance)
    SPEND = "spend"  # per scheme: actual spend (debit balance)
    PARTNER_BALANCE = "partner_balance"  # per partner: settled amounts due from (+) or to (-) the partner
    VARIANCE = "variance"  # pool: the year-end outturn result being settled
    CARRIED_FORWARD = "carried_forward"  # pool: underspend carried into the next year
    UNCOVERED = "uncovered"  # pool: overspend no partner bears under the caps (met outside the pool)


class TransactionKind(StrEnum):
    CONTRIBUTION = "contribution"
    ACTUAL = "actual"
    SETTLEMENT = "settlement"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"


class ContributionType(StrEnum):
    POOLED = "pooled"
    ALIGNED = "aligned"


class ContributionForm(StrEnum):
    CASH = "cash"
    IN_KIND = "in_kind"


class Schedule(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    CUSTOM = "custom"


class Method(StrEnum):
    PRO_RATA = "pro_rata"  # pro rata to pooled contributions
    FIXED = "fixed"  # fixed percentages
    LEAD_COMMISSIONER = "lead_commissioner"  # the overspending schemes' lead commissioners bear it
    NONE = "none"  # no risk share: each partner bears the variance on the schemes it commissions


class Underspend(StrEnum):
    RETURN_PRO_RATA = "return_pro_rata"  # returned pro rata to pooled contributions
    RETURN_BY_SHARE = "return_by_share"  # returned in the same shares as an overspend
    CARRY_FORWARD = "carry_forward"  # kept in the pool for next year
