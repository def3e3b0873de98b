"""Survey tables with disclosure control: nothing small shown, nothing hidden recoverable."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from scipy.optimize import linprog

from seula.analysis.sdc import (
    NO_ANSWER,
    SYMBOL,
    TOTAL,
    DisclosureError,
    Table,
    audit,
    crosstab,
    frequency,
    means,
    to_html,
    write_csv,
    write_xlsx,
)

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def microdata(counts: list[list[int]]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Respondents whose answers to two questions make up the count matrix, and the categories."""
    rows, cols = [], []
    for i, line in enumerate(counts):
        for j, n in enumerate(line):
            rows += [f"r{i}"] * n
            cols += [f"c{j}"] * n
    return rows, cols, [f"r{i}" for i in range(len(counts))], [f"c{j}" for j in range(len(counts[0]))]


def bounds(grid: list[list[float | None]]) -> dict[tuple[int, int], tuple[float, float]]:
    """An intruder's least and greatest value for each hidden cell of a table with totals.

    Built from the published grid alone (the last row and column are totals): every row and
    column adds up, every hidden cell is an unknown of at least 0; solved by linear programming.
    """
    nr, nc = len(grid) - 1, len(grid[0]) - 1
    hidden = [(i, j) for i in range(nr + 1) for j in range(nc + 1) if grid[i][j] is None]
    index = {k: n for n, k in enumerate(hidden)}
    a, b = [], []

    def adds_up(parts: list[tuple[int, int]], total: tuple[int, int]) -> None:
        row, rhs = np.zeros(len(hidden)), 0.0
        for (i, j), sign in [(total, -1.0), *((p, 1.0) for p in parts)]:
            if grid[i][j] is None:
                row[index[(i, j)]] += sign
            else:
                rhs -= sign * grid[i][j]
        if row.any():
            a.append(row)
            b.append(rhs)

    for i in range(nr + 1):
        adds_up([(i, j) for j in range(nc)], (i, nc))
    for j in range(nc + 1):
        adds_up([(i, j) for i in range(nr)], (nr, j))
    out = {}
    for key, n in index.items():
        c = np.zeros(len(hidden))
        c[n] = 1
        low = linprog(c, A_eq=np.array(a) if a else None, b_eq=b or None, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=np.array(a) if a else None, b_eq=b or None, bounds=(0, None), method="highs")
        out[key] = (low.fun, math.inf if high.status == 3 else -high.fun)
    return out


def counts_of(table: Table) -> list[list[float | None]]:
    """The count column of a frequency table as a one-column grid with its total."""
    return [[row[0], row[0]] for row in table.cells]


def assert_protected(table: Table, grid: list[list[float | None]], truth: list[list[int]]) -> None:
    """No count under min_cell shown, none hidden narrower than the margin, the rest true."""
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if v is not None:
                assert v == truth[i][j]
                assert v == 0 or v >= table.min_cell, (i, j, v)
    for key, (low, high) in bounds(grid).items():
        assert high - low >= table.protection - 1e-6, (key, low, high, grid)
    assert audit(table) == []


def with_totals(counts: list[list[int]]) -> list[list[int]]:
    rows = [[*line, sum(line)] for line in counts]
    return [*rows, [sum(col) for col in zip(*rows)]]


cell = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 60))
matrices = st.integers(1, 5).flatmap(
    lambda nr: st.integers(1, 5).flatmap(
        lambda nc: st.lists(st.lists(cell, min_size=nc, max_size=nc), min_size=nr, max_size=nr)))


@FAST
@given(matrices)
@example([[3, 20, 30], [15, 25, 40], [12, 18, 22]])  # one small cell in a row
@example([[4, 0, 0], [20, 30, 25], [15, 12, 18]])  # a row whose only figure is small: its margin too
@example([[1, 2], [3, 1]])  # all small
@example([[1] * 5, [0] * 5, [1] * 5])  # all small, and only a total of 10 shown
@example([[3, 20, 40]])  # a single row
@example([[3], [20], [40]])  # a single column
@example([[0, 0], [0, 0]])  # zeros
@example([[0, 5], [0, 30], [12, 0]])  # zeros beside small cells
@example([[9, 9], [9, 9]])
@example([[0, 1, 0], [0, 1, 10], [1, 10, 1]])  # two shown 10s pin each other: both must go at once
def test_crosstab_shows_nothing_small_and_hides_nothing_recoverable(counts: list[list[int]]) -> None:
    rows, cols, row_categories, col_categories = microdata(counts)
    table = crosstab(rows, cols, row_categories=row_categories, col_categories=col_categories)
    assert_protected(table, [list(r) for r in table.cells], with_totals(counts))
    # The margins are the questions' frequency tables, hidden alike: publishing both adds nothing.
    assert [row[-1] for row in table.cells] == [row[0] for row in frequency(rows, categories=row_categories).cells]
    assert list(table.cells[-1]) == [row[0] for row in frequency(cols, categories=col_categories).cells]


