"""Statistical disclosure control for survey tables: frequencies, cross-tabulations, means.

Primary suppression hides a count of 1 to ``min_cell - 1`` respondents and, for a magnitude,
a group where the largest ``n`` contributions exceed ``k`` of its total. Zeros count no one and
are shown, unless one must be hidden to protect another cell as a last resort; so a hidden
count may be 0, which is all the audit assumes of it.
Secondary suppression hides the cheapest further cells until :func:`audit`, which solves the
published table for every hidden cell by linear programming, finds no hidden cell pinned to an
interval narrower than the table's protection margin.

Margins are the true totals, and a cross-tabulation's margins are exactly the questions' own
frequency tables (non-response is a category, ``NO_ANSWER``), suppressed in the same pattern,
so publishing the frequencies beside the cross-tabulation reveals nothing more. The number of
respondents is hidden only if it is itself under ``min_cell``.
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TextIO

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

TOTAL = "Total"
NO_ANSWER = "(no answer)"
SYMBOL = ".."  # Statistics Finland's symbol for a figure withheld as confidential
EMPTY = "."  # a mean of no one
# Margins are the most used figures, and a hidden one spreads hiding into other tables.
_MARGIN_COST = 1e9
# A hidden zero protects a cell only downwards, and shows an empty combination no more.
_ZERO_COST = 1e6

Reason = Literal["primary", "dominance", "secondary"]
Kind = Literal["count", "share", "sum", "mean"]
Key = tuple[int, int]
Answer = str | Sequence[str] | frozenset[str] | set[str] | None


class DisclosureError(ValueError):
    """A table cannot be made or published without disclosing someone."""


@dataclass(frozen=True)
class Relation:
    """``sum(coef * cell) == 0`` (or ``<= 0``): what an intruder knows ties the cells together."""

    terms: tuple[tuple[Key, int], ...]
    equal: bool


@dataclass(frozen=True)
class Ratio:
    """``ratio = numerator / denominator`` (a share or a mean): shown only if both inputs are."""

    ratio: Key
    numerator: Key
    denominator: Key


@dataclass(frozen=True)
class Table:
    """A protected table. The last row is the total; in a cross-tabulation, the last column too.

    ``cells[i][j]`` is the published value, ``None`` where suppressed (why: ``reasons[(i, j)]``),
    ``nan`` for the mean of no one. ``relations`` and ``ratios`` are what an intruder knows
    about how the cells add up; :func:`audit` solves them.
    """

    title: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[float | None, ...], ...]
    reasons: Mapping[Key, Reason]
    kinds: tuple[Kind, ...]
    relations: tuple[Relation, ...]
    ratios: tuple[Ratio, ...]
    min_cell: int
    protection: float
    unit: float  # one respondent's worth in a sum column, for its protection margin
    nonnegative: bool
    dominance: tuple[int, float] | None = None
    notes: tuple[str, ...] = ()

    def cell(self, row: str, col: str) -> float | None:
        """The published value at two labels."""
        return self.cells[self.rows.index(row)][self.cols.index(col)]

    def suppressed(self) -> dict[tuple[str, str], Reason]:
        """Hidden cells by their labels, with the rule that hid them."""
        return {(self.rows[i], self.cols[j]): why for (i, j), why in self.reasons.items()}

    def to_rows(self) -> list[list[str | float]]:
        """A header and one list per row, hidden cells as ``SYMBOL`` (a mean of no one ``EMPTY``)."""
        body = [[label, *(_shown(v) for v in values)] for label, values in zip(self.rows, self.cells)]
        return [[self.title, *self.cols], *body]

    def footnote(self) -> str:
        """What the symbols mean and which rules hid cells."""
        used = set(self.reasons.values())
        rules = [f"fewer than {self.min_cell} respondents"] if "primary" in used else []
        if "dominance" in used and self.dominance:
            n, k = self.dominance
            largest = "the largest answer makes" if n == 1 else f"the largest {n} answers make"
            rules.append(f"{largest} up over {k:.0%} of the group's total")
        if "secondary" in used:
            rules.append("hidden so that other hidden figures cannot be worked out from the totals")
        lines = [f"{SYMBOL} withheld: {'; '.join(rules)}."] if rules else []
        if any(isinstance(v, float) and math.isnan(v) for row in self.cells for v in row):
            lines.append(f"{EMPTY} no respondents.")
        return " ".join([*lines, *self.notes])


def frequency(
    values: Sequence[Answer],
    min_cell: int = 10,
    *,
    categories: Sequence[str] | None = None,
    protection: int | None = None,
    title: str = "",
) -> Table:
    """Counts and shares (%) of one question's answers, and the total of respondents.

    ``None`` (or an empty list) is counted as ``NO_ANSWER``. A list of answers makes it a
    multiple-choice question: each choice is counted, shares are of respondents, and the
    choices need not add up to the total.
    """
    _check_min_cell(min_cell)
    dim = _Dimension.of(values, categories)
    draft = _frequency_draft(dim, min_cell, _protection(protection, min_cell), title)
    return _protect(draft)


def crosstab(
    rows: Sequence[Answer],
    cols: Sequence[Answer],
    min_cell: int = 10,
    *,
    row_categories: Sequence[str] | None = None,
    col_categories: Sequence[str] | None = None,
    protection: int | None = None,
    title: str = "",
) -> Table:
    """Respondents by two questions, with row and column margins and the grand total.

    The margins are the two questions' frequency counts, hidden exactly where
    :func:`frequency` hides them; a multiple-choice question's margins count respondents,
    so its cells need not add up to them.
    """
    _check_min_cell(min_cell)
    _check_lengths(rows, cols)
    rdim, cdim = _Dimension.of(rows, row_categories), _Dimension.of(cols, col_categories)
    draft = _crosstab_draft(rdim, cdim, min_cell, _protection(protection, min_cell), title)
    return _protect(draft)


def means(
    groups: Sequence[Answer],
    values: Sequence[float | None],
    min_cell: int = 10,
    dominance: tuple[int, float] | None = (1, 0.85),
    *,
    categories: Sequence[str] | None = None,
    protection: int | None = None,
    title: str = "",
) -> Table:
    """Count, sum and mean of a magnitude per group, and overall.

    A group is hidden if fewer than ``min_cell`` respondents gave a value, and its sum and
    mean if the largest ``n`` of its values make up more than ``k`` of its sum (``dominance``
    ``(n, k)``; ``None`` for none, e.g. for a scale whose answers cannot dominate).
    Where some values are missing, n counts those who gave one, and a column of respondents
    (the group question's frequencies, hidden alike) is added.
    """
    _check_min_cell(min_cell)
    _check_lengths(groups, values)
    numbers = [_number(v) for v in values]
    if dominance is not None:
        _check_dominance(dominance, numbers)
    dim = _Dimension.of(groups, categories)
    draft = _means_draft(dim, numbers, min_cell, dominance, _protection(protection, min_cell), title)
    return _protect(draft)


def audit(table: Table) -> list[str]:
    """What an output checker would object to: small counts shown, hidden cells recoverable.

    For each hidden count or sum, its least and greatest value consistent with the published
    cells and the table's relations (hidden counts, and sums of non-negative values, at least
    0) is solved for; an interval narrower than the protection margin is a finding.
    """
    findings = [f"{_label(table, k)}: {v:g} shown, fewer than {table.min_cell} respondents"
                for k, v in _published(table).items()
                if table.kinds[k[1]] == "count" and 0 < v < table.min_cell]
    findings += _ratio_findings(table)
    for key, (low, high) in _intervals(table).items():
        if high - low < _margin(table, key) - 1e-6:
            findings.append(f"{_label(table, key)}: hidden, but the published cells pin it to "
                            f"[{low:g}, {high:g}]")
    return findings


def write_csv(table: Table, out: Path | TextIO) -> Path | TextIO:
    """The table as CSV, hidden cells as ``SYMBOL``, its footnote under it (a ".." means nothing
    without it); refused if the audit finds anything."""
    publishable(table)
    footnote = table.footnote()
    rows = [*table.to_rows(), *([[], [footnote]] if footnote else [])]
    if isinstance(out, Path):
        with out.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    else:
        csv.writer(out).writerows(rows)
    return out


def write_xlsx(table: Table, path: Path) -> Path:
    """The table as one worksheet with the footnote under it; refused like :func:`write_csv`."""
    from openpyxl import Workbook

    publishable(table)
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(table.title)
    for row in table.to_rows():
        sheet.append(row)
    sheet.append([])
    sheet.append([table.footnote()])
    book.save(path)
    return path


def to_html(table: Table) -> str:
    """The table as an HTML ``<table>`` with its footnote; refused like :func:`write_csv`."""
    publishable(table)
    header, *body = table.to_rows()
    head = "".join(f"<th>{html.escape(str(v))}</th>" for v in header)
    rows = "".join("<tr><th>" + html.escape(str(r[0])) + "</th>"
                   + "".join(f"<td>{html.escape(_format(v))}</td>" for v in r[1:]) + "</tr>"
                   for r in body)
    return (f"<table class=\"sdc\"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
            f"<tfoot><tr><td colspan=\"{len(header)}\">{html.escape(table.footnote())}</td></tr>"
            "</tfoot></table>")


# --- Building tables -------------------------------------------------------------------


@dataclass(frozen=True)
class _Dimension:
    """One question's categories and each respondent's answers as category indices."""

    labels: tuple[str, ...]
    answers: tuple[frozenset[int], ...]
    multiple: bool
    no_answer: int | None  # index of NO_ANSWER, if anyone gave none

    @staticmethod
    def of(values: Sequence[Answer], categories: Sequence[str] | None) -> _Dimension:
        chosen = [_choices(v) for v in values]
        seen = set().union(*chosen)
        labels = list(categories) if categories is not None else sorted(seen)
        for label in labels:
            if label in (TOTAL, NO_ANSWER):
                raise DisclosureError(f"an answer may not be called {label!r}")
        unknown = seen - set(labels)
        if unknown:
            raise DisclosureError(f"answer {min(unknown)!r} is not one of the question's categories")
        if len(set(labels)) != len(labels):
            raise DisclosureError("the question's categories repeat")
        no_answer = len(labels) if any(not c for c in chosen) else None
        index = {label: i for i, label in enumerate(labels)}
        answers = tuple(frozenset(index[c] for c in cs) if cs else frozenset({no_answer}) for cs in chosen)
        multiple = any(v is not None and not isinstance(v, str) for v in values)
        return _Dimension(tuple(labels) + ((NO_ANSWER,) if no_answer is not None else ()),
                          answers, multiple, no_answer)

    def count(self) -> list[int]:
        counts = [0] * len(self.labels)
        for answer in self.answers:
            for i in answer:
                counts[i] += 1
        return counts


@dataclass
class _Draft:
    """A table being protected: true values, what is hidden so far, and what may not be."""

    title: str
    rows: list[str]
    cols: list[str]
    kinds: list[Kind]
    values: dict[Key, float]
    relations: list[Relation]
    ratios: list[Ratio]
    min_cell: int
    protection: float
    nonnegative: bool = True
    dominance: tuple[int, float] | None = None
    total_col: int | None = None
    hidden: dict[Key, Reason] = field(default_factory=dict)
    locked: set[Key] = field(default_factory=set)  # margins the frequency tables show
    companions: dict[Key, list[Key]] = field(default_factory=dict)  # hidden along with the key
    reach: dict[Key, float] = field(default_factory=dict)  # dominance: how high a bound must go
    cost: dict[Key, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def hide(self, key: Key, reason: Reason) -> None:
        """Hide a cell and whatever would give it away (a count's share, a sum's mean)."""
        if key in self.hidden:
            return
        self.hidden[key] = reason
        for other in self.companions.get(key, []):
            self.hide(other, reason)

    def unit(self) -> float:
        """One respondent's worth in a sum column: the overall mean, where it is shown."""
        total = len(self.rows) - 1
        mean = self.cols.index("mean") if "mean" in self.cols else None
        if mean is None or (total, mean) in self.hidden or math.isnan(self.values[(total, mean)]):
            return 0.0
        return abs(self.values[(total, mean)])

    def table(self) -> Table:
        cells = tuple(tuple(None if (i, j) in self.hidden else self.values[(i, j)]
                            for j in range(len(self.cols))) for i in range(len(self.rows)))
        return Table(self.title, tuple(self.rows), tuple(self.cols), cells, dict(self.hidden),
                     tuple(self.kinds), tuple(self.relations), tuple(self.ratios), self.min_cell,
                     self.protection, self.unit(), self.nonnegative, self.dominance, tuple(self.notes))


