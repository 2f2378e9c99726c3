"""The monitoring chart's geometry: readable ticks, month labels with years, lines that follow the figures."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointcare.pool import chart
from jointcare.pool.domain import period_months

pytestmark = pytest.mark.domain

MONTHS = period_months(2026)
M = 100_000_000  # £1m in pence


def test_ticks_read_as_millions_for_a_pool_of_millions():
    budget = [147_500_000] * 12  # £17.7m a year
    c = chart.cumulative_chart(budget, [140_000_000] * 7 + [0] * 5, [140_000_000] * 12, 7, MONTHS)
    assert [t.label for t in c.ticks] == ["£0m", "£5m", "£10m", "£15m", "£20m"]
    ys = [t.y for t in c.ticks]
    assert ys == sorted(ys, reverse=True)  # £0m at the bottom


def test_ticks_for_smaller_amounts():
    assert chart.money_tick(250 * 100_000, chart.PENCE_PER_THOUSAND) == "£250k"
    assert chart.money_tick(25 * M // 10, chart.PENCE_PER_MILLION) == "£2.5m"
    assert chart.money_tick(4000, 1) == "£40"
    assert chart.money_tick(-5 * M, chart.PENCE_PER_MILLION) == "-£5m"


def test_month_labels_carry_their_years():
    c = chart.cumulative_chart([100] * 12, [0] * 12, [100] * 12, 0, MONTHS)
    assert [m.month for m in c.months] == ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    assert [(m.month, m.year) for m in c.months if m.year] == [("Apr", "2026"), ("Jan", "2027")]


def _points(text):
    return [tuple(float(v) for v in p.split(",")) for p in text.split()]


def test_lines_actuals_to_the_reporting_month_then_forecast():
    budget = [1000] * 12
    actuals = [900, 1100, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    forecast = [900, 1100, 1000] + [1000] * 9
    c = chart.cumulative_chart(budget, actuals, forecast, 3, MONTHS)
    assert len(_points(c.budget)) == 13  # the start of April, then each month end
    assert len(_points(c.actuals)) == 4 and len(c.actual_dots) == 3
    forecast_points = _points(c.forecast)
    assert forecast_points[0] == _points(c.actuals)[-1]  # the forecast carries on from the last actual
    assert len(forecast_points) == 10
    assert c.last_budget == 12000 and c.last_actuals == 3000 and c.last_forecast == 12000
    assert c.through_x == forecast_points[0][0]


def test_a_whole_year_of_actuals_has_no_forecast_line():
    c = chart.cumulative_chart([10] * 12, [10] * 12, [10] * 12, 12, MONTHS)
    assert c.forecast == "" and len(c.actual_dots) == 12


@given(
    st.lists(st.integers(0, 10**12), min_size=12, max_size=12),
    st.lists(st.integers(-(10**9), 10**12), min_size=12, max_size=12),
    st.integers(0, 12),
)
def test_every_point_lies_inside_the_plot(budget, actuals, through):
    forecast = actuals[:through] + budget[through:]
    c = chart.cumulative_chart(budget, actuals, forecast, through, MONTHS)
    top, bottom = min(t.y for t in c.ticks), max(t.y for t in c.ticks)
    assert 1 < len(c.ticks) <= chart.MAX_TICKS + 1
    for line in (c.budget, c.actuals, c.forecast):
        for x, y in _points(line) if line else []:
            assert c.left <= x <= c.right
            assert top - 0.11 <= y <= bottom + 0.11


def test_nice_steps():
    assert chart.nice_step(17_700_000_00) == 500_000_000
    assert chart.nice_step(0, -1251) == 500  # one step above zero, three below
    assert chart.nice_step(6) == 1
    assert chart.nice_step(1) == 1
    assert chart.nice_step(140) == 25


def test_dates_are_the_financial_year():
    assert MONTHS[0] == dt.date(2026, 4, 1) and MONTHS[-1] == dt.date(2027, 3, 1)