@FAST
@given(st.lists(cell, min_size=1, max_size=8))
@example([1, 1, 50])
@example([1] * 10)
@example([3, 4, 50])
def test_frequency_shows_nothing_small_and_hides_nothing_recoverable(counts: list[int]) -> None:
    values = [f"a{i}" for i, n in enumerate(counts) for _ in range(n)]
    table = frequency(values, categories=[f"a{i}" for i in range(len(counts))])
    truth = [[n, n] for n in [*counts, sum(counts)]]
    assert_protected(table, counts_of(table), truth)
    total_hidden = table.cells[-1][0] is None
    for (n, share), true in zip(table.cells, [*counts, sum(counts)]):
        assert (share is None) == (n is None or total_hidden)
        if share is not None and sum(counts):
            assert share == round(100 * true / sum(counts), 1)


def test_the_threshold_is_ten_by_default_and_configurable() -> None:
    values = ["a"] * 4 + ["b"] * 3 + ["c"] * 9 + ["d"] * 30
    hidden = frequency(values).suppressed()
    assert {k for k, why in hidden.items() if why == "primary"} == {(x, c) for x in "abc" for c in ("n", "%")}
    at_five = frequency(values, min_cell=5)
    assert at_five.cell("c", "n") == 9 and set(at_five.suppressed()) == {(x, c) for x in "ab" for c in ("n", "%")}
    at_twenty = frequency(values, min_cell=20)
    assert at_twenty.cell("d", "n") == 30 and at_twenty.cell("c", "n") is None
    assert at_twenty.protection == 10  # half the threshold unless told
    with pytest.raises(DisclosureError):
        frequency(values, min_cell=0)


def test_protection_margin_is_configurable() -> None:
    # Two hidden counts of 1 under a total of 52: shown 50 pins each within [0, 2].
    values = ["a", "b"] + ["c"] * 50
    assert frequency(values, protection=1).cell("c", "n") == 50
    assert frequency(values).cell("c", "n") is None
    assert frequency(values).cell(TOTAL, "n") == 52


def test_a_lone_small_cell_gets_a_rectangle_of_secondaries() -> None:
    counts = [[25, 3, 30], [40, 22, 15], [12, 18, 5]]
    rows, cols, *_ = microdata(counts)
    table = crosstab(rows, cols)
    assert table.suppressed() == {("r0", "c1"): "primary", ("r2", "c2"): "primary",
                                  ("r0", "c2"): "secondary", ("r2", "c1"): "secondary"}
    assert table.cell("r0", TOTAL) == 58 and table.cell(TOTAL, TOTAL) == 170


def test_the_audit_fails_a_table_with_only_primary_suppression(tmp_path: Path) -> None:
    counts = [[25, 3, 30], [40, 22, 15], [12, 18, 5]]
    rows, cols, *_ = microdata(counts)
    table = crosstab(rows, cols)
    truth = with_totals(counts)
    primary_only = replace(
        table,
        cells=tuple(tuple(truth[i][j] if table.reasons.get((i, j)) == "secondary" else v
                          for j, v in enumerate(row)) for i, row in enumerate(table.cells)),
        reasons={k: why for k, why in table.reasons.items() if why == "primary"})
    findings = audit(primary_only)
    assert len(findings) == 2 and all("pin it to [3, 3]" in f or "pin it to [5, 5]" in f for f in findings)
    for write in (lambda: write_csv(primary_only, tmp_path / "t.csv"),
                  lambda: write_xlsx(primary_only, tmp_path / "t.xlsx"), lambda: to_html(primary_only)):
        with pytest.raises(DisclosureError, match="fails the disclosure audit"):
            write()
    assert not (tmp_path / "t.csv").exists()


