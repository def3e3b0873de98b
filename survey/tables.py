"""A survey's tables for the client, each protected by ``analysis.sdc`` before it is written:
one question's frequencies, two questions cross-tabulated, or a number's means by a question.
Only answers are read, never contacts, and never those of excluded respondents."""

from __future__ import annotations

import io
from pathlib import Path

from seula.analysis import sdc
from seula.survey.mapping import Question, SurveyError
from seula.survey.store import answers, definition

CATEGORICAL = ("single", "multiple", "scale")
MAGNITUDE = ("number", "scale")


def table(home: Path, survey_id: str, rows: str, cols: str | None = None, min_cell: int | None = None) -> sdc.Table:
    """Frequencies of ``rows``; with ``cols`` a cross-tabulation, or the means of ``cols`` by
    ``rows`` when ``cols`` is a number (a scale is cross-tabulated; ``--means`` is not needed)."""
    survey = definition(home, survey_id)
    threshold = min_cell or survey.min_cell
    by, data = survey.question(rows), answers(home, survey_id)
    if by.type not in CATEGORICAL:
        raise SurveyError(f"{rows!r} is a {by.type} question: tabulate it as --cols beside a grouping question"
                          if by.type == "number" else f"{rows!r} is free text: it is not tabulated")
    values = [_category(by, v) for v in data[by.id].to_pylist()]
    if cols is None:
        return sdc.frequency(values, threshold, categories=_categories(by), title=_title(by))
    other = survey.question(cols)
    if other.type == "text":
        raise SurveyError(f"{cols!r} is free text: it is not tabulated")
    if other.type == "number":
        return sdc.means(values, data[other.id].to_pylist(), threshold, categories=_categories(by),
                         title=f"{_title(other)} / {_title(by)}")
    return sdc.crosstab(values, [_category(other, v) for v in data[other.id].to_pylist()], threshold,
                        row_categories=_categories(by), col_categories=_categories(other),
                        title=f"{_title(by)} / {_title(other)}")


def write(table: sdc.Table, fmt: str, path: Path | None) -> str | None:
    """Write ``table`` as csv, xlsx or html to ``path``; without one, return csv or html text."""
    if fmt not in ("csv", "xlsx", "html"):
        raise SurveyError(f"--format {fmt!r}: use csv, xlsx or html")
    if fmt == "xlsx":
        if path is None:
            raise SurveyError("--format xlsx needs --output FILE.xlsx")
        sdc.write_xlsx(table, path)
        return None
    if fmt == "html":
        text = sdc.to_html(table)
        if path is None:
            return text
        path.write_text(text, encoding="utf-8")
        return None
    if path is not None:
        sdc.write_csv(table, path)
        return None
    text = io.StringIO()
    sdc.write_csv(table, text)
    return text.getvalue()


def _category(q: Question, value: object) -> object:
    if value is None or q.type != "scale":
        return value
    return str(value)


def _categories(q: Question) -> list[str] | None:
    if q.type == "scale" and q.min is not None and q.max is not None:
        return [str(i) for i in range(q.min, q.max + 1)]
    return list(q.choices) or None


def _title(q: Question) -> str:
    return q.label or q.id
