"""Retention: an engagement's data are deleted once its end date plus its retention has passed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

from seula.lake.home import reports_dir, state_dir
from seula.lake.store import Lake


def sweep_expired(home: Path, today: date, expires: Callable[[str], date | None]) -> dict[str, int]:
    """Delete each engagement whose ``expires(engagement)`` day is before ``today``; files per
    engagement. An engagement whose rule is unknown (its file is gone) is kept."""
    lake = Lake(home)
    deleted: dict[str, int] = {}
    for e in lake.engagements():
        until = expires(e)
        if until is not None and until < today:
            deleted[e] = lake.drop_engagement(e)
            for folder in (state_dir(home, e), reports_dir(home, e)):
                shutil.rmtree(folder, ignore_errors=True)
    return deleted