def test_the_audit_fails_a_small_count_shown() -> None:
    table = frequency(["a"] * 3 + ["b"] * 30, min_cell=3)
    assert audit(replace(table, min_cell=10)) == ["a × n: 3 shown, fewer than 10 respondents"]


def test_frequency_counts_shares_and_no_answer() -> None:
    values = ["yes"] * 30 + ["no"] * 20 + [None] * 12
    table = frequency(values, categories=["yes", "no", "maybe"])
    assert table.rows == ("yes", "no", "maybe", NO_ANSWER, TOTAL)
    assert table.to_rows()[1:] == [["yes", 30, 48.4], ["no", 20, 32.3], ["maybe", 0, 0.0],
                                   [NO_ANSWER, 12, 19.4], [TOTAL, 62, 100.0]]
    with pytest.raises(DisclosureError, match="not one of the question's categories"):
        frequency(["perhaps"], categories=["yes", "no"])


def test_multiple_choice_counts_each_choice_and_respondents_once() -> None:
    picks = [["a", "b"]] * 15 + [["a"]] * 20 + [["b", "c"]] * 12 + [["d"]] * 2 + [[]] * 11
    table = frequency(picks)
    assert table.cell("a", "n") == 35 and table.cell("b", "n") == 27 and table.cell("c", "n") == 12
    assert table.cell(NO_ANSWER, "n") == 11 and table.cell(TOTAL, "n") == 60
    assert table.cell("a", "%") == 58.3  # of respondents: shares add up to over 100
    assert table.suppressed() == {("d", "n"): "primary", ("d", "%"): "primary"}  # sums don't reveal it
    assert "several answers" in table.footnote()
    assert audit(table) == []


@FAST
@given(st.lists(st.tuples(st.sampled_from(["x", "y", "z"]),
                          st.sets(st.sampled_from(["a", "b", "c"]), max_size=3)), min_size=1, max_size=120))
def test_multiple_choice_crosstab_relations_hold_and_audit_passes(answers: list[tuple[str, set[str]]]) -> None:
    rows, picks = [r for r, _ in answers], [sorted(p) for _, p in answers]
    table = crosstab(rows, picks)
    truth = _true_multiple_choice(table, rows, picks)
    # What the audit lets an intruder know must be true of the real table.
    for relation in table.relations:
        total = sum(coef * truth[key] for key, coef in relation.terms)
        assert total == 0 if relation.equal else total <= 0
    for (i, j), v in np.ndenumerate(np.array(table.cells, dtype=object)):
        assert v is None or (v == truth[(i, j)] and (v == 0 or v >= 10))
    assert audit(table) == []


def _true_multiple_choice(table: Table, rows: list[str], picks: list[list[str]]) -> dict[tuple[int, int], int]:
    def choices(p: list[str]) -> list[str]:
        return p or [NO_ANSWER]

    last_r, last_c = len(table.rows) - 1, len(table.cols) - 1
    truth = {(i, j): 0 for i in range(last_r + 1) for j in range(last_c + 1)}
    for r, p in zip(rows, picks):
        i = table.rows.index(r)
        truth[(i, last_c)] += 1
        truth[(last_r, last_c)] += 1
        for c in choices(p):
            j = table.cols.index(c)
            truth[(i, j)] += 1
            truth[(last_r, j)] += 1
    return truth


def test_means_with_counts_and_small_groups_hidden() -> None:
    groups = ["A"] * 12 + ["B"] * 15 + ["C"] * 4 + ["D"] * 20
    values = [2.0] * 12 + [3.0] * 15 + [5.0] * 4 + [4.0] * 20
    table = means(groups, values, dominance=None)
    assert table.cols == ("n", "sum", "mean")
    assert (table.cell("D", "n"), table.cell("D", "sum"), table.cell("D", "mean")) == (20, 80.0, 4.0)
    assert all(table.suppressed()[("C", c)] == "primary" for c in table.cols)
    assert table.cell(TOTAL, "n") == 51 and table.cell(TOTAL, "mean") == pytest.approx(169 / 51)
    sums = [[row[1], row[1]] for row in table.cells]
    for low, high in bounds(sums).values():
        assert high - low >= table.protection * table.unit
    assert audit(table) == []


