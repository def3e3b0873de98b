"""The client report: HTML rendered with Jinja2 from the derived tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pyarrow as pa
from jinja2 import Environment, PackageLoader, select_autoescape

_env = Environment(loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["html", "j2"]))


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def bars(days: list[date], values: list[int], width: int = 760, height: int = 180) -> list[Bar]:
    """Geometry of a posts-per-day bar chart, drawn as inline SVG by the template."""
    if not values:
        return []
    step = width / len(values)
    top = max(values) or 1
    return [
        Bar(i * step, height - v / top * height, max(step - 1, 1), v / top * height, d.isoformat(), v)
        for i, (d, v) in enumerate(zip(days, values))
    ]


def render_html(meta: dict, tables: dict[str, pa.Table], generated_at: datetime) -> str:
    summary = dict(zip(tables["m_summary"]["metric"].to_pylist(), tables["m_summary"]["value"].to_pylist()))
    daily = tables["m_daily_volume"].to_pydict()
    return _env.get_template("report.html.j2").render(
        meta=meta,
        summary={k: int(v) if float(v).is_integer() else v for k, v in summary.items()},
        chart=bars(daily["day"], daily["posts"]),
        first_day=daily["day"][0] if daily["day"] else None,
        last_day=daily["day"][-1] if daily["day"] else None,
        hashtags=tables["m_top_hashtags"].to_pylist(),
        accounts=tables["m_top_accounts"].to_pylist(),
        followed=tables["m_most_followed"].to_pylist(),
        generated_at=generated_at,
    )
