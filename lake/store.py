"""Appending to and reading from the Parquet lake."""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from seula.lake import held
from seula.lake.files import exclusive_lock, read_json, sweep_temps, write_json_atomic, write_parquet_atomic
from seula.lake.home import lake_root
from seula.lake.schema import COLLECTED, TableSpec

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
REKEYING, REKEYED_OLD, COMPLETE = ".rekeying", ".old", "_rekeyed"  # a key rotation's folders (lake/rekey.py)
PARTIALS = "_partials"  # partial counts per posts file (lake/partials.py); they go when their file changes
ORIGIN = "_origin.json"  # where collections came from: real platforms or the emulators, never both


class LakeError(Exception):
    """A stored file or name is not what the lake expects."""


def check_name(kind: str, name: str) -> str:
    # Names become folder and SQL schema names: keep them to a safe alphabet.
    if not _NAME.match(name):
        raise LakeError(f"invalid {kind} name {name!r}: use lowercase letters, digits and _")
    return name


class Lake:
    def __init__(self, home: Path) -> None:
        self.home = home  # the data folder the lake lives in, with its keys and registers
        self.root = lake_root(home)
        self._recover_rekey()  # a key rotation a crash interrupted is finished (or undone) before anyone reads
        # (engagement, table) -> ({file: mtime_ns}, stored keys): appends stay cheap as the lake grows
        self._key_cache: dict[tuple[str, str], tuple[dict[Path, int], set[tuple]]] = {}

    def _recover_rekey(self) -> None:
        """Finish the swap of a re-keyed engagement folder (``lake.rekey``) a crash interrupted,
        or throw away a new folder that was never completed."""
        if not self.root.is_dir():
            return
        for new in self.root.glob(f".*{REKEYING}"):
            live = new.with_name(new.name[1:].removesuffix(REKEYING))
            if (new / COMPLETE).exists() and not live.exists():
                os.replace(new, live)  # the old folder had been moved aside: the new one takes its place
            elif not (new / COMPLETE).exists():
                shutil.rmtree(new)
        for old in self.root.glob(f".*{REKEYED_OLD}"):
            if old.with_name(old.name[1:].removesuffix(REKEYED_OLD)).exists():
                shutil.rmtree(old)

    def duckdb(self, database: Path | None = None) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection whose spill files stay inside the (owner-only) data folder."""
        con = duckdb.connect(str(database) if database else ":memory:")
        tmp = self.home / "tmp" / "duckdb"
        tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
        con.execute("SET temp_directory = ?", [str(tmp)])
        return con

    def engagement_dir(self, engagement: str) -> Path:
        return self.root / check_name("engagement", engagement)

    def table_dir(self, engagement: str, table: str) -> Path:
        return self.engagement_dir(engagement) / check_name("table", table)

    def key_record(self, engagement: str) -> dict[str, Any]:
        """What this engagement's pseudonyms were made with: the key's fingerprint and how many
        rotations apply (``generation``); empty before the first write."""
        return read_json(self.engagement_dir(engagement) / "_key.json", {})

    def record_key(self, engagement: str, record: dict[str, Any]) -> None:
        write_json_atomic(record, self.engagement_dir(engagement) / "_key.json")

    def origin(self, engagement: str) -> str | None:
        """Where the engagement's collections came from: "platforms", or "emulators" (synthetic data)."""
        return read_json(self.engagement_dir(engagement) / ORIGIN, {}).get("source")

    def record_origin(self, engagement: str, source: str) -> None:
        write_json_atomic({"source": source}, self.engagement_dir(engagement) / ORIGIN)

    def files(self, engagement: str, table: str) -> list[Path]:
        folder = self.table_dir(engagement, table)
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    def engagements(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []

    def tables(self, engagement: str) -> list[str]:
        folder = self.engagement_dir(engagement)
        return sorted(p.name for p in folder.iterdir()
                      if p.is_dir() and _NAME.match(p.name) and self.files(engagement, p.name)) if folder.is_dir() else []

    def read(self, engagement: str, table: str, schema: pa.Schema | None = None,
             columns: list[str] | None = None) -> pa.Table:
        files = self.files(engagement, table)
        if not files:
            if schema is None:
                raise LakeError(f"engagement {engagement!r} has no table {table!r}")
            return schema.empty_table() if columns is None else schema.empty_table().select(columns)
        try:
            return pa.concat_tables([pq.read_table(f, columns=columns) for f in files], promote_options="default")
        except (pa.ArrowInvalid, OSError) as exc:
            raise LakeError(f"unreadable file in {engagement}/{table}: {type(exc).__name__}") from None

    def append(self, engagement: str, spec: TableSpec, rows: pa.Table) -> int:
        """Add the rows whose key is not stored yet; returns how many were added.

        Keys make every append idempotent: a page fetched again after a crash, or an
        archive imported twice, adds nothing.
        """
        rows = spec.complete(rows)
        if rows.num_rows == 0:
            return 0
        with exclusive_lock(self.engagement_dir(engagement) / ".lock"):
            stored = self._stored_keys(engagement, spec)
            fresh: set[tuple] = set()
            keep = []
            for key in zip(*(rows[c].to_pylist() for c in spec.key)):
                keep.append(key not in stored and key not in fresh)
                fresh.add(key)  # the first row with a key wins within a batch too
            new = rows.filter(pa.array(keep, pa.bool_()))
            if new.num_rows:
                name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
                path = self.table_dir(engagement, spec.name) / name
                write_parquet_atomic(new, path)
                self._key_cache[(engagement, spec.name)][0][path] = path.stat().st_mtime_ns
                stored.update(fresh)
            return new.num_rows

    def _stored_keys(self, engagement: str, spec: TableSpec) -> set[tuple]:
        """The keys already stored, read once per file and kept while the files are unchanged."""
        files = {f: f.stat().st_mtime_ns for f in self.files(engagement, spec.name)}
        seen, keys = self._key_cache.get((engagement, spec.name), ({}, set()))
        if any(files.get(f) != mtime for f, mtime in seen.items()):
            seen, keys = {}, set()  # a file was rewritten or removed: start over
        for f in files.keys() - seen.keys():
            table = pq.read_table(f, columns=list(spec.key))
            keys.update(zip(*(table[c].to_pylist() for c in spec.key)))
            seen[f] = files[f]
        self._key_cache[(engagement, spec.name)] = (seen, keys)
        return keys

    def sweep_temps(self, engagement: str) -> int:
        """Clear what a killed writer left in this engagement's folder (under the writers' lock)."""
        with exclusive_lock(self.engagement_dir(engagement) / ".lock"):
            return sweep_temps(self.engagement_dir(engagement))

    def drop(self, engagement: str, table: str) -> None:
        """Remove a derived table (it is computed again when next needed)."""
        with exclusive_lock(self.engagement_dir(engagement) / ".lock"):
            for path in self.files(engagement, table):
                path.unlink()

    def drop_engagement(self, engagement: str) -> int:
        """Delete everything stored for an engagement (retention); returns files removed."""
        folder = self.engagement_dir(engagement)
        if not folder.is_dir():
            return 0
        files = [p for p in folder.rglob("*") if p.is_file()]
        trash = folder.with_name(f".{engagement}.deleting")
        os.replace(folder, trash)  # one rename: the engagement is gone for every reader at once
        shutil.rmtree(trash)
        return len(files)

    def replace(self, engagement: str, table: str, rows: pa.Table) -> None:
        """Swap a derived table's content for ``rows``: one file, replaced by a single rename."""
        with exclusive_lock(self.engagement_dir(engagement) / ".lock"):
            write_parquet_atomic(rows, self.table_dir(engagement, table) / "part-derived.parquet")

    def upgrade(self, engagement: str) -> int:
        """Give files written before a derived column or the footer's set of pseudonyms
        (``lake.held``) existed those; returns files rewritten."""
        changed = 0
        for spec in COLLECTED.values():  # it runs before every analysis
            derived = {name for name, _, _ in spec.derive}
            old = [f for f in self.files(engagement, spec.name) if _outdated(f, derived)]
            if old:
                changed += len(self.rewrite(engagement, spec, lambda table: table, only=old))
        return changed

    def rewrite(
        self, engagement: str, spec: TableSpec, transform: Callable[[pa.Table], pa.Table | None],
        only: list[Path] | None = None,
    ) -> list[Path]:
        """Rewrite, file by file, every stored file that ``transform`` changes; returns those files.

        ``transform`` returns None for a file it leaves alone; ``only`` limits the files read
        (those a query found the person in). Each file is swapped by one atomic rename, so a
        crash leaves every file either old or new, and running the same rewrite again
        finishes the job. One file is written (its set of pseudonyms, encoding, compression)
        while the next is read, transformed and completed: a rewrite uses two cores, and what a
        transform adds to a plain rewrite mostly hides behind the writing.
        """
        changed = []
        with exclusive_lock(self.engagement_dir(engagement) / ".lock"), ThreadPoolExecutor(1) as writer:
            writing: Future[None] | None = None
            for path in self.files(engagement, spec.name) if only is None else only:
                old = pq.read_table(path)
                new = transform(old)
                if new is None:
                    continue
                if writing is not None:
                    writing.result()  # one file in the writer's hands at a time: memory stays one file's
                writing = writer.submit(self._swap, engagement, path, spec.complete(new, previous=old))
                changed.append(path)
            if writing is not None:
                writing.result()
        return changed

    def _swap(self, engagement: str, path: Path, new: pa.Table) -> None:
        for partial in (self.engagement_dir(engagement) / PARTIALS).glob(f"*/{path.name}"):
            partial.unlink()  # before the file changes: a crash in between leaves none stale
        write_parquet_atomic(new, path)


def _outdated(path: Path, derived: set[str]) -> bool:
    meta = pq.read_metadata(path)
    return bool(derived - set(meta.schema.to_arrow_schema().names)) or held.KEY not in (meta.metadata or {})