def _frequency_draft(dim: _Dimension, min_cell: int, protection: float, title: str) -> _Draft:
    counts = dim.count()
    total, n_rows = len(dim.answers), len(dim.labels)
    values: dict[Key, float] = {}
    for i, n in enumerate([*counts, total]):
        values[(i, 0)] = n
        values[(i, 1)] = round(100 * n / total, 1) if total else math.nan
    relations = _line((n_rows, 0), [(i, 0) for i in range(n_rows)], dim.no_answer, dim.multiple)
    ratios = [Ratio((i, 1), (i, 0), (n_rows, 0)) for i in range(n_rows + 1)]
    draft = _Draft(title, [*dim.labels, TOTAL], ["n", "%"], ["count", "share"], values, relations,
                   ratios, min_cell, protection)
    # A share shows its count to anyone who has the total, and the total to anyone with the count.
    draft.companions = {(i, 0): [(i, 1)] for i in range(n_rows)}
    draft.companions[(n_rows, 0)] = [(i, 1) for i in range(n_rows + 1)]
    _hide_small_counts(draft)
    # The number of respondents is in every table and the report: hidden only if itself small.
    draft.locked.add((n_rows, 0))
    if dim.multiple:
        draft.notes.append("Respondents could choose several answers; shares are of respondents.")
    return draft