def test_dominance_hides_a_group_one_respondent_dominates() -> None:
    groups = ["A"] * 12 + ["B"] * 15 + ["D"] * 20
    values = [10.0] * 11 + [900.0] + [20.0] * 15 + [30.0] * 20
    table = means(groups, values)
    assert table.cell("A", "n") == 12  # enough respondents: only the magnitudes go
    assert table.suppressed()[("A", "sum")] == "dominance" and table.suppressed()[("A", "mean")] == "dominance"
    assert table.cell(TOTAL, "sum") == 1910.0
    sums = [[row[1], row[1]] for row in table.cells]
    low, high = bounds(sums)[(0, 0)]
    # The runner-up, knowing the total of the other hidden sums, must not bound A's top value
    # under 85 % of A's sum: the upper bound must reach 900 / 0.85.
    assert high >= 900 / 0.85
    assert "the largest answer makes up over 85%" in table.footnote()
    assert audit(table) == []


def test_dominance_by_the_two_largest() -> None:
    groups = ["A"] * 12 + ["B"] * 15
    values = [1.0] * 10 + [400.0, 400.0] + [20.0] * 15
    assert means(groups, values, dominance=(1, 0.85)).cell("A", "sum") == 810.0
    two = means(groups, values, dominance=(2, 0.9))
    assert two.suppressed()[("A", "sum")] == "dominance"
    assert two.cell(TOTAL, "sum") is None or two.cell("B", "sum") is None


def test_dominance_needs_values_of_at_least_zero() -> None:
    with pytest.raises(DisclosureError, match="dominance=None"):
        means(["A"] * 12, [-1.0] + [1.0] * 11)
    assert means(["A"] * 12, [-1.0] + [1.0] * 11, dominance=None).cell("A", "mean") == pytest.approx(10 / 12)


def test_means_with_missing_values_keep_the_group_frequencies() -> None:
    groups = ["A"] * 12 + ["B"] * 15 + ["C"] * 4 + ["D"] * 20
    values: list[float | None] = [2.0] * 12 + [3.0] * 15 + [5.0] * 4 + [4.0] * 20
    values[0] = values[13] = None
    table = means(groups, values, dominance=None)
    assert table.cols == ("respondents", "n", "sum", "mean")
    assert [row[0] for row in table.cells] == [row[0] for row in frequency(groups).cells]
    assert table.cell("D", "n") == 20 and table.cell("B", "n") == 14
    assert audit(table) == []


@FAST
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.floats(0, 1000)), min_size=1, max_size=80))
def test_means_audit_passes_and_small_groups_are_hidden(rows: list[tuple[str, float]]) -> None:
    table = means([g for g, _ in rows], [v for _, v in rows])
    for row in table.cells[:-1]:
        assert row[0] is None or row[0] >= 10
    for row in table.cells:
        assert (row[1] is None) <= (row[2] is None)  # a mean is never shown beside a hidden sum
    assert audit(table) == []


def test_writers(tmp_path: Path) -> None:
    counts = [[25, 3, 30], [40, 22, 15], [12, 18, 5]]
    rows, cols, *_ = microdata(counts)
    table = crosstab(rows, cols, title="Q1 by Q2")
    with (write_csv(table, tmp_path / "t.csv")).open(encoding="utf-8") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["Q1 by Q2", "c0", "c1", "c2", TOTAL]
    assert lines[1] == ["r0", "25", SYMBOL, SYMBOL, "58"]
    sheet = load_workbook(write_xlsx(table, tmp_path / "t.xlsx")).active
    assert sheet["C2"].value == SYMBOL and sheet["B2"].value == 25
    assert "fewer than 10 respondents" in sheet.cell(sheet.max_row, 1).value
    page = to_html(table)
    assert page.count(f"<td>{SYMBOL}</td>") == 4
    assert "fewer than 10 respondents" in page and "worked out from the totals" in page


def test_errors_are_one_line_value_errors() -> None:
    assert issubclass(DisclosureError, ValueError)
    for call in (lambda: crosstab(["a"], ["b", "c"]), lambda: frequency([TOTAL]),
                 lambda: means(["a"], [float("nan")]), lambda: means(["a"], [1.0], dominance=(1, 85))):
        with pytest.raises(DisclosureError) as error:
            call()
        assert "\n" not in str(error.value)
