"""Chart geometry for the report: plain numbers the template draws as inline SVG.

Inline SVG keeps the report one self-contained file that renders the same in a browser
and in the PDF, with no script and nothing fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

PALETTE = ("#3a6ea5", "#d1762b", "#4f9a5a", "#a8476b", "#7a62b3", "#8c8c3a", "#3f9ba5", "#b35a3d")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    points: str  # an SVG polyline's "x,y x,y …"
    total: int


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    r: float
    colour: str
    label: str | None


def columns(days: list[date], values: list[int], width: int = 760, height: int = 180) -> list[Bar]:
    """A vertical bar per day."""
    if not values:
        return []
    step = width / len(values)
    top = max(values) or 1
    return [
        Bar(i * step, height - v / top * height, max(step - 1, 1), v / top * height, d.isoformat(), v)
        for i, (d, v) in enumerate(zip(days, values))
    ]


def rows(labels: list[str], values: list[int], width: int = 560, row: int = 22) -> list[Bar]:
    """A horizontal bar per label, longest first as given."""
    top = max(values, default=0) or 1
    return [Bar(0, i * row, max(v / top * width, 1), row - 6, label, v) for i, (label, v) in enumerate(zip(labels, values))]


def lines(days: list[date], series: dict[str, list[int]], width: int = 760, height: int = 180) -> list[Line]:
    """One polyline per series over a shared day axis."""
    if not days:
        return []
    top = max((v for values in series.values() for v in values), default=0) or 1
    step = width / max(len(days) - 1, 1)
    return [
        Line(name, PALETTE[i % len(PALETTE)],
             " ".join(f"{j * step:.1f},{height - v / top * height:.1f}" for j, v in enumerate(values)), sum(values))
        for i, (name, values) in enumerate(series.items())
    ]


def by_day(table: pa.Table, key: str, value: str) -> tuple[list[date], dict[str, list[int]]]:
    """Pivot a long (day, key, value) table into one dense series per key."""
    data = table.to_pydict()
    days = sorted(set(data["day"]))
    position = {d: i for i, d in enumerate(days)}
    series: dict[str, list[int]] = {}
    for d, k, v in zip(data["day"], data[key], data[value]):
        series.setdefault(k, [0] * len(days))[position[d]] = v
    return days, series


def network(nodes: pa.Table, links: pa.Table, size: int = 560, margin: int = 20) -> tuple[list[Node], list[tuple]]:
    """Node circles (coloured by community) and link segments in a square of ``size`` pixels."""
    span = size - 2 * margin
    top = max(nodes["degree"].to_pylist(), default=0) or 1
    drawn = [
        Node(margin + n["x"] * span, margin + n["y"] * span, 2.5 + 7 * (n["degree"] / top) ** 0.5,
             PALETTE[n["community"] % len(PALETTE)], n["handle"])
        for n in nodes.to_pylist()
    ]
    segments = [(drawn[s].x, drawn[s].y, drawn[t].x, drawn[t].y)
                for s, t in zip(links["source"].to_pylist(), links["target"].to_pylist())]
    return drawn, segments
