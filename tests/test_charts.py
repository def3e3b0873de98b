"""The report's charts have axes: round value ticks from zero, readable date ticks, titles, values on bars.

The unit tests hold the geometry (analysis/charts.py); the render test reads the sample report's
HTML (every chart's SVG) and its PDF's text (pdftotext), which is what a client sees.
"""

import math
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pytest

from seula.analysis import charts
from seula.analysis.charts import date_ticks, day_label, number, ticks
from seula.analysis.report import WORDS, _env
from seula.flows.report import render_report
from seula.lake.store import Lake
from tests.test_render import tool
from tests.test_report import analysed  # noqa: F401  (fixture)

NICE = {1, 2, 2.5, 5}
DAY = {"en": re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}(, \d{4})?$"),
       "fi": re.compile(r"^\d{1,2}\.\d{1,2}\.(\d{4})?$")}


def mantissa(step: int) -> float:
    return step / 10 ** math.floor(math.log10(step))


# --- value ticks -------------------------------------------------------------------------------

@pytest.mark.parametrize(("top", "expected"), [
    (0, [0, 1, 2]), (1, [0, 1, 2]), (3, [0, 1, 2, 3]), (10, [0, 5, 10]), (45, [0, 25, 50]),
    (150, [0, 50, 100, 150]), (321, [0, 100, 200, 300, 400]), (13345, [0, 5000, 10000, 15000]),
])
def test_ticks_of_known_maxima(top: int, expected: list[int]) -> None:
    assert ticks(top) == expected


def test_ticks_are_round_cover_the_maximum_and_are_few() -> None:
    for top in [*range(5001), 9999, 10001, 123456, 7654321, 10**9 + 1]:
        values = ticks(top)
        steps = {b - a for a, b in pairwise(values)}
        assert values[0] == 0 and len(steps) == 1, (top, values)  # from zero, evenly spaced
        assert mantissa(steps.pop()) in NICE, (top, values)  # 1, 2, 2.5 or 5 × 10ⁿ
        assert 3 <= len(values) <= 5, (top, values)
        assert values[-1] >= top, (top, values)  # the tallest bar stays inside the axis
        assert values[-2] < top or len(values) == 3, (top, values)  # with no empty interval on top
        assert values[-1] <= 2 * max(top, 1), (top, values)  # nor a chart squeezed to half its height


def test_numbers_in_the_reports_language() -> None:
    assert number(13345, "en") == "13,345" and number(13345, "fi") == "13\u00a0345"
    assert number(0, "fi") == "0" and number(750, "en") == "750"


# --- date ticks --------------------------------------------------------------------------------

def test_date_ticks_of_the_sample_period_are_weekly_from_the_first_day() -> None:
    days = date_ticks(date(2026, 9, 1), date(2026, 10, 12))
    assert days == [date(2026, 9, 1) + timedelta(days=7 * k) for k in range(6)]
    assert [day_label(d, "fi") for d in days[:2]] == ["1.9.", "8.9."]
    assert [day_label(d, "en") for d in days[:2]] == ["Sep 1", "Sep 8"]
    assert day_label(date(2027, 3, 1), "fi", year=True) == "1.3.2027"
    assert day_label(date(2027, 3, 1), "en", year=True) == "Mar 1, 2027"


@pytest.mark.parametrize("span", [0, 1, 2, 6, 7, 8, 13, 14, 15, 41, 48, 49, 97, 98, 111, 112, 200, 365, 366, 800, 3000])
def test_date_ticks_are_few_and_span_the_period(span: int) -> None:
    first = date(2026, 9, 3)
    last = first + timedelta(days=span)
    days = date_ticks(first, last)
    assert 1 <= len(days) <= 8
    assert days == sorted(set(days)) and first <= days[0] and days[-1] <= last
    gap = max((b - a).days for a, b in pairwise(days)) if len(days) > 1 else 1
    assert (days[0] - first).days < max(gap, 32)  # the first tick is at (or within a step of) the first day
    assert (last - days[-1]).days < max(gap, 32)  # and the last within a step of the last day
    if span < 8 * 14:
        assert days[0] == first  # up to 16 weeks: every day, 2nd day, week or fortnight from the first day
    else:
        assert all(d.day == 1 for d in days)  # long ones: month starts


def test_a_chart_across_new_year_writes_the_year_where_it_changes() -> None:
    chart = charts.lines([date(2026, 12, 1), date(2027, 1, 31)], {"a": [1, 2]})
    labels = [t.label("fi") for t in chart.x_ticks]
    assert labels[0].endswith("2026") and any(label.endswith("2027") for label in labels)
    assert sum(bool(re.search(r"\d{4}$", label)) for label in labels) == 2


# --- chart geometry ----------------------------------------------------------------------------

