"""Setting up a pool: contribution schedules and the whole-pool validation, one pure function run when a pool
is created and whenever it changes, returning every problem at its key path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from jointcare.money import MAX_AMOUNT_PENCE, MAX_BALANCE_PENCE, MoneyError, check_amount, format_pence, split_largest_remainder
from jointcare.pool.domain.periods import FIRST_YEAR, LAST_YEAR, financial_year_bounds, financial_year_label, period_months
from jointcare.pool.domain.settlement import Problem, RiskRule, SchemeResult, check_rule
from jointcare.pool.domain.vocabulary import ContributionType, Schedule

BASIS_POINTS = 10_000  # a funder's share of a scheme: 10,000 basis points = 100%


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


def instalment_due_date(year: int, number: int) -> dt.date:
    """An instalment is due on the first day of its month."""
    return period_months(year)[number - 1]


@dataclass(frozen=True)
class ContributionDraft:
    partner: Hashable
    amount: int
    type: str = ContributionType.POOLED
    schedule: str = Schedule.QUARTERLY
    custom: Sequence[tuple[int, int]] = ()


@dataclass(frozen=True)
class SchemeDraft:
    code: str
    lead: Hashable
    budget: int
    funders: Sequence[tuple[Hashable, int]] = ()  # (partner, basis points); none: the lead funds it all


@dataclass(frozen=True)
class PoolDraft:
    """A pool as its parts, with partners as opaque keys (organisation ids) and `names` for the key paths."""

    financial_year: int
    contributions: Sequence[ContributionDraft]
    schemes: Sequence[SchemeDraft]
    rule: RiskRule = field(default_factory=RiskRule)
    agreement_starts: dt.date | None = None
    agreement_ends: dt.date | None = None
    names: Mapping[Hashable, str] = field(default_factory=dict)

    def pooled(self) -> dict:
        """Pooled contributions per partner (0 for a partner with only aligned money)."""
        result: dict = {}
        for c in self.contributions:
            result.setdefault(c.partner, 0)
            if c.type == ContributionType.POOLED and _is_amount(c.amount):
                result[c.partner] += c.amount
        return result


def _is_amount(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _long(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def validate_pool(draft: PoolDraft) -> list[Problem]:
    """Every problem with a pool, each at its key path (empty: the pool is valid).

    - the financial year lies within the agreement's dates;
    - every amount is whole pence, not negative, at most MAX_AMOUNT_PENCE (and the totals within
      MAX_BALANCE_PENCE); custom instalments add up to their contribution;
    - scheme codes are unique; funders' shares add up to 100% and every funder is a contributing partner;
    - the pooled contributions equal the schemes' budgets plus the risk reserve, so the reserve is never more
      than what is paid in and every pound settled at year end was paid in;
    - the risk-share rule is complete, and every partner it names is a contributing partner (`check_rule`).
    """
    problems: list[Problem] = []
    names = draft.names

    def name(p) -> str:
        return str(names.get(p, p))

    def amount(value, path: str, *, positive: bool = False) -> bool:
        try:
            check_amount(value)
        except MoneyError as exc:
            problems.append(Problem(path, str(exc)))
            return False
        if value < 0 or (positive and value == 0):
            problems.append(Problem(path, "must be more than zero" if positive else "must not be negative"))
            return False
        return True

    if not _is_amount(draft.financial_year) or not FIRST_YEAR <= draft.financial_year <= LAST_YEAR:
        problems.append(Problem("pool.financial_year", f"'{draft.financial_year}' is not a financial year (write it as 2026-27)"))
        start = end = None
    else:
        start, end = financial_year_bounds(draft.financial_year)
    if start and end and (draft.agreement_starts and start < draft.agreement_starts) or (draft.agreement_ends and end > draft.agreement_ends):
        term = f"from {_long(draft.agreement_starts)}" if draft.agreement_starts else ""
        if draft.agreement_ends:
            term += f"{' ' if term else ''}to {_long(draft.agreement_ends)}"
        problems.append(
            Problem(
                "pool.financial_year",
                f"{financial_year_label(draft.financial_year)} ({_long(start)} to {_long(end)}) is not within the "
                f"agreement, which runs {term}",
            )
        )
    reserve_ok = amount(draft.rule.risk_reserve, "pool.risk_reserve")

    for i, c in enumerate(draft.contributions):
        if amount(c.amount, f"contributions[{i}].amount", positive=True) and c.schedule == Schedule.CUSTOM:
            months_ok = True
            for month, part in c.custom:
                if not 1 <= month <= 12:
                    problems.append(Problem(f"contributions[{i}].instalments.{month}", "the month must be 1 (April) to 12 (March)"))
                    months_ok = False
                elif not amount(part, f"contributions[{i}].instalments.{month}"):
                    months_ok = False
            if not c.custom:
                problems.append(
                    Problem(f"contributions[{i}].instalments", "a custom schedule needs instalments: {month number (1 = April): amount}")
                )
            elif months_ok and sum(p for _, p in c.custom) != c.amount:
                problems.append(
                    Problem(
                        f"contributions[{i}].instalments",
                        f"add up to {format_pence(sum(p for _, p in c.custom))}, not the amount {format_pence(c.amount)}",
                    )
                )
    pooled = draft.pooled()
    contributing = {p for p, total in pooled.items() if total > 0}
    if not contributing:
        problems.append(Problem("contributions", "at least one partner must pay pooled money into the pool", "totals"))
    who = ", ".join(sorted(name(p) for p in contributing)) or "none"

    codes: dict[str, int] = {}
    budgets_ok = True
    for i, s in enumerate(draft.schemes):
        if s.code in codes:
            problems.append(Problem(f"schemes[{i}].code", f"'{s.code}' is also the code of schemes[{codes[s.code]}]"))
        codes.setdefault(s.code, i)
        budgets_ok &= amount(s.budget, f"schemes[{i}].budget")
        if s.funders:
            total = sum(bp for _, bp in s.funders)
            if total != BASIS_POINTS:
                problems.append(Problem(f"schemes[{i}].funders", f"shares add up to {_percent(total)}, not 100%"))
            for partner, bp in s.funders:
                path = f"schemes[{i}].funders.{name(partner)}"
                if partner not in contributing:
                    problems.append(
                        Problem(
                            path,
                            f"{name(partner)} funds the scheme but pays nothing into the pool (contributing: {who})",
                            "not_contributing",
                        )
                    )
                elif not _is_amount(bp) or bp < 0:
                    problems.append(Problem(path, "a share must not be negative"))

    totals_ok = reserve_ok and budgets_ok and all(_is_amount(c.amount) for c in draft.contributions)
    if totals_ok:
        paid_in = sum(pooled.values())
        budgets = sum(s.budget for s in draft.schemes)
        if max(paid_in, budgets + draft.rule.risk_reserve) > MAX_BALANCE_PENCE:
            problems.append(
                Problem(
                    "contributions",
                    f"the pool is larger than the largest total allowed, {format_pence(MAX_BALANCE_PENCE)}",
                    "totals",
                )
            )
        elif draft.rule.risk_reserve > paid_in:
            problems.append(
                Problem(
                    "pool.risk_reserve",
                    f"the risk reserve {format_pence(draft.rule.risk_reserve)} is more than the pooled contributions "
                    f"{format_pence(paid_in)}: a reserve is part of what is paid in",
                    "totals",
                )
            )
        elif paid_in != budgets + draft.rule.risk_reserve:
            problems.append(
                Problem(
                    "contributions",
                    f"the pooled contributions add up to {format_pence(paid_in)}, but the schemes' budgets "
                    f"({format_pence(budgets)}) and the risk reserve ({format_pence(draft.rule.risk_reserve)}) come to "
                    f"{format_pence(budgets + draft.rule.risk_reserve)}",
                    "totals",
                )
            )

    for partner, cap in draft.rule.caps.items():
        if cap != "contribution" and _is_amount(cap) and abs(cap) > MAX_AMOUNT_PENCE:
            amount(cap, f"risk_share.caps.{name(partner)}")
    schemes = [SchemeResult(s.code, s.code, s.lead, 0, 0) for s in draft.schemes]
    problems += check_rule(draft.rule, pooled, schemes, names)
    return list(dict.fromkeys(problems))  # once each (the reserve's sign is checked by both)


def _percent(basis_points: int) -> str:
    value = Fraction(basis_points, 100)
    return f"{value.numerator}%" if value.denominator == 1 else f"{float(value):g}%"