def _crosstab_draft(rdim: _Dimension, cdim: _Dimension, min_cell: int, protection: float,
                    title: str) -> _Draft:
    nr, nc = len(rdim.labels), len(cdim.labels)
    values: dict[Key, float] = {(i, j): 0 for i in range(nr + 1) for j in range(nc + 1)}
    for rs, cs in zip(rdim.answers, cdim.answers):
        for i in rs:
            for j in cs:
                values[(i, j)] += 1
    for i, n in enumerate(rdim.count()):
        values[(i, nc)] = n
    for j, n in enumerate(cdim.count()):
        values[(nr, j)] = n
    values[(nr, nc)] = len(rdim.answers)
    relations = [r for i in range(nr + 1)
                 for r in _line((i, nc), [(i, j) for j in range(nc)], cdim.no_answer, cdim.multiple)]
    relations += [r for j in range(nc + 1)
                  for r in _line((nr, j), [(i, j) for i in range(nr)], rdim.no_answer, rdim.multiple)]
    draft = _Draft(title, [*rdim.labels, TOTAL], [*cdim.labels, TOTAL], ["count"] * (nc + 1), values,
                   relations, [], min_cell, protection, total_col=nc)
    _hide_small_counts(draft)
    _lock_margins(draft, rdim, cdim, min_cell, protection)
    notes = [f"Respondents could choose several {axis}; the totals count respondents."
             for axis, dim in (("rows", rdim), ("columns", cdim)) if dim.multiple]
    draft.notes.extend(notes)
    return draft


