"""The figures every report shows, each computed by one function: budget phasing, the funders' split of a
scheme, the forecast outturn and the RAG rating.

Every split is largest remainder (`jointcare.money.split_largest_remainder`), so parts add back to their whole
to the penny, at every level: a scheme's months add up to its budget, the pool's months to the sum of the
schemes' months, a partner's months to its share of the year.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from enum import StrEnum
from fractions import Fraction

from jointcare.money import split_largest_remainder

# --------------------------------------------------------------------------------------------- phasing


def phase_budget(budget: int) -> list[int]:
    """A budget phased in 12 equal monthly parts (largest remainder, so they add to the penny)."""
    return split_largest_remainder(budget, [1] * 12)


def phase_budgets(budgets: Sequence[int]) -> list[list[int]]:
    """Phase several budgets at once (the schemes of a pool): each in 12 equal parts that add up to it, and the
    months of all of them together equal to `phase_budget(sum(budgets))`.

    Each budget's whole pence per month is `budget // 12`; its `budget % 12` spare pence go one each to
    consecutive months, carrying on from where the previous budget's spare pence stopped (wrapping from March
    to April). So the spare pence spread evenly over the year instead of piling up in April: a pool of
    £17,700,000.00 phases at £1,475,000.00 a month, not £1,475,000.02 in April."""
    result = []
    start = 0
    for budget in budgets:
        sign = -1 if budget < 0 else 1
        whole, spare = divmod(abs(budget), 12)
        months = [whole] * 12
        for k in range(spare):
            months[(start + k) % 12] += 1
        start = (start + spare) % 12
        result.append([sign * m for m in months])
    return result


# --------------------------------------------------------------------------------------------- funders


def funders_split(months: Sequence[int], funders: Sequence[tuple[Hashable, int | Fraction]]) -> dict:
    """The funders' split of a scheme's monthly figures (budget, commitments, actuals or forecast):
    partner -> 12 monthly amounts.

    Each funder's share of the year to date is the largest-remainder split of the scheme's year-to-date figure
    by the funders' shares; its month is the change in that. So a funder's months add up to its share of the
    scheme's year, exactly the split of the annual figure that statements and the year-end summary show, and
    in every month the funders' parts add up to the scheme's figure."""
    if not funders:
        raise ValueError("a scheme needs at least one funder (its lead commissioner when none is named)")
    weights = [w for _, w in funders]
    result = {partner: [0] * len(months) for partner, _ in funders}
    cumulative = 0
    previous = [0] * len(funders)
    for m, amount in enumerate(months):
        cumulative += amount
        parts = split_largest_remainder(cumulative, weights) if cumulative else [0] * len(funders)
        for (partner, _), part, before in zip(funders, parts, previous, strict=True):
            result[partner][m] += part - before
        previous = parts
    return result


# --------------------------------------------------------------------------------------------- forecast


def forecast_by_month(actuals: Sequence[int], commitments: Sequence[int], through: int) -> list[int]:
    """Forecast outturn by month (12 values, April first).

    Months 1..`through` (the reporting month) take their actuals. Each later month takes the larger of its
    commitments (spend already planned for it) and the run rate (the average monthly actuals to date, whole
    pence rounded down): commitments are a floor under the month's spend, not the whole of it, so a small
    commitment never replaces the run rate, and a large one (a new contract) raises the month above it. The
    forecast outturn for the year is the sum.
    """
    through = max(0, min(12, through))
    run_rate = sum(actuals[:through]) // through if through else 0
    return [actuals[m] if m < through else max(commitments[m], run_rate) for m in range(12)]


# --------------------------------------------------------------------------------------------- RAG

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
