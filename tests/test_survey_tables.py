"""Survey tables through the command a consultant runs (issue 14): no published count below
the survey's threshold, no hidden cell recomputable (the engine's linear-programming audit,
run again here on what was written), means with the dominance rule, and refusals in one line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from seula.analysis import sdc
from seula.flows.cli import app
from seula.survey import tables

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "survey"
SURVEY = "asiakastyytyvaisyys-2026"


def seula(*args: str | Path) -> tuple[int, str, str]:
    out = CliRunner().invoke(app, [str(a) for a in args])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    return out.exit_code, out.stdout, out.stderr


@pytest.fixture
def survey(home: Path) -> Path:
    code, _, err = seula("survey", "import", SURVEY, SAMPLE / "answers.csv", "--mapping", SAMPLE / "mapping.yaml")
    assert code == 0, err
    return home


def published_counts(table: sdc.Table) -> list[float]:
    return [v for row in table.cells for v, kind in zip(row, table.kinds) if kind == "count" and v is not None]


@pytest.mark.parametrize("rows, cols", [("region", None), ("channels", None), ("satisfaction", None),
                                        ("region", "age"), ("age", "satisfaction"), ("region", "channels"),
                                        ("region", "spend"), ("age", "spend")])
def test_no_small_cell_is_published_and_no_hidden_one_can_be_worked_out(survey: Path, rows: str, cols: str | None) -> None:
    table = tables.table(survey, SURVEY, rows, cols)
    assert not [v for v in published_counts(table) if 0 < v < 10]
    assert sdc.audit(table) == []
    if cols in ("age", "satisfaction", "channels"):
        assert table.reasons, "the sample's cross-tables have small cells: something must be hidden"


def test_the_written_table_is_what_was_audited(survey: Path, tmp_path: Path) -> None:
    code, out, err = seula("survey", "table", SURVEY, "--rows", "region", "--cols", "age")
    assert code == 0, err
    written = list(csv.reader(io.StringIO(out)))
    table = tables.table(survey, SURVEY, "region", "age")
    assert written == [*([str(v) for v in row] for row in table.to_rows()), [], [table.footnote()]]
    assert "withheld" in written[-1][0]
    assert any(sdc.SYMBOL in row for row in written)
    code, _, _ = seula("survey", "table", SURVEY, "--rows", "region", "--cols", "spend", "--format", "xlsx",
                       "-o", tmp_path / "spend.xlsx")
    sheet = load_workbook(tmp_path / "spend.xlsx").active
    assert code == 0 and sheet.max_row >= 6
    code, out, _ = seula("survey", "table", SURVEY, "--rows", "age", "--format", "html")
    assert code == 0 and out.startswith("<table") and "withheld" in out or "</table>" in out


def test_a_higher_threshold_hides_more(survey: Path) -> None:
    assert not [v for v in published_counts(tables.table(survey, SURVEY, "region", "age", min_cell=25)) if 0 < v < 25]


@pytest.mark.parametrize("args, problem", [
    (("--rows", "feedback"), "free text: it is not tabulated"),
    (("--rows", "spend"), "tabulate it as --cols"),
    (("--rows", "colour"), "has no question 'colour'"),
    (("--rows", "age", "--format", "pdf"), "--format 'pdf'"),
    (("--rows", "age", "--format", "xlsx"), "needs --output"),
])
def test_what_cannot_be_tabulated_is_one_line(survey: Path, args: tuple[str, ...], problem: str) -> None:
    code, _, err = seula("survey", "table", SURVEY, *args)
    assert code == 1 and problem in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_excluded_respondents_are_not_counted(survey: Path) -> None:
    from seula.survey import store

    before = tables.table(survey, SURVEY, "age")
    pids = store.answers(survey, SURVEY)["respondent"].to_pylist()[:12]
    store.exclude(survey, {SURVEY: pids})
    after = tables.table(survey, SURVEY, "age")
    assert after.cell(sdc.TOTAL, after.cols[0]) == before.cell(sdc.TOTAL, before.cols[0]) - 12