def test_columns_have_a_value_axis_covering_the_tallest_and_bars_placed_by_date() -> None:
    days = [date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 4)]  # the 3rd has no posts
    chart = charts.columns(days, [10, 45, 20])
    assert [t.value for t in chart.y_ticks] == [0, 25, 50]
    assert chart.y_ticks[0].at == chart.bottom and chart.y_ticks[-1].at == chart.top
    tallest = chart.bars[1]
    assert tallest.y == pytest.approx(chart.bottom - 45 / 50 * (chart.bottom - chart.top))
    step = chart.bars[1].x - chart.bars[0].x
    assert chart.bars[2].x - chart.bars[1].x == pytest.approx(2 * step)  # a day's gap is left empty
    assert all(chart.left <= b.x and b.x + b.width <= chart.right for b in chart.bars)
    assert [t.day for t in chart.x_ticks] == [days[0] + timedelta(days=k) for k in range(4)]


def test_a_zero_series_and_a_one_day_series_still_get_axes() -> None:
    zero = charts.columns([date(2026, 9, 1), date(2026, 9, 2)], [0, 0])
    assert zero and [t.value for t in zero.y_ticks] == [0, 1, 2]
    assert all(b.height == 0 and b.y == zero.bottom for b in zero.bars)
    one = charts.columns([date(2026, 9, 1)], [7])
    assert len(one.bars) == 1 and one.bars[0].width <= 48 and [t.value for t in one.y_ticks] == [0, 2, 4, 6, 8]
    assert [t.label("en") for t in one.x_ticks] == ["Sep 1"]
    line = charts.lines([date(2026, 9, 1)], {"a": [0]})
    points = [tuple(map(float, p.split(","))) for p in line.series[0].points.split()]
    assert len(points) == 2 and all(math.isfinite(v) for p in points for v in p)  # a visible stroke
    assert [t.value for t in line.y_ticks] == [0, 1, 2]
    assert not charts.columns([], []) and not charts.lines([], {}) and not charts.rows([], [])


def test_lines_count_a_missing_day_as_zero_and_share_one_axis() -> None:
    chart = charts.lines([date(2026, 9, 1), date(2026, 9, 3)], {"a": [4, 9], "b": [1, 1]})
    a, b = chart.series
    ys = [float(p.split(",")[1]) for p in a.points.split()]
    assert len(ys) == 3 and ys[1] == chart.bottom  # 2 September: 0
    assert [t.value for t in chart.y_ticks] == [0, 5, 10] and (a.total, b.total) == (13, 2)
    assert a.colour != b.colour and a.total_label("en") == "13"


def test_rows_end_at_their_value_on_the_axis() -> None:
    chart = charts.rows(["#a", "#b"], [321, 61])
    assert [t.value for t in chart.x_ticks] == [0, 100, 200, 300, 400]
    x_of = {t.value: t.at for t in chart.x_ticks}
    bar = chart.bars[0]
    assert bar.x == x_of[0] and bar.x + bar.width == pytest.approx(x_of[0] + 321 / 400 * (x_of[400] - x_of[0]))
    assert [b.value_label("fi") for b in chart.bars] == ["321", "61"]


def test_series_by_day_come_largest_first() -> None:
    table = pa.table({"day": [date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 2)], "hashtag": ["a", "b", "b"],
                      "posts": [5, 3, 4]})
    days, series = charts.by_day(table, "hashtag", "posts")
    assert days == [date(2026, 9, 1), date(2026, 9, 2)] and series == {"b": [3, 4], "a": [5, 0]}


def test_communities_beyond_the_palette_are_grey() -> None:
    nodes = pa.table({"x": [0.1, 0.9], "y": [0.5, 0.5], "community": [0, len(charts.PALETTE)], "degree": [3, 1],
                      "handle": ["a", None]})
    drawn, segments = charts.network(nodes, pa.table({"source": [0], "target": [1]}))
    assert drawn[0].colour == charts.PALETTE[0] and not drawn[0].other
    assert drawn[1].other and len(segments) == 1


# --- the markup --------------------------------------------------------------------------------

def svgs(html: str) -> list[ET.Element]:
    """Each inline SVG of the page, parsed as XML (with or without its namespace)."""
    return [ET.fromstring(block) for block in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)]


def elements(root: ET.Element, tag: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == tag]


def group(svg: ET.Element, name: str) -> ET.Element | None:
    return next((g for g in elements(svg, "g") if g.get("class") == name), None)


def texts(element: ET.Element | None) -> list[str]:
    return [] if element is None else ["".join(t.itertext()).strip() for t in elements(element, "text")]


def value(label: str) -> int:
    return int(re.sub(r"[,\s\u00a0]", "", label))