def _means_draft(dim: _Dimension, numbers: list[float | None], min_cell: int,
                 dominance: tuple[int, float] | None, protection: float, title: str) -> _Draft:
    # Where values are missing, n is no longer the group question's frequency: that becomes a
    # column of its own, so the audit sees both tables at once.
    missing = any(v is None for v in numbers)
    cols = ["respondents", "n", "sum", "mean"] if missing else ["n", "sum", "mean"]
    at = {c: j for j, c in enumerate(cols)}
    n_rows = len(dim.labels)
    members = [[v for a, v in zip(dim.answers, numbers) if i in a] for i in range(n_rows)]
    members.append(list(numbers))
    values: dict[Key, float] = {}
    for i, group in enumerate(members):
        given = [v for v in group if v is not None]
        row = {"respondents": len(group), "n": len(given), "sum": math.fsum(given),
               "mean": math.fsum(given) / len(given) if given else math.nan}
        values.update({(i, j): row[c] for j, c in enumerate(cols)})
    nonnegative = all(v is None or v >= 0 for v in numbers)
    summed = ["respondents", "n", "sum"] if missing else ["n", "sum"]
    if dim.multiple and not nonnegative:
        summed.remove("sum")  # overlapping groups' sums bound the total only if none is negative
    relations = [r for c in summed
                 for r in _line((n_rows, at[c]), [(i, at[c]) for i in range(n_rows)], dim.no_answer, dim.multiple)]
    if missing:
        relations += [Relation((((i, at["n"]), 1), ((i, at["respondents"]), -1)), False) for i in range(n_rows + 1)]
    ratios = [Ratio((i, at["mean"]), (i, at["sum"]), (i, at["n"])) for i in range(n_rows + 1)]
    kinds: list[Kind] = ["sum" if c == "sum" else "mean" if c == "mean" else "count" for c in cols]
    draft = _Draft(title, [*dim.labels, TOTAL], cols, kinds, values, relations, ratios, min_cell,
                   protection, nonnegative, dominance)
    draft.companions = {(i, at["n"]): [(i, at["sum"])] for i in range(n_rows + 1)}
    draft.companions.update({(i, at["sum"]): [(i, at["mean"])] for i in range(n_rows + 1)})
    # Hiding a sum costs its group's respondents, the same currency as a count.
    draft.cost = {(i, at["sum"]): values[(i, at["n"])] for i in range(n_rows + 1)}
    _hide_small_counts(draft)
    if dominance is not None:
        _hide_dominated(draft, members, at["sum"], dominance)
    frequencies = _frequency_draft(dim, min_cell, protection, "")
    column = at["respondents"] if missing else at["n"]
    _lock(draft, [((i, column), (i, 0)) for i in range(n_rows + 1)], frequencies)
    if missing:
        draft.notes.append("n counts those who gave a value.")
    if dim.multiple:
        draft.notes.append("Respondents could belong to several groups; the total counts each once.")
    return draft


