"""Pooled budgets: ledger invariants, financial-year periods, forecast, RAG and the year-end risk share.

Pure: no Django import. Money is signed integer pence; splits use `split_largest_remainder`.

Sign convention for postings: a positive amount is a debit, a negative amount a credit. Every transaction's
postings sum to zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from collections.abc import Iterable, Mapping, Sequence

from jointcare.money import format_pence, split_largest_remainder


class LedgerError(ValueError):
    """A transaction or posting breaks a ledger rule."""


class RuleError(ValueError):
    """A risk-share rule is not complete or not consistent."""


# --------------------------------------------------------------------------------------------- vocabulary


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


# --------------------------------------------------------------------------------------------- ledger


def check_transaction(amounts: Sequence[int]) -> None:
    """A transaction is two or more non-zero integer-pence postings that sum to zero."""
    if len(amounts) < 2:
        raise LedgerError("a transaction needs two or more postings")
    for i, amount in enumerate(amounts, start=1):
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise LedgerError(f"posting {i}: amount must be whole pence (an integer), not {amount!r}")
        if amount == 0:
            raise LedgerError(f"posting {i}: amount must not be zero")
    total = sum(amounts)
    if total != 0:
        raise LedgerError(f"postings do not balance: they sum to {format_pence(total)}, not £0.00")


def balances(postings: Iterable[tuple[object, int]]) -> dict[object, int]:
    """Balance per account from (account, amount) pairs: the sum of its postings."""
    result: dict[object, int] = {}
    for account, amount in postings:
        result[account] = result.get(account, 0) + amount
    return result


def reversal_amounts(amounts: Sequence[int]) -> list[int]:
    return [-a for a in amounts]


# --------------------------------------------------------------------------------------------- periods


def financial_year_of(day: dt.date) -> int:
    """The starting calendar year of the financial year (1 April to 31 March) containing `day`."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def parse_financial_year(text: str | int) -> int:
    """'2026-27', '2026/27' or 2026 -> 2026."""
    if isinstance(text, int):
        return text
    value = str(text).strip().replace("/", "-")
    try:
        if "-" in value:
            start, end = value.split("-", 1)
            year = int(start)
            if int(end) % 100 != (year + 1) % 100:
                raise ValueError
            return year
        return int(value)
    except ValueError:
        raise ValueError(f"'{text}' is not a financial year (write it as 2026-27)") from None


def financial_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def months_blocking_settlement(closed_numbers: Iterable[int]) -> list[int]:
    """Months (1 = April .. 11 = February) still open. The year-end risk share is posted into March, so every
    earlier month must be closed first: the outturn it shares must be final."""
    closed = set(closed_numbers)
    return [n for n in range(1, 12) if n not in closed]


