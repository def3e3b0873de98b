"""The maintained disclosure-control tools judged on the cross-tables Seula must protect.

``acro`` (output checking of research tables) and ``pytauargus`` (headless τ-ARGUS with HiGHS)
were weighed against writing ``analysis/sdc.py``; these tests keep that judgement reproducible
and are skipped where a tool is not installed (Seula depends on neither).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from seula.analysis.sdc import TOTAL, Table, audit, crosstab
from tests.test_sdc import bounds, microdata, with_totals

COUNTS = [[25, 3, 30], [40, 22, 15], [12, 18, 5]]  # two cells under 10, in different rows and columns
TRUTH = with_totals(COUNTS)


def grid(hidden: set[tuple[int, int]], truth: list[list[int]] = TRUTH) -> list[list[float | None]]:
    return [[None if (i, j) in hidden else v for j, v in enumerate(row)] for i, row in enumerate(truth)]


def test_acro_hides_small_cells_but_they_can_be_solved_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    acro = pytest.importorskip("acro")
    pd = pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)  # acro keeps its session's outputs in the working folder
    rows, cols, *_ = microdata(COUNTS)
    answers = pd.DataFrame({"R": rows, "C": cols})
    session = acro.ACRO(suppress=True)
    inner = session.crosstab(answers.R, answers.C)
    hidden = {(i, j) for i in range(3) for j in range(3) if pd.isna(inner.iloc[i, j])}
    assert hidden == {(0, 1), (2, 2)}  # primary suppression: exactly the two small cells
    # No secondary suppression: with the true margins (each question's frequency table, which a
    # report publishes anyway) the two hidden cells are each the one value their row allows.
    assert bounds(grid(hidden)) == {(0, 1): (3, 3), (2, 2): (5, 5)}
    # Its margins are recomputed without the hidden respondents, so they are not the totals,
    # and a true total minus the published margin is the hidden cell itself.
    margins = session.crosstab(answers.R, answers.C, margins=True)
    assert margins.loc["r0", "All"] == 55 and TRUTH[0][3] - margins.loc["r0", "All"] == COUNTS[0][1]


def tau_hidden(counts: list[list[int]], workdir: Path) -> set[tuple[int, int]]:
    """The cells (with their margins) τ-ARGUS hides under the rule of 10, as grid positions.

    Call from within ``workdir``: the engine's solvers write their logs to the working folder.
    """
    pytauargus = pytest.importorskip("pytauargus")
    pytest.importorskip("pandas")  # TableResult.dataframe
    rows, cols, row_labels, col_labels = microdata(counts)
    result = pytauargus.protect({"R": rows, "C": cols, "one": [1.0] * len(rows)}, ["R", "C"], response="one",
                                safety_rules="FREQ(10,0)", suppress="OPT(1)", workdir=str(workdir))
    frame = result.tables[0].dataframe()
    rows_at = {label: i for i, label in enumerate([*row_labels, TOTAL])}
    cols_at = {label: j for j, label in enumerate([*col_labels, TOTAL])}
    return {(rows_at[r], cols_at[c]) for r, c, status in zip(frame["R"], frame["C"], frame["status"])
            if status in ("U", "M", "D")}  # unsafe (primary), secondary, and by hand


def as_table(counts: list[list[int]], hidden: set[tuple[int, int]], protection: int) -> Table:
    """Seula's table of the same answers with another tool's suppression pattern, for audit."""
    rows, cols, row_labels, col_labels = microdata(counts)
    ours = crosstab(rows, cols, row_categories=row_labels, col_categories=col_labels, protection=protection)
    cells = tuple(tuple(v) for v in grid(hidden, with_totals(counts)))
    return replace(ours, cells=cells, reasons={k: "secondary" for k in hidden})


def test_pytauargus_runs_headless_and_protects_like_seula(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    hidden = tau_hidden(COUNTS, tmp_path / "work")
    assert hidden == {(0, 1), (2, 2), (0, 2), (2, 1)}  # the rectangle analysis/sdc.py chooses too
    assert audit(as_table(COUNTS, hidden, protection=5)) == []
    # It works through files: the answers go to disk as microdata in its work folder, and its
    # solvers' logs (with cell values) into the process's working folder, wherever that is.
    assert (tmp_path / "work" / "micro.asc").exists()
    assert (tmp_path / "CSPlogfile.txt").exists() or (tmp_path / "sdc.lp").exists()


def test_pytauargus_never_pins_a_cell_but_leaves_narrower_intervals(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sparse = [[1, 2], [0, 12], [1, 0]]  # every cell small, a total of 16
    hidden = tau_hidden(sparse, tmp_path)
    widths = [high - low for low, high in bounds(grid(hidden, with_totals(sparse))).values()]
    assert min(widths) >= 1 and audit(as_table(sparse, hidden, protection=1)) == []
    # Its frequency rule with a 0 % safety range asks only that no cell is exact; Seula's margin
    # (half of min_cell unless told) is stricter.
    assert min(widths) == 4 and audit(as_table(sparse, hidden, protection=5))


@pytest.mark.parametrize("seed", range(6))
def test_pytauargus_patterns_pass_the_lp_audit_on_random_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    import random

    monkeypatch.chdir(tmp_path)
    chance = random.Random(seed)
    counts = [[chance.choice([0, 1, 3, 6, 9, 12, 25, 40]) for _ in range(4)] for _ in range(4)]
    counts = [row for row in counts if sum(row)] or [[12]]
    keep = [j for j in range(len(counts[0])) if any(row[j] for row in counts)]
    counts = [[row[j] for j in keep] for row in counts]
    hidden = tau_hidden(counts, tmp_path)
    truth = with_totals(counts)
    shown_small = [(i, j) for i, row in enumerate(truth) for j, v in enumerate(row)
                   if (i, j) not in hidden and 0 < v < 10]
    assert shown_small == []
    assert all(high - low >= 1 or math.isinf(high) for low, high in bounds(grid(hidden, truth)).values())
