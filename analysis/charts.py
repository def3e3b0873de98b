"""Chart geometry for the report: plain numbers the template draws as inline SVG.

Inline SVG keeps the report one self-contained file that renders the same in a browser
and in the PDF, with no script and nothing fetched. Every chart here comes with its axes:
round tick values from zero (``ticks``), a sensible number of date ticks (``date_ticks``),
and labels formatted for the report's language (``number``, ``day_label``), which the
template asks for with the language it is written in (``tick.label(lang)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa

PALETTE = ("#3a6ea5", "#d1762b", "#4f9a5a", "#a8476b", "#7a62b3", "#8c8c3a", "#3f9ba5", "#b35a3d")
OTHER = "#9a9a9a"  # communities beyond the palette
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The plot area of the time charts (columns, lines) inside a 760 × 210 viewBox: tick labels
# to the left, the axis title above them, date labels below.
WIDTH, HEIGHT = 760, 210
LEFT, RIGHT, TOP, BOTTOM = 52, 748, 26, 186


def ticks(top: float, most: int = 4) -> list[int]:
    """Round tick values from 0 to at least ``top``: 3 to ``most`` + 1 of them, steps 1, 2, 2.5 or 5 × 10ⁿ.

    Of the steps that need 2 to ``most`` intervals, the one whose last tick is closest above
    ``top`` wins (a tie goes to 1, 2 or 5 × 10ⁿ, then to more gridlines). Counts are whole, so a
    step is never below 1: an empty or all-zero series gets 0, 1, 2.
    """
    top = max(top, 0)
    best: tuple[tuple, int, int] | None = None
    for power in range(16):
        for m in (1, 2, 5, 25):
            step = m * 10**power
            n = max(2, math.ceil(top / step))
            if n > most:
                continue
            key = (n * step, m == 25, -n)
            if best is None or key < best[0]:
                best = (key, step, n)
    assert best is not None
    _, step, n = best
    return [k * step for k in range(n + 1)]


def number(value: float, lang: str) -> str:
    """A count as the report's language writes it: 13,345 in English, 13 345 in Finnish."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "fi" else text


def day_label(day: date, lang: str, year: bool = False) -> str:
    """1.9. in Finnish, Sep 1 in English; with the year where a chart needs it (1.9.2026, Sep 1, 2026)."""
    if lang == "fi":
        return f"{day.day}.{day.month}.{day.year if year else ''}"
    return f"{MONTHS_EN[day.month - 1]} {day.day}{f', {day.year}' if year else ''}"