def period_months(year: int) -> list[dt.date]:
    """First day of each of the 12 monthly periods of the financial year, April first."""
    return [dt.date(year + (m - 1 + 3) // 12, (m - 1 + 3) % 12 + 1, 1) for m in range(1, 13)]


def period_number(year: int, day: dt.date) -> int:
    """1 (April) .. 12 (March) for a date inside the financial year; ValueError outside it."""
    if financial_year_of(day) != year:
        raise ValueError(f"{day.isoformat()} is outside financial year {financial_year_label(year)}")
    return (day.month - 4) % 12 + 1


def check_period_open(closed: bool, label: str) -> None:
    if closed:
        raise LedgerError(f"period {label} is closed: nothing can be posted into it")


def instalments(total: int, schedule: str, custom: Sequence[tuple[int, int]] | None = None) -> dict[int, int]:
    """Contribution instalments by period number. Monthly: 12 equal parts; quarterly: periods 1, 4, 7, 10;
    custom: the given (period, amount) pairs, which must add up to the total."""
    schedule = Schedule(schedule)
    if schedule == Schedule.MONTHLY:
        return dict(zip(range(1, 13), split_largest_remainder(total, [1] * 12), strict=True))
    if schedule == Schedule.QUARTERLY:
        return dict(zip((1, 4, 7, 10), split_largest_remainder(total, [1] * 4), strict=True))
    result: dict[int, int] = {}
    for period, amount in custom or []:
        if not 1 <= period <= 12:
            raise ValueError(f"instalment period {period} is not 1 (April) to 12 (March)")
        result[period] = result.get(period, 0) + amount
    if sum(result.values()) != total:
        raise ValueError(
            f"custom instalments add up to {format_pence(sum(result.values()))}, not the contribution "
            f"{format_pence(total)}"
        )
    return result


# --------------------------------------------------------------------------------------------- monitoring

# RAG on the forecast variance as a share of the budget (positive variance = overspend).
AMBER_FROM = Fraction(0)  # any forecast overspend is at least amber
RED_FROM = Fraction(5, 100)  # an overspend of more than 5% of budget is red
UNDERSPEND_AMBER_FROM = Fraction(10, 100)  # an underspend of more than 10% is amber (slippage)


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


def rag_status(budget: int, forecast: int) -> Rag:
    variance = forecast - budget
    if budget <= 0:
        return Rag.RED if variance > 0 else Rag.GREEN
    ratio = Fraction(variance, budget)
    if ratio > RED_FROM:
        return Rag.RED
    if ratio > AMBER_FROM:
        return Rag.AMBER
    if -ratio > UNDERSPEND_AMBER_FROM:
        return Rag.AMBER
    return Rag.GREEN


def phase_budget(budget: int) -> list[int]:
    """A budget phased in 12 equal monthly parts (largest remainder, so they add to the penny)."""
    return split_largest_remainder(budget, [1] * 12)


def forecast_by_month(actuals: Sequence[int], commitments: Sequence[int], through: int) -> list[int]:
    """Forecast outturn by month (12 values, April first).

    Months 1..`through` (the reporting month) take their actuals. Each later month takes its commitments
    (planned spend) where there are any; otherwise the run rate: the average monthly actuals to date
    (floor division in pence). The forecast outturn for the year is the sum.
    """
    through = max(0, min(12, through))
    run_rate = sum(actuals[:through]) // through if through else 0
    result = []
    for m in range(12):
        if m < through:
            result.append(actuals[m])
        elif commitments[m]:
            result.append(commitments[m])
        else:
            result.append(run_rate)
    return result


# --------------------------------------------------------------------------------------------- risk share


class Method(StrEnum):
    PRO_RATA = "pro_rata"  # pro rata to pooled contributions
    FIXED = "fixed"  # fixed percentages
    LEAD_COMMISSIONER = "lead_commissioner"  # the overspending schemes' lead commissioners bear it
    NONE = "none"  # no risk share: each partner bears the variance on the schemes it commissions


class Underspend(StrEnum):
    RETURN_PRO_RATA = "return_pro_rata"  # returned pro rata to pooled contributions
    RETURN_BY_SHARE = "return_by_share"  # returned in the same shares as an overspend
    CARRY_FORWARD = "carry_forward"  # kept in the pool for next year


@dataclass(frozen=True)
class SchemeResult:
    key: str
    name: str
    lead: str
    budget: int
    outturn: int

    @property
    def variance(self) -> int:
        return self.outturn - self.budget


@dataclass(frozen=True)
class RiskRule:
    method: Method = Method.PRO_RATA
    shares: Mapping[str, Fraction] = field(default_factory=dict)  # for FIXED: partner -> share (sum 1)
    caps: Mapping[str, int | str] = field(default_factory=dict)  # partner -> pence or "contribution"
    excess_to: str | None = None  # partner bearing what the caps stop others bearing
    underspend: Underspend = Underspend.RETURN_PRO_RATA
    risk_reserve: int = 0

    def validate(self, partners: Sequence[str]) -> None:
        known = set(partners)
        if self.method == Method.FIXED:
            if not self.shares:
                raise RuleError("fixed shares: give a share for each partner")
            unknown = set(self.shares) - known
            if unknown:
                raise RuleError(f"fixed shares name partners not in the pool: {', '.join(sorted(unknown))}")
            if any(s < 0 for s in self.shares.values()):
                raise RuleError("fixed shares must not be negative")
            if sum(self.shares.values()) != 1:
                raise RuleError(
                    f"fixed shares must add up to 100%, not {float(sum(self.shares.values())) * 100:g}%"
                )
        for partner, cap in self.caps.items():
            if partner not in known:
                raise RuleError(f"cap for unknown partner {partner}")
            if cap != "contribution" and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 0):
                raise RuleError(f"cap for {partner} must be 'contribution' or a non-negative amount in pence")
        if self.excess_to is not None and self.excess_to not in known:
            raise RuleError(f"excess_to names {self.excess_to}, who is not a partner in the pool")
        if self.risk_reserve < 0:
            raise RuleError("the risk reserve must not be negative")


@dataclass
class Line:
    text: str
    amount: int | None = None
    partner: str | None = None

    def as_dict(self) -> dict:
        return {"text": self.text, "amount_pence": self.amount, "partner": self.partner}


@dataclass
class RiskShareResult:
    net_variance: int  # outturn minus budget across all schemes (+ overspend)
    reserve: int
    reserve_drawn: int
    shares: dict[str, int]  # partner -> + pays more, - receives back
    carried_forward: int
    uncovered: int  # overspend beyond every cap with no one named to take it
    lines: list[Line]

    @property
    def to_settle(self) -> int:
        """What the partners settle between them: the net variance less the risk reserve."""
        return self.net_variance - self.reserve

    def check(self) -> None:
        total = sum(self.shares.values()) + self.uncovered - self.carried_forward
        if total != self.to_settle:
            raise AssertionError(f"risk share does not add up: {total} != {self.to_settle}")

    def as_dict(self) -> dict:
        return {
            "net_variance_pence": self.net_variance,
            "risk_reserve_pence": self.reserve,
            "reserve_drawn_pence": self.reserve_drawn,
            "shares_pence": dict(self.shares),
            "carried_forward_pence": self.carried_forward,
            "uncovered_pence": self.uncovered,
            "lines": [line.as_dict() for line in self.lines],
        }


def _money(p: int) -> str:
    return format_pence(p)


def _split(total: int, partners: Sequence[str], weights: Mapping[str, Fraction | int]) -> dict[str, int]:
    parts = split_largest_remainder(total, [Fraction(weights.get(p, 0)) for p in partners])
    return dict(zip(partners, parts, strict=True))


def _weights_desc(weights: Mapping[str, Fraction | int], partners: Sequence[str]) -> str:
    total = sum(Fraction(weights.get(p, 0)) for p in partners)
    return ", ".join(f"{p} {float(Fraction(weights.get(p, 0)) / total) * 100:.2f}%" for p in partners)


def _apply_caps(
    shares: dict[str, int],
    partners: Sequence[str],
    weights: Mapping[str, Fraction | int],
    caps: Mapping[str, int],
    excess_to: str | None,
    lines: list[Line],
) -> int:
    """Limit each partner's overspend share to its cap. The excess goes to `excess_to` when named; otherwise it
    is re-shared by the same weights among partners below their caps, repeatedly. Returns what nobody can take.
    """
    excess = 0
    for p in partners:
        cap = caps.get(p)
        if cap is not None and shares[p] > cap:
            over = shares[p] - cap
            lines.append(
                Line(f"{p}'s share is capped at {_money(cap)}; {_money(over)} above the cap", -over, p)
            )
            shares[p] = cap
            excess += over
    if not excess:
        return 0
    if excess_to is not None:
        shares[excess_to] += excess
        lines.append(Line(f"The excess over caps, {_money(excess)}, falls to {excess_to}", excess, excess_to))
        return 0
    while excess:
        open_ = [p for p in partners if weights.get(p, 0) and (caps.get(p) is None or shares[p] < caps[p])]
        if not open_:
            lines.append(
                Line(f"{_money(excess)} is beyond every partner's cap: met from outside the pool", excess)
            )
            return excess
        parts = _split(excess, open_, weights)
        excess = 0
        for p in open_:
            room = None if caps.get(p) is None else caps[p] - shares[p]
            take = parts[p] if room is None else min(parts[p], room)
            shares[p] += take
            excess += parts[p] - take
            if take:
                lines.append(Line(f"{p} takes {_money(take)} of the excess over caps", take, p))
    return 0


def risk_share(
    schemes: Sequence[SchemeResult],
    contributions: Mapping[str, int],
    rule: RiskRule,
) -> RiskShareResult:
    """Share the year's net variance between partners, explained line by line.

    1. Net over- and underspends across schemes.
    2. An overspend draws on the risk reserve first (method NONE does not: each partner bears its own).
    3. What remains is shared by the rule; each partner's overspend share is capped, with the excess to the
       named partner. An underspend (including any unused reserve) is returned or carried forward.
    """
    partners = list(contributions)
    if not partners:
        raise RuleError("a pool needs at least one partner")
    rule.validate(partners)
    for s in schemes:
        if s.lead not in contributions:
            raise RuleError(f"scheme {s.name}: lead commissioner {s.lead} is not a partner in the pool")
    lines: list[Line] = []
    for s in schemes:
        word = "overspend" if s.variance > 0 else "underspend" if s.variance < 0 else "on budget"
        lines.append(
            Line(
                f"{s.name}: budget {_money(s.budget)}, outturn {_money(s.outturn)}, {word} {_money(abs(s.variance))}",
                s.variance,
            )
        )
    net = sum(s.variance for s in schemes)
    lines.append(
        Line(f"Net variance across schemes: {_money(net)} ({'overspend' if net > 0 else 'underspend'})", net)
    )
    reserve = rule.risk_reserve
    shares = {p: 0 for p in partners}
    contrib_weights = {p: contributions[p] for p in partners}
    if sum(contrib_weights.values()) == 0:
        contrib_weights = {p: 1 for p in partners}
    caps = {p: (contributions[p] if c == "contribution" else int(c)) for p, c in rule.caps.items()}
    carried = 0
    uncovered = 0
    drawn = 0

    def share_weights() -> dict[str, Fraction | int]:
        if rule.method == Method.FIXED:
            return {p: Fraction(rule.shares.get(p, 0)) for p in partners}
        return contrib_weights

    def settle_underspend(amount: int, what: str) -> None:
        nonlocal carried
        if amount <= 0:
            return
        if rule.underspend == Underspend.CARRY_FORWARD:
            carried += amount
            lines.append(Line(f"{what} {_money(amount)} is carried forward in the pool", -amount))
            return
        weights = contrib_weights if rule.underspend == Underspend.RETURN_PRO_RATA else share_weights()
        basis = (
            "pro rata to contributions"
            if rule.underspend == Underspend.RETURN_PRO_RATA
            else "by the agreed shares"
        )
        lines.append(
            Line(f"{what} {_money(amount)} is returned {basis} ({_weights_desc(weights, partners)})", -amount)
        )
        for p, part in _split(amount, partners, weights).items():
            shares[p] -= part
            lines.append(Line(f"{p} receives {_money(part)}", -part, p))

    if rule.method == Method.NONE:
        lines.append(Line("No risk share: each partner bears the variance on the schemes it commissions"))
        own = {p: 0 for p in partners}
        for s in schemes:
            own[s.lead] += s.variance
        for p in partners:
            if own[p] > 0:
                shares[p] += own[p]
                lines.append(Line(f"{p} bears the net overspend on its schemes, {_money(own[p])}", own[p], p))
        # No re-sharing between partners: what a cap stops goes to the named partner or outside the pool.
        uncovered = _apply_caps(shares, partners, {}, caps, rule.excess_to, lines)
        for p in partners:
            if own[p] < 0:
                if rule.underspend == Underspend.CARRY_FORWARD:
                    carried += -own[p]
                    lines.append(
                        Line(f"{p}'s net underspend {_money(-own[p])} is carried forward", own[p], p)
                    )
                else:
                    shares[p] += own[p]
                    lines.append(
                        Line(
                            f"{p} is returned the net underspend on its schemes, {_money(-own[p])}", own[p], p
                        )
                    )
        settle_underspend(reserve, "The risk reserve, not drawn under no risk share,")
    elif net > 0:
        drawn = min(reserve, net)
        if reserve:
            lines.append(Line(f"Draw {_money(drawn)} from the risk reserve of {_money(reserve)}", -drawn))
        remaining = net - drawn
        if remaining:
            if rule.method == Method.LEAD_COMMISSIONER:
                weights: dict[str, Fraction | int] = {p: 0 for p in partners}
                for s in schemes:
                    if s.variance > 0:
                        weights[s.lead] += s.variance
                lines.append(
                    Line(
                        f"Share {_money(remaining)} between the lead commissioners of the overspending schemes, "
                        f"in proportion to those overspends ({_weights_desc(weights, partners)})",
                        remaining,
                    )
                )
            else:
                weights = share_weights()
                basis = "pro rata to contributions" if rule.method == Method.PRO_RATA else "by fixed shares"
                lines.append(
                    Line(f"Share {_money(remaining)} {basis} ({_weights_desc(weights, partners)})", remaining)
                )
            for p, part in _split(remaining, partners, weights).items():
                shares[p] += part
                lines.append(Line(f"{p} bears {_money(part)}", part, p))
            uncovered = _apply_caps(shares, partners, weights, caps, rule.excess_to, lines)
        settle_underspend(reserve - drawn, "The unused risk reserve")
    else:
        if reserve:
            lines.append(Line("The risk reserve is not needed"))
        settle_underspend(-net, "The net underspend")
        settle_underspend(reserve, "The unused risk reserve")
    result = RiskShareResult(net, reserve, drawn, shares, carried, uncovered, lines)
    for p in partners:
        if shares[p]:
            word = "pays" if shares[p] > 0 else "receives"
            lines.append(Line(f"Result: {p} {word} {_money(abs(shares[p]))}", shares[p], p))
    result.check()
    return result


def settlement_postings(result: RiskShareResult) -> list[tuple[str, str | None, int]]:
    """Ledger postings for a settlement as (account kind, partner or None, amount), balanced by the variance
    account. Partner balances: + the partner owes the pool, - the pool owes the partner."""
    postings: list[tuple[str, str | None, int]] = []
    for partner, amount in result.shares.items():
        if amount:
            postings.append((AccountKind.PARTNER_BALANCE, partner, amount))
    if result.carried_forward:
        postings.append((AccountKind.CARRIED_FORWARD, None, -result.carried_forward))
    if result.uncovered:
        postings.append((AccountKind.UNCOVERED, None, result.uncovered))
    total = sum(a for _, _, a in postings)
    if total:
        postings.append((AccountKind.VARIANCE, None, -total))
    return postings
