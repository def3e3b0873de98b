"""Statistical disclosure control for breakdowns by a sensitive attribute.

A cell counting fewer than ``min_count`` people is suppressed; if that leaves exactly one
suppressed cell in a table whose total is published, the next smallest cell is suppressed
too, so the hidden one cannot be recomputed from the total (secondary suppression).
Output checkers use 10 people per cell; Seula's default is the stricter of that practice
and the engagement's setting (see ``report.min_cell``).
"""

from __future__ import annotations


def suppress(cells: dict[str, int], min_count: int) -> dict[str, int | None]:
    out: dict[str, int | None] = {k: (v if v >= min_count else None) for k, v in cells.items()}
    hidden = [k for k, v in out.items() if v is None]
    if len(hidden) == 1:
        shown = sorted((v, k) for k, v in out.items() if v is not None)
        if shown:
            out[shown[0][1]] = None
    return out