def axes_of(svg: ET.Element, lang: str) -> dict:
    """What a reader sees of one chart's axes; asserts that it has them."""
    ticks_ = texts(group(svg, "value-axis"))
    assert 3 <= len(ticks_) <= 5, ticks_
    numbers = [value(t) for t in ticks_]
    assert numbers[0] == 0 and len({b - a for a, b in pairwise(numbers)}) == 1
    assert mantissa(numbers[1]) in NICE
    grid = group(svg, "grid")
    assert grid is not None and len(list(elements(grid, "line"))) == len(numbers) - 1  # a gridline per tick above 0
    title = [t for t in elements(svg, "text") if t.get("class") == "axis-title"]
    assert len(title) == 1 and title[0].text
    days = texts(group(svg, "date-axis"))
    assert all(DAY[lang].match(d) for d in days), days
    return {"ticks": ticks_, "numbers": numbers, "title": title[0].text, "days": days,
            "values": texts(group(svg, "values"))}


def test_chart_macros_draw_axes_for_a_zero_series() -> None:
    macros = _env.get_template("charts.html.j2").module
    html = str(macros.columns(charts.columns([date(2026, 3, 1), date(2026, 3, 2)], [0, 0]), "Posts per day", "posts",
                              "fi", "none"))
    (svg,) = svgs(html)
    axes = axes_of(svg, "fi")
    assert axes["ticks"] == ["0", "1", "2"] and axes["title"] == "posts" and axes["days"] == ["1.3.", "2.3."]
    assert "<script" not in html and "href" not in html  # self-contained
    assert "<p>none</p>" in str(macros.rows(charts.rows([], []), "x", "posts", "en", "none"))


# --- the sample report, as HTML and as PDF ----------------------------------------------------

# The charts in the report's order: the section each sits under, the section after it, its axis title.
CHARTS = [("per_day", "engagement", "posts"), ("engagement", "weekly", None), ("hashtags", "tag_days", "posts"),
          ("tag_days", "pairs", "posts")]
REACTIONS = {"en": "reactions", "fi": "reaktiota"}


def section(text: str, start: str, end: str, after: int) -> tuple[str, int]:
    begin = text.index(start, after)
    finish = text.index(end, begin + len(start))
    return text[begin + len(start):finish], finish


def has(text: str, label: str) -> bool:
    return re.search(rf"(?<!\S){re.escape(label)}(?!\S)", text.replace("\u00a0", " ")) is not None


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fi"])
def test_every_chart_of_the_sample_report_has_axes_and_values_in_html_and_pdf(analysed: Path, lang: str) -> None:  # noqa: F811
    html_file, pdf_file = render_report.fn("sample", lang, ("html", "pdf"))
    html = html_file.read_text(encoding="utf-8")
    drawn = svgs(html)
    plotted = [svg for svg in drawn if svg.get("class") == "chart"]
    assert len(plotted) == len(CHARTS) and len(drawn) == len(CHARTS) + 1  # and the network picture
    words = WORDS[lang]
    axes = [axes_of(svg, lang) for svg in plotted]
    assert [a["title"] for a in axes] == [words[t] if t else REACTIONS[lang] for _, _, t in CHARTS]

    lake = Lake(analysed)
    daily = lake.read("sample", "m_daily_volume").to_pydict()
    hashtags = lake.read("sample", "m_top_hashtags").to_pylist()
    engagement = lake.read("sample", "m_engagement_daily").to_pydict()
    tag_daily = lake.read("sample", "m_hashtag_daily")["posts"].to_pylist()
    tallest = [max(daily["posts"]), max(max(engagement[k]) for k in ("likes", "reposts", "replies", "quotes")),
               max(h["posts"] for h in hashtags), max(tag_daily)]
    for a, top in zip(axes, tallest):
        assert a["numbers"] == ticks(top)  # the axis covers the data, from zero, in round steps
    for a in (axes[0], axes[1], axes[3]):
        assert 4 <= len(a["days"]) <= 8 and a["days"][0] == day_label(daily["day"][0], lang)
    assert axes[2]["days"] == []
    assert [value(v) for v in axes[2]["values"]] == [h["posts"] for h in hashtags]  # the number at each bar's end
    likes = f"{words['kinds']['likes']} ({number(sum(engagement['likes']), lang)})"
    assert axes[1]["values"] == [] and likes in html  # the engagement legend: each series with its total

    # What is drawn, not only marked up: the text of WeasyPrint's PDF, and of Chromium's print of the HTML.
    printed = html_file.with_suffix(".chromium.pdf")
    run = subprocess.run(
        [tool("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={html_file.parent / 'chromium-profile'}",
         "--no-pdf-header-footer", f"--print-to-pdf={printed}", html_file.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0 and printed.exists(), run.stderr[-2000:]
    for pdf in (pdf_file, printed):
        text = subprocess.run([tool("pdftotext"), "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
        cursor = 0
        for (start, end, _), a in zip(CHARTS, axes, strict=True):
            part, cursor = section(text, words[start], words[end], cursor)
            missing = [label for label in [a["title"], *a["ticks"], *a["days"], *a["values"]] if not has(part, label)]
            assert missing == [], (pdf.name, words[start], missing)
        legend = text[text.index(words["network"], cursor):]
        assert f"{words['community']} 0 (" in legend, pdf.name  # the network picture's colours are explained