def _line(whole: Key, parts: list[Key], no_answer: int | None, multiple: bool) -> list[Relation]:
    """How a total relates to its parts: their sum, or for several choices, bounds on it."""
    if not multiple:
        return [Relation(((whole, 1), *((p, -1) for p in parts)), True)]
    # Those who gave no answer chose nothing else, so they and any one choice fit in the total.
    silent = ((parts[no_answer], 1),) if no_answer is not None else ()
    caps = [Relation(((p, 1), *silent, (whole, -1)), False) for p in parts if (p, 1) not in silent]
    return [*caps, Relation(((whole, 1), *((p, -1) for p in parts)), False)]


def _hide_small_counts(draft: _Draft) -> None:
    for (i, j), v in sorted(draft.values.items()):
        if draft.kinds[j] == "count" and 0 < v < draft.min_cell:
            draft.hide((i, j), "primary")


def _hide_dominated(draft: _Draft, members: list[list[float | None]], col: int,
                    dominance: tuple[int, float]) -> None:
    n, k = dominance
    for i, group in enumerate(members):
        given = sorted((v for v in group if v is not None), reverse=True)
        top, total = math.fsum(given[:n]), math.fsum(given)
        if total > 0 and top > k * total:
            draft.hide((i, col), "dominance")
            # The runner-up knows their own value: the bound must leave the top share under k.
            draft.reach[(i, col)] = top / k


def _lock_margins(draft: _Draft, rdim: _Dimension, cdim: _Dimension, min_cell: int,
                  protection: float) -> None:
    nr, nc = len(rdim.labels), len(cdim.labels)
    _lock(draft, [((i, nc), (i, 0)) for i in range(nr + 1)], _frequency_draft(rdim, min_cell, protection, ""))
    _lock(draft, [((nr, j), (j, 0)) for j in range(nc + 1)], _frequency_draft(cdim, min_cell, protection, ""))


def _lock(draft: _Draft, pairs: list[tuple[Key, Key]], frequencies: _Draft) -> None:
    """Make margins hidden exactly where the question's frequency table hides them."""
    protected = _protect(frequencies)
    for mine, theirs in pairs:
        if theirs in protected.reasons:
            draft.hide(mine, protected.reasons[theirs])
        draft.locked.add(mine)


