"""The board dashboard's charts: a measure over time and by council, as bar geometry. Pure: numbers in,
coordinates and labels out; the SVG is drawn by an autoescaped template (`outcomes/_chart.jinja`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 16, 48
TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    status: str  # rag status, for the bar's class


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    target_y: float | None
    target_label: str


def _nice_top(high: Decimal) -> Decimal:
    if high <= 0:
        return Decimal(1)
    step = Decimal(1)
    while step * 10 < high:
        step *= 10
    for mult in (1, 2, 5, 10):
        if step * mult >= high:
            return step * mult
    return step * 10


def bar_chart(points: list[tuple[str, Decimal | None, str]], target: Decimal | None = None) -> BarChart:
    """One bar per (label, value, status); values missing are drawn as no bar. The axis starts at zero."""
    values = [v for _, v, _ in points if v is not None] + ([target] if target is not None else [])
    top_value = _nice_top(max(values, default=Decimal(0)))
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(points), 1)
    bar_w = min(slot * 0.6, 60)

    def y_of(v: Decimal) -> float:
        return round(TOP + plot_h - float(v / top_value) * plot_h, 1)

    bars = []
    for i, (label, v, status) in enumerate(points):
        x = round(LEFT + slot * i + (slot - bar_w) / 2, 1)
        if v is None:
            bars.append(Bar(x, TOP + plot_h, round(bar_w, 1), 0, label, "no figure", "none"))
        else:
            y = y_of(v)
            bars.append(Bar(x, y, round(bar_w, 1), round(TOP + plot_h - y, 1), label, str(v), status))
    ticks = [Tick(y_of(top_value * i / TICKS), f"{(top_value * i / TICKS).normalize():f}") for i in range(TICKS + 1)]
    return BarChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, TOP + plot_h, bars, ticks,
                    y_of(target) if target is not None else None, "" if target is None else str(target))