def date_ticks(first: date, last: date, most: int = 8) -> list[date]:
    """At most ``most`` days to label between ``first`` and ``last``: every day, every 2nd, weekly,
    fortnightly from the first day, or (over about three months) month starts, every 1, 2, 3, 6 or 12 months."""
    span = (last - first).days
    for step in (1, 2, 7, 14):
        if span // step + 1 <= most:
            return [first + timedelta(days=k * step) for k in range(span // step + 1)]
    starts = []
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            starts.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    for every in (1, 2, 3, 6, 12, 24, 60, 120):
        chosen = [d for d in starts if (d.year * 12 + d.month - 1) % every == 0]
        if len(chosen) <= most:
            return chosen or [first]
    return [first]


@dataclass(frozen=True)
class Tick:
    """A value-axis tick: its position along the axis (y for columns and lines, x for rows) and value."""

    at: float
    value: int

    def label(self, lang: str) -> str:
        return number(self.value, lang)


@dataclass(frozen=True)
class DayTick:
    x: float
    day: date
    year: bool  # write the year: the chart spans more than one, and this is its first tick or a new year's
    anchor: str  # SVG text-anchor, so the first and last labels stay inside the picture

    def label(self, lang: str) -> str:
        return day_label(self.day, lang, self.year)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int

    def value_label(self, lang: str) -> str:
        return number(self.value, lang)


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    points: str  # an SVG polyline's "x,y x,y …"
    total: int

    def total_label(self, lang: str) -> str:
        return number(self.total, lang)


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    r: float
    colour: str
    label: str | None
    community: int = 0

    @property
    def other(self) -> bool:
        """Its community is beyond the palette, drawn grey with the other small ones."""
        return self.colour == OTHER


@dataclass(frozen=True)
class TimeChart:
    """Columns or lines over days, with a value axis (``y_ticks``) and a date axis (``x_ticks``)."""

    first: date | None
    last: date | None
    y_ticks: list[Tick]
    x_ticks: list[DayTick]
    bars: list[Bar]
    series: list[Line]
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM

    def __bool__(self) -> bool:
        return bool(self.bars or self.series)


@dataclass(frozen=True)
class RowChart:
    """Horizontal bars with their values at the ends and a value axis (``x_ticks``) below them."""

    bars: list[Bar]
    x_ticks: list[Tick]
    height: float  # of the bars; the axis labels sit below

    def __bool__(self) -> bool:
        return bool(self.bars)


def _y(value: float, top: float) -> float:
    return BOTTOM - value / top * (BOTTOM - TOP)


def _value_axis(top_value: float) -> tuple[list[Tick], int]:
    values = ticks(top_value)
    return [Tick(_y(v, values[-1]), v) for v in values], values[-1]


def _day_axis(first: date, last: date, x_of) -> list[DayTick]:
    days = date_ticks(first, last)
    years = first.year != last.year
    drawn = []
    for i, d in enumerate(days):
        x = x_of((d - first).days)
        anchor = "start" if x - LEFT < 30 else "end" if RIGHT - x < 30 else "middle"
        drawn.append(DayTick(x, d, years and (i == 0 or d.year != days[i - 1].year), anchor))
    return drawn


def columns(days: list[date], values: list[int]) -> TimeChart:
    """A vertical bar per day, placed by date (a day without a row stays empty), over a value axis from 0."""
    if not values:
        return TimeChart(None, None, [], [], [], [])
    first, last = min(days), max(days)
    step = (RIGHT - LEFT) / ((last - first).days + 1)
    width = min(max(step - 1, 1), 48)  # one or a few days: bars, not slabs
    y_ticks, top = _value_axis(max(values))
    bars = [
        Bar(LEFT + (d - first).days * step + (step - width) / 2, _y(v, top), width, BOTTOM - _y(v, top), d.isoformat(), v)
        for d, v in zip(days, values)
    ]
    return TimeChart(first, last, y_ticks, _day_axis(first, last, lambda k: LEFT + (k + 0.5) * step), bars, [])


def lines(days: list[date], series: dict[str, list[int]]) -> TimeChart:
    """One polyline per series over the days from the first to the last; a day without a row counts 0."""
    if not days:
        return TimeChart(None, None, [], [], [], [])
    first, last = min(days), max(days)
    span = (last - first).days
    step = (RIGHT - LEFT) / span if span else 0
    x_of = (lambda k: LEFT + k * step) if span else (lambda k: (LEFT + RIGHT) / 2)
    dense = {}
    for name, values in series.items():
        per_day = [0] * (span + 1)
        for d, v in zip(days, values):
            per_day[(d - first).days] += v
        dense[name] = per_day
    y_ticks, top = _value_axis(max((v for values in dense.values() for v in values), default=0))
    def points(values: list[int]) -> str:
        if not span:  # one day: a short level stroke, which a polyline of one point would not draw
            return f"{x_of(0) - 8:.1f},{_y(values[0], top):.1f} {x_of(0) + 8:.1f},{_y(values[0], top):.1f}"
        return " ".join(f"{x_of(k):.1f},{_y(v, top):.1f}" for k, v in enumerate(values))

    drawn = [Line(name, PALETTE[i % len(PALETTE)], points(values), sum(values)) for i, (name, values) in enumerate(dense.items())]
    return TimeChart(first, last, y_ticks, _day_axis(first, last, x_of), [], drawn)


def rows(labels: list[str], values: list[int], left: int = 160, width: int = 540, row: int = 22) -> RowChart:
    """A horizontal bar per label, longest first as given, from ``left`` over ``width`` pixels for the axis's range."""
    if not values:
        return RowChart([], [], 0)
    axis = ticks(max(values))
    top = axis[-1]
    bars = [Bar(left, i * row, max(v / top * width, 1), row - 6, label, v) for i, (label, v) in enumerate(zip(labels, values))]
    return RowChart(bars, [Tick(left + v / top * width, v) for v in axis], len(bars) * row)


def by_day(table: pa.Table, key: str, value: str) -> tuple[list[date], dict[str, list[int]]]:
    """Pivot a long (day, key, value) table into one dense series per key, the largest total first."""
    data = table.to_pydict()
    days = sorted(set(data["day"]))
    position = {d: i for i, d in enumerate(days)}
    series: dict[str, list[int]] = {}
    for d, k, v in zip(data["day"], data[key], data[value]):
        series.setdefault(k, [0] * len(days))[position[d]] = v
    return days, dict(sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0])))


def network(nodes: pa.Table, links: pa.Table, size: int = 560, margin: int = 20) -> tuple[list[Node], list[tuple]]:
    """Node circles (coloured by community, grey beyond the palette) and link segments in a square of ``size`` pixels."""
    span = size - 2 * margin
    top = max(nodes["degree"].to_pylist(), default=0) or 1
    drawn = [
        Node(margin + n["x"] * span, margin + n["y"] * span, 2.5 + 7 * (n["degree"] / top) ** 0.5,
             community_colour(n["community"]), n["handle"], n["community"])
        for n in nodes.to_pylist()
    ]
    segments = [(drawn[s].x, drawn[s].y, drawn[t].x, drawn[t].y)
                for s, t in zip(links["source"].to_pylist(), links["target"].to_pylist())]
    return drawn, segments


def community_colour(community: int) -> str:
    return PALETTE[community] if 0 <= community < len(PALETTE) else OTHER