# --- Protecting tables -------------------------------------------------------------------


def _protect(draft: _Draft) -> Table:
    """Hide further cells, cheapest first, until no hidden cell can be worked out."""
    while True:
        _complete_lines(draft)
        failing = _first_failure(draft)
        if failing is None:
            return draft.table()
        draft.hide(_best_fix(draft, failing), "secondary")


def _complete_lines(draft: _Draft) -> None:
    """No sum may have exactly one hidden term: it would be the published rest's difference."""
    changed = True
    while changed:
        changed = False
        for relation in draft.relations:
            keys = [k for k, _ in relation.terms]
            hidden = [k for k in keys if k in draft.hidden]
            if relation.equal and len(hidden) == 1:
                draft.hide(_cheapest(draft, hidden[0], keys), "secondary")
                changed = True


def _first_failure(draft: _Draft) -> Key | None:
    table = draft.table()
    system = _System(table)
    # Cells the rules hid come first: protecting them often protects the rest.
    for key in sorted(draft.hidden, key=lambda k: (draft.hidden[k] == "secondary", k)):
        if _shortfall(draft, table, key, system.bounds(key)) > 0:
            return key
    return None


def _shortfall(draft: _Draft, table: Table, key: Key, interval: tuple[float, float]) -> float:
    """How much wider (or, for a dominated sum, higher) the intruder's interval must get."""
    low, high = interval
    short = _margin(table, key) - (high - low)
    if key in draft.reach:
        short = max(short, draft.reach[key] - high)
    return short if short > 1e-6 else 0.0


def _best_fix(draft: _Draft, key: Key) -> Key:
    """The cell whose hiding protects ``key`` best for what it costs, tried by solving."""
    table = draft.table()
    before = _shortfall(draft, table, key, _System(table).bounds(key))
    # The failing cell's own sums first, then those of any hidden cell, then anywhere.
    pools = (_neighbours(draft, {key}), _neighbours(draft, set(draft.hidden)), set(draft.values))
    tried: list[list[_Trial]] = []
    for pool in pools:
        trials = [t for k in sorted(pool) if _hideable(draft, k) for t in [_try(draft, k, key)] if t]
        helping = [_score(t, before) for t in trials if t.after < before - 1e-9]
        if helping:
            return min(helping)[-1]
        tried.append(trials)
    # Where no one cell helps (it can take two, each pinning the other while it is shown), hide
    # the cheapest that is safe itself, else one that more hiding can free, and go on.
    for trials in tried:
        safe = [(t.cost, t.candidate) for t in trials if t.safe]
        if safe:
            return min(safe)[-1]
    freeable = _freeable(draft)
    for trials in tried:
        later = [(t.cost, t.candidate) for t in trials if t.candidate in freeable]
        if later:
            return min(later)[-1]
    raise _unprotectable(draft, key)


def _freeable(draft: _Draft) -> set[Key]:
    """Cells that are not pinned once everything that may be hidden is."""
    everything = replace(draft, hidden=dict(draft.hidden))
    for key in draft.values:
        if _hideable(everything, key):
            everything.hide(key, "secondary")
    table = everything.table()
    system = _System(table)
    return {k for k in everything.hidden if _shortfall(everything, table, k, system.bounds(k)) == 0}


@dataclass(frozen=True)
class _Trial:
    candidate: Key
    after: float  # the failing cell's shortfall with the candidate hidden
    cost: float  # of the candidate and the hiding it forces
    safe: bool  # the candidate is not itself pinned


def _try(draft: _Draft, candidate: Key, key: Key) -> _Trial | None:
    """Hide ``candidate``, and what that forces, in a copy; None if that cannot be done."""
    trial = replace(draft, hidden=dict(draft.hidden))
    trial.hide(candidate, "secondary")
    try:
        _complete_lines(trial)
    except DisclosureError:
        return None
    table = trial.table()
    system = _System(table)
    cost = sum(_own_cost(draft, k) for k in trial.hidden if k not in draft.hidden)
    return _Trial(candidate, _shortfall(trial, table, key, system.bounds(key)), cost,
                  _shortfall(trial, table, candidate, system.bounds(candidate)) == 0)


