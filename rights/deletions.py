"""What a platform deleted or withdrew (X's compliance results: deleted, protected, suspended
or deactivated), removed from every engagement like an erasure.

The ids are listed on the suppression list and turned into each engagement's pseudonyms, and
those are journaled (``rights/deletions.json``, pseudonyms only) before a file changes. Each
journal entry is then applied through the erasure's own engine and left only when its
postcondition holds, so a crash at any point is finished by the next run (an import, or the
requests run before every analysis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc

from seula.lake import schema
from seula.lake.files import exclusive_lock, read_json, write_json_atomic
from seula.lake.store import Lake
from seula.lake.subjects import Subjects, erase, remaining
from seula.rights.apply import DERIVED, ERASURE_PASSES, Hooks, drop_derived
from seula.rights.store import pseudonymiser, suppression


class DeletionIncomplete(Exception):
    """Something a platform deleted is still stored after every pass."""


@dataclass(frozen=True)
class Withdrawn:
    """One batch of deletions: the platform's ids of posts and of accounts."""

    platform: str
    posts: frozenset[str]
    accounts: frozenset[str]
    source: str  # where the list came from: "import/<file>", "compliance/<job>"


def _journal(home: Path) -> Path:
    return home / "rights" / "deletions.json"


def record(home: Path, withdrawn: Withdrawn) -> None:
    """Suppress the ids and journal what each engagement must lose, before any file changes."""
    suppression(home).add_withdrawn(withdrawn.platform, withdrawn.posts, withdrawn.accounts)
    lake = Lake(home)
    targets: dict[str, dict[str, list[str]]] = {}
    for e in lake.engagements():
        pseudo = pseudonymiser(lake, e)
        posts = {pseudo.post(withdrawn.platform, i) for i in withdrawn.posts}
        pids = {p for i in withdrawn.accounts for p in pseudo.account_history(withdrawn.platform, i)}
        posts, pids = _stored(lake, e, "posts", "post_pid", posts), _stored(lake, e, "accounts", "account_pid", pids) | \
            _stored(lake, e, "posts", "author_pid", pids)
        if posts or pids:
            targets[e] = {"posts": sorted(posts), "pids": sorted(pids)}
    path = _journal(home)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with exclusive_lock(path.with_name(".deletions.lock")):
        pending = read_json(path, [])
        pending.append({"source": withdrawn.source, "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
                        "targets": targets})
        write_json_atomic(pending, path)


def platform_ids(home: Path, engagement: str, platform: str) -> dict[str, list[str]]:
    """The platform's own ids of everything stored (``schema.PLATFORM_IDS``, unsealed), by
    kind (``post``, ``account``): what a compliance check asks the platform about."""
    lake = Lake(home)
    pseudo = pseudonymiser(lake, engagement)
    table = lake.read(engagement, "platform_ids", schema.PLATFORM_IDS.schema)
    found: dict[str, list[str]] = {"post": [], "account": []}
    for row in table.filter(pc.equal(table["platform"], platform)).to_pylist():
        found.setdefault(row["kind"], []).append(pseudo.unseal(platform, row["kind"], row["sealed"]))
    return found


def apply(home: Path, withdrawn: Withdrawn, hooks: Hooks) -> dict[str, int]:
    """Record ``withdrawn`` and finish every journaled deletion; rows removed per table."""
    record(home, withdrawn)
    return finish(home, hooks)


def _stored(lake: Lake, engagement: str, table: str, column: str, wanted: set[str]) -> set[str]:
    """Those of ``wanted`` that stand in ``column`` (the postcondition then looks for few)."""
    files = lake.files(engagement, table)
    if not wanted or not files:
        return set()
    con = lake.duckdb()
    try:
        return {r[0] for r in con.execute(
            f"SELECT DISTINCT {column} FROM read_parquet($files) WHERE {column} IN (SELECT unnest($wanted::VARCHAR[]))",
            {"files": [str(f) for f in files], "wanted": sorted(wanted)}).fetchall()}
    finally:
        con.close()


def finish(home: Path, hooks: Hooks) -> dict[str, int]:
    """Apply every journaled deletion until nothing of it is stored; rows removed per table."""
    path = _journal(home)
    lake = Lake(home)
    removed: dict[str, int] = {}
    with exclusive_lock(path.with_name(".deletions.lock")):
        pending = read_json(path, [])
        while pending:
            for e, t in pending[0]["targets"].items():
                if e in lake.engagements():
                    _apply(lake, e, Subjects(frozenset(t["pids"]), frozenset(t["posts"])), hooks, removed)
            pending = pending[1:]
            write_json_atomic(pending, path)
    return removed


def _apply(lake: Lake, engagement: str, who: Subjects, hooks: Hooks, removed: dict[str, int]) -> None:
    for _ in range(ERASURE_PASSES):
        lake.sweep_temps(engagement)
        for table, n in erase(lake, engagement, who).items():
            if table != "bytes_rewritten":
                removed[table] = removed.get(table, 0) + n
        drop_derived(lake, engagement, also=DERIVED)
        if hooks.purpose(engagement) is not None and lake.files(engagement, "posts"):
            hooks.rederive(engagement)
        if not remaining(lake, engagement, who):
            return
    raise DeletionIncomplete(f"{engagement}: platform deletions still stored after {ERASURE_PASSES} passes")
