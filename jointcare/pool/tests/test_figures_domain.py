"""One function for each figure: phasing, the funders' split (pure, no database)."""

from hypothesis import given
from hypothesis import strategies as st

import pytest

from jointcare.money import split_largest_remainder
from jointcare.pool import domain as d

pytestmark = pytest.mark.domain

budgets = st.lists(st.integers(0, 10**13), min_size=1, max_size=12)


def test_pool_months_phase_evenly_not_with_pennies_piled_in_april():
    """Finding 3: the monthly budget showed £1,475,000.02 for a pool of £17,700,000.00."""
    demo = [2_400_000, 4_800_000, 1_600_000, 2_100_000, 1_900_000, 800_000, 3_200_000, 900_000]
    phased = d.phase_budgets([b * 100 for b in demo])
    months = [sum(col) for col in zip(*phased, strict=True)]
    assert months == [1_475_000_00] * 12
    assert [sum(row) for row in phased] == [b * 100 for b in demo]


@given(budgets)
def test_phasing_adds_up_by_scheme_and_by_month(values):
    phased = d.phase_budgets(values)
    assert [sum(row) for row in phased] == values
    assert [sum(col) for col in zip(*phased, strict=True)] == d.phase_budget(sum(values))
    for row, budget in zip(phased, values, strict=True):
        assert all(budget // 12 <= m <= budget // 12 + 1 for m in row)


@given(
    st.lists(st.integers(-(10**9), 10**9), min_size=12, max_size=12),
    st.lists(st.integers(1, 10_000), min_size=1, max_size=4),
)
def test_funders_split_adds_up_by_month_and_by_year(months, weights):
    funders = [(f"p{i}", w) for i, w in enumerate(weights)]
    split = d.funders_split(months, funders)
    for m in range(12):
        assert sum(split[p][m] for p, _ in funders) == months[m]
    yearly = split_largest_remainder(sum(months), weights)
    assert [sum(split[p]) for p, _ in funders] == yearly


def test_funders_split_of_monthly_budget_equals_split_of_annual_budget():
    """Finding 3: a partner's budget was £9,790,000.04 on monitoring and £9,790,000.00 on the year-end summary,
    because monitoring split each month and the summary split the year."""
    months = d.phase_budget(1_600_000_00 + 7)
    split = d.funders_split(months, [("icb", 3333), ("council", 6667)])
    assert sum(split["icb"]) == split_largest_remainder(1_600_000_07, [3333, 6667])[0]


def test_funders_split_needs_a_funder():
    with pytest.raises(ValueError):
        d.funders_split([0] * 12, [])