def _score(trial: _Trial, before: float) -> tuple[int, float, float, Key]:
    # Enough protection at least cost; failing that, the most protection for the cost.
    if trial.after == 0:
        return (0, trial.cost, 0.0, trial.candidate)
    return (1, -(before - trial.after) / (trial.cost + 1), trial.cost, trial.candidate)


def _cheapest(draft: _Draft, key: Key, among: list[Key]) -> Key:
    """The cheapest cell of ``among`` to hide beside ``key``."""
    choices = [k for k in among if _hideable(draft, k)]
    if not choices:
        raise _unprotectable(draft, key)
    return min(choices, key=lambda k: (_cost(draft, k), k))


def _unprotectable(draft: _Draft, key: Key) -> DisclosureError:
    return DisclosureError(f"{draft.title or 'the table'}: cannot protect {_label(draft.table(), key)} "
                           "without hiding a total that its frequency table shows")


def _neighbours(draft: _Draft, keys: set[Key]) -> set[Key]:
    return {k for r in draft.relations if any(t in keys for t, _ in r.terms) for k, _ in r.terms}


def _hideable(draft: _Draft, key: Key) -> bool:
    kind = draft.kinds[key[1]]
    return key not in draft.hidden and key not in draft.locked and kind in ("count", "sum")


def _own_cost(draft: _Draft, key: Key) -> float:
    """What hiding the cell loses: its respondents, more for a zero, far more for a margin."""
    own = draft.cost.get(key, draft.values[key])
    if draft.kinds[key[1]] == "count" and draft.values[key] == 0:
        own = _ZERO_COST
    margin = _MARGIN_COST if key[0] == len(draft.rows) - 1 or key[1] == draft.total_col else 0
    return own + margin


def _cost(draft: _Draft, key: Key) -> float:
    """Its own cost, plus what completing each sum it would be the only hidden term of costs."""
    spread = 0.0
    for relation in draft.relations:
        keys = [k for k, _ in relation.terms]
        if relation.equal and key in keys and not any(k in draft.hidden for k in keys):
            others = [_own_cost(draft, k) for k in keys if k != key and _hideable(draft, k)]
            spread += min(others, default=_MARGIN_COST)
    return _own_cost(draft, key) + spread


# --- Auditing ----------------------------------------------------------------------------


def _published(table: Table) -> dict[Key, float]:
    return {(i, j): v for i, row in enumerate(table.cells) for j, v in enumerate(row) if v is not None}


def _intervals(table: Table) -> dict[Key, tuple[float, float]]:
    """The least and greatest value each hidden count or sum can take, given what is shown."""
    system = _System(table)
    return {key: system.bounds(key) for key in system.unknown}


