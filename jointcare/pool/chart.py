"""The monitoring chart's geometry: cumulative budget, actuals and forecast through the year (decision 0064).

Pure: numbers in, coordinates and labels out. The SVG itself is drawn by an autoescaped template
(`pool/_chart.jinja`), so no markup is ever built as a string here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate

WIDTH, HEIGHT = 720, 330
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 52
MAX_TICKS = 6
PENCE_PER_MILLION = 100_000_000
PENCE_PER_THOUSAND = 100_000


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class MonthLabel:
    x: float
    month: str  # 'Apr'
    year: str  # '2026' under April and January (where the year begins or changes), else ''


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float  # x of the plot's right edge
    top: int
    bottom: float  # y of the zero line's lowest extent (the plot's base)
    ticks: list[Tick]
    months: list[MonthLabel]
    budget: str  # polyline points
    actuals: str
    actual_dots: list[tuple[float, float]]  # one marker at each month end with actuals
    forecast: str
    through: int
    through_x: float
    last_budget: int
    last_forecast: int
    last_actuals: int


def _nice_steps():
    """1, 2, 2.5 and 5 times each power of ten, in pence, smallest first."""
    exp = 0
    while True:
        for mult in (Fraction(1), Fraction(2), Fraction(5, 2), Fraction(5)):
            step = mult * 10**exp
            if step.denominator == 1:
                yield int(step)
        exp += 1


def nice_step(high: int, low: int = 0, max_ticks: int = MAX_TICKS) -> int:
    """The smallest nice step whose multiples reach from `low` (at most 0) up to `high` (at least 1) in at most
    `max_ticks` steps."""
    high, low = max(high, 1), min(low, 0)
    for step in _nice_steps():
        if _ceil_div(high, step) + _ceil_div(-low, step) <= max_ticks:
            return step
    raise AssertionError("unreachable")  # pragma: no cover


def money_tick(pence: int, unit: int) -> str:
    """£0m, £2.5m, £750k, £40: the tick value in the unit the axis uses."""
    sign = "-" if pence < 0 else ""
    value = Fraction(abs(pence), unit if unit > 1 else 100)
    suffix = {PENCE_PER_MILLION: "m", PENCE_PER_THOUSAND: "k"}.get(unit, "")
    text = str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}".rstrip("0").rstrip(".")
    return f"{sign}£{text}{suffix}"


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def axis_unit(top: int) -> int:
    if top >= PENCE_PER_MILLION:
        return PENCE_PER_MILLION
    if top >= PENCE_PER_THOUSAND:
        return PENCE_PER_THOUSAND
    return 1


def cumulative_chart(
    budget: list[int], actuals: list[int], forecast: list[int], through: int, months: list[dt.date]
) -> Chart:
    """Budget and forecast for all twelve months; actuals to the end of the reporting month `through`; the
    forecast line drawn from there on (before it, forecast and actuals are the same figures)."""
    through = max(0, min(12, through))
    cum_b = [0, *accumulate(budget)]
    cum_a = [0, *accumulate(actuals[:through])]
    cum_f = [0, *accumulate(forecast)]
    values = cum_b + cum_a + cum_f
    high, low = max(values), min(values)
    step = nice_step(high, low)
    top_value = step * _ceil_div(max(high, 1), step)
    low_value = -step * _ceil_div(-low, step) if low < 0 else 0
    span = top_value - low_value
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: float) -> float:
        return round(LEFT + plot_w * i / 12, 1)

    def y(v: int) -> float:
        return round(TOP + plot_h * (top_value - v) / span, 1)

    def points(cum: list[int], first: int = 0) -> str:
        return " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(cum) if i >= first)

    unit = axis_unit(max(abs(top_value), abs(low_value)))
    ticks = [Tick(y(v), money_tick(v, unit)) for v in range(low_value, top_value + 1, step)]
    labels = [
        MonthLabel(x(i + 0.5), m.strftime("%b"), str(m.year) if i == 0 or m.month == 1 else "")
        for i, m in enumerate(months)
    ]
    forecast_from = through
    forecast_line = [cum_a[through] if i == through else v for i, v in enumerate(cum_f)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=x(12),
        top=TOP,
        bottom=y(low_value),
        ticks=ticks,
        months=labels,
        budget=points(cum_b),
        actuals=points(cum_a) if through else "",
        actual_dots=[(x(i), y(v)) for i, v in enumerate(cum_a) if i],
        forecast=points(forecast_line, forecast_from) if through < 12 else "",
        through=through,
        through_x=x(through),
        last_budget=cum_b[-1],
        last_forecast=cum_f[-1],
        last_actuals=cum_a[-1],
    )