class _System:
    """The published table as equations and inequalities in its hidden counts and sums."""

    def __init__(self, table: Table) -> None:
        shown = _published(table)
        self.unknown = sorted({k for r in table.relations for k, _ in r.terms if k not in shown})
        self.column = {k: n for n, k in enumerate(self.unknown)}
        rows, lower, self.upper = [], [], []
        for relation in table.relations:
            row = np.zeros(len(self.unknown))
            constant = 0.0
            for key, coef in relation.terms:
                if key in self.column:
                    row[self.column[key]] += coef
                else:
                    constant += coef * shown[key]
            if row.any():
                rows.append(row)
                lower.append(-constant if relation.equal else -np.inf)
                self.upper.append(-constant)
        self.a = np.array(rows) if rows else np.zeros((0, len(self.unknown)))
        self.equal = np.array(lower) == np.array(self.upper)
        self.upper = np.array(self.upper)
        self.counts = np.array([table.kinds[k[1]] == "count" for k in self.unknown], dtype=bool)
        self.low = np.where(self.counts | table.nonnegative, 0.0, -np.inf)

    def bounds(self, key: Key) -> tuple[float, float]:
        """The hidden cell's least and greatest value (infinite where nothing bounds it)."""
        if key not in self.column:
            return -math.inf, math.inf
        direction = np.zeros(len(self.unknown))
        direction[self.column[key]] = 1.0
        return self._minimum(direction), -self._minimum(-direction)

    def _minimum(self, c: np.ndarray) -> float:
        result = self._solve(c, presolve=True)
        if result.status in (2, 4):
            # HiGHS's presolve can call a feasible, unbounded problem infeasible (as in
            # ERGO-Code/HiGHS#1530 and #2511), or not tell the two apart: ask without it.
            result = self._solve(c, presolve=False)
        if result.status in (2, 4):
            raise DisclosureError("the table's published cells contradict each other")
        return -math.inf if result.status == 3 else float(result.fun)

    def _solve(self, c: np.ndarray, presolve: bool):
        eq, ub = self.equal, ~self.equal
        result = linprog(c, A_eq=self.a[eq] if eq.any() else None, b_eq=self.upper[eq] if eq.any() else None,
                         A_ub=self.a[ub] if ub.any() else None, b_ub=self.upper[ub] if ub.any() else None,
                         bounds=[(low, None) for low in self.low], method="highs", options={"presolve": presolve})
        # Counts are whole numbers. A corner of the relaxation that already is one is the whole-number
        # optimum too (as always in single-choice tables with margins, network matrices); else branch.
        if result.status != 0 or np.allclose(result.x[self.counts], np.round(result.x[self.counts])):
            return result
        return milp(c, integrality=self.counts.astype(int), bounds=Bounds(self.low, np.inf),
                    constraints=LinearConstraint(self.a, np.where(self.equal, self.upper, -np.inf), self.upper),
                    options={"presolve": presolve})


def _margin(table: Table, key: Key) -> float:
    """How wide an intruder's interval for a hidden cell must stay; never a single value."""
    if table.kinds[key[1]] == "sum":
        return max(table.protection * table.unit, 1e-9)
    return table.protection


def _ratio_findings(table: Table) -> list[str]:
    shown = _published(table)
    out = []
    for ratio in table.ratios:
        inputs = [ratio.numerator in shown, ratio.denominator in shown]
        if ratio.ratio in shown and not all(inputs):
            out.append(f"{_label(table, ratio.ratio)}: shown, and gives away the hidden figure it is made of")
        elif ratio.ratio not in shown and all(inputs):
            out.append(f"{_label(table, ratio.ratio)}: hidden, but its inputs are shown")
    return out


# --- Small helpers -----------------------------------------------------------------------


def publishable(table: Table) -> None:
    """Refuse (DisclosureError, one line) a table the audit finds anything in."""
    findings = audit(table)
    if findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise DisclosureError(f"{table.title or 'the table'} fails the disclosure audit: {findings[0]}{more}")


def _label(table: Table, key: Key) -> str:
    return f"{table.rows[key[0]]} × {table.cols[key[1]]}"


def _shown(value: float | None) -> str | float:
    if value is None:
        return SYMBOL
    return EMPTY if math.isnan(value) else value


def _format(value: str | float) -> str:
    if isinstance(value, str):
        return value
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    return cleaned or "table"


def _choices(value: Answer) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def _number(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DisclosureError(f"{value!r} is not a finite number")
    return float(value)


def _protection(protection: int | None, min_cell: int) -> float:
    chosen = max(1, min_cell // 2) if protection is None else protection
    if chosen < 1:
        raise DisclosureError("protection must be at least 1 respondent")
    return float(chosen)


def _check_min_cell(min_cell: int) -> None:
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise DisclosureError(f"min_cell must be a whole number of at least 1, not {min_cell!r}")


def _check_lengths(first: Sequence[object], second: Sequence[object]) -> None:
    if len(first) != len(second):
        raise DisclosureError(f"the two questions have {len(first)} and {len(second)} answers")


def _check_dominance(dominance: tuple[int, float], numbers: list[float | None]) -> None:
    n, k = dominance
    if not (isinstance(n, int) and n >= 1 and 0 < k < 1):
        raise DisclosureError(f"dominance must be (n >= 1, 0 < k < 1), not {dominance!r}")
    if any(v is not None and v < 0 for v in numbers):
        raise DisclosureError("the dominance rule needs values of at least 0; pass dominance=None")
