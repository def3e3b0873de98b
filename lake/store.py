"""Appending to and reading from the Parquet lake."""

from __future__ import annotations

import hashlib
import json
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

from seula.lake import held, location
from seula.lake.files import exclusive_lock, read_json, sweep_temps, write_json_atomic, write_parquet_atomic
from seula.lake.location import LakePath, lake_root, remote
from seula.lake.schema import COLLECTED, STORED, TableSpec

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
REKEYING, REKEYED_OLD, COMPLETE = ".rekeying", ".old", "_rekeyed"  # a key rotation's folders (lake/rekey.py)
PARTIALS = "_partials"  # partial counts per posts file (lake/partials.py); they go when their file changes
ORIGIN = "_origin.json"  # where collections came from: real platforms or the emulators, never both


class LakeError(Exception):
    """A stored file or name is not what the lake expects."""


class Outdated(Exception):
    """Rows prepared under rules that changed before they could be written (an erasure began):
    nothing was written; prepare them again."""


def check_name(kind: str, name: str) -> str:
    # Names become folder and SQL schema names: keep them to a safe alphabet.
    if not _NAME.match(name):
        raise LakeError(f"invalid {kind} name {name!r}: use lowercase letters, digits and _")
    return name


class Lake:
    def __init__(self, home: Path) -> None:
        self.home = home  # the data folder, with the keys and registers (local, wherever the lake is)
        self.root = lake_root(home)  # a folder of it, or a bucket (``lake.location``)
        self.remote = remote(self.root)
        self._recover_rekey()  # a key rotation a crash interrupted is finished (or undone) before anyone reads
        # (engagement, table) -> ({file: version}, stored keys): appends stay cheap as the lake grows
        self._key_cache: dict[tuple[str, str], tuple[dict[LakePath, tuple], set[tuple]]] = {}
        self._delta: dict[tuple[str, str], Any] = {}  # a bucket's table logs, kept per table

    def lock(self, engagement: str) -> Any:
        """One writer per engagement at a time, across processes: a lock file beside the
        engagement's tables, or for a bucket in the local data folder (with the Delta log's
        conditional commits, so that writers on other machines cannot lose each other's files)."""
        if not self.remote:
            return exclusive_lock(self.engagement_dir(engagement) / ".lock")
        lake_id = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        return exclusive_lock(self.home / "tmp" / "locks" / lake_id / f"{check_name('engagement', engagement)}.lock")

    def _log(self, engagement: str, table: str) -> Any:
        """A bucket's collected table as its Delta log names it (``lake.delta``)."""
        from seula.lake.delta import DeltaFolder

        key = (engagement, table)
        if key not in self._delta:
            self._delta[key] = DeltaFolder(self.table_dir(engagement, table), STORED[table].schema)
        return self._delta[key]

    def _recover_rekey(self) -> None:
        """Finish the swap of a re-keyed engagement folder (``lake.rekey``) a crash interrupted,
        or throw away a new folder that was never completed."""
        if self.remote or not self.root.is_dir():  # (a bucket's engagement is never re-keyed by a swap)
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
        """A DuckDB connection whose spill files stay inside the (owner-only) data folder, and
        which reads the lake wherever it is."""
        con = duckdb.connect(str(database) if database else ":memory:")
        tmp = self.home / "tmp" / "duckdb"
        tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
        con.execute("SET temp_directory = ?", [str(tmp)])
        for fs in location.duckdb_filesystems(self.root):
            con.register_filesystem(fs)
        return con

    def engagement_dir(self, engagement: str) -> LakePath:
        return self.root / check_name("engagement", engagement)

    def table_dir(self, engagement: str, table: str) -> LakePath:
        return self.engagement_dir(engagement) / check_name("table", table)

    def _read_record(self, engagement: str, name: str) -> dict[str, Any]:
        path = self.engagement_dir(engagement) / name
        if not self.remote:
            return read_json(path, {})
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _write_record(self, engagement: str, name: str, record: dict[str, Any]) -> None:
        path = self.engagement_dir(engagement) / name
        if not self.remote:
            write_json_atomic(record, path)
        else:
            location.write_bytes(json.dumps(record, indent=2, sort_keys=True).encode("utf-8"), path)

    def key_record(self, engagement: str) -> dict[str, Any]:
        """What this engagement's pseudonyms were made with: the key's fingerprint and how many
        rotations apply (``generation``); empty before the first write."""
        return self._read_record(engagement, "_key.json")

    def record_key(self, engagement: str, record: dict[str, Any]) -> None:
        self._write_record(engagement, "_key.json", record)

    def origin(self, engagement: str) -> str | None:
        """Where the engagement's collections came from: "platforms", or "emulators" (synthetic data)."""
        return self._read_record(engagement, ORIGIN).get("source")

    def record_origin(self, engagement: str, source: str) -> None:
        self._write_record(engagement, ORIGIN, {"source": source})

    def files(self, engagement: str, table: str) -> list[LakePath]:
        """A table's files: in a folder, the files there; in a bucket, a collected table's as
        its Delta log names them (a file written but not committed, or removed, is none of them)."""
        if self.remote and table in STORED:
            return self._log(engagement, table).files()
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
            return pa.concat_tables([location.read_table(f, columns=columns) for f in files], promote_options="default")
        except (pa.ArrowInvalid, OSError) as exc:
            raise LakeError(f"unreadable file in {engagement}/{table}: {type(exc).__name__}") from None

    def append(self, engagement: str, spec: TableSpec, rows: pa.Table, current: Callable[[], bool] | None = None) -> int:
        """Add the rows whose key is not stored yet; returns how many were added.

        Keys make every append idempotent: a page fetched again after a crash, or an
        archive imported twice, adds nothing. ``current`` is asked under the writers' lock
        whether the rows were prepared under the rules in force; if not, ``Outdated`` is
        raised and nothing is written (an erasure takes the same lock to rewrite files, so
        rows either precede its rewrite or are prepared again without the person).
        """
        rows = spec.complete(rows)
        if rows.num_rows == 0:
            return 0
        with self.lock(engagement):
            if current is not None and not current():
                raise Outdated(f"{engagement}/{spec.name}: the suppression list changed")
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
                if self.remote:
                    self._log(engagement, spec.name).commit([(path, new.num_rows)])
                self._key_cache[(engagement, spec.name)][0][path] = self._version(path)
                stored.update(fresh)
            return new.num_rows

    def _stored_keys(self, engagement: str, spec: TableSpec) -> set[tuple]:
        """The keys already stored, read once per file and kept while the files are unchanged."""
        files = {f: self._version(f) for f in self.files(engagement, spec.name)}
        seen, keys = self._key_cache.get((engagement, spec.name), ({}, set()))
        if any(files.get(f) != version for f, version in seen.items()):
            seen, keys = {}, set()  # a file was rewritten or removed: start over
        for f in files.keys() - seen.keys():
            table = location.read_table(f, columns=list(spec.key))
            keys.update(zip(*(table[c].to_pylist() for c in spec.key)))
            seen[f] = files[f]
        self._key_cache[(engagement, spec.name)] = (seen, keys)
        return keys

    def _version(self, path: LakePath) -> tuple:
        # A bucket's collected file is never changed under its name (a rewrite commits a new
        # name): its name is its version, and no request per file is needed to know it.
        return () if self.remote else location.version(path)

    def sweep_temps(self, engagement: str) -> int:
        """Clear what a killed writer left in this engagement's folder (under the writers' lock):
        half-written temporaries; in a bucket, unfinished uploads and files no log names."""
        with self.lock(engagement):
            if not self.remote:
                return sweep_temps(self.engagement_dir(engagement))
            swept = location.abort_uploads(self.engagement_dir(engagement))
            for table in STORED:
                folder = self.table_dir(engagement, table)
                if folder.exists():
                    named = set(self.files(engagement, table))
                    for orphan in folder.glob("part-*.parquet"):  # written, never committed (or removed)
                        if orphan not in named:
                            location.delete(orphan)
                            swept += 1
            return swept

    def drop(self, engagement: str, table: str) -> None:
        """Remove a derived table (it is computed again when next needed)."""
        with self.lock(engagement):
            for path in self.files(engagement, table):
                location.delete(path)

    def drop_engagement(self, engagement: str) -> int:
        """Delete everything stored for an engagement (retention); returns files removed."""
        folder = self.engagement_dir(engagement)
        if not folder.is_dir():
            return 0
        if self.remote:  # objects go one by one (every version of each): no rename to hide them at once
            self._delta = {k: v for k, v in self._delta.items() if k[0] != engagement}
            return location.delete_tree(folder)
        files = [p for p in folder.rglob("*") if p.is_file()]
        trash = folder.with_name(f".{engagement}.deleting")
        os.replace(folder, trash)  # one rename: the engagement is gone for every reader at once
        shutil.rmtree(trash)
        return len(files)

    def replace(self, engagement: str, table: str, rows: pa.Table) -> None:
        """Swap a derived table's content for ``rows``: one file, replaced by a single rename
        (in a bucket, by one PUT, its earlier versions deleted)."""
        with self.lock(engagement):
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
        only: list[LakePath] | None = None,
    ) -> list[LakePath]:
        """Rewrite, file by file, every stored file that ``transform`` changes; returns those files.

        ``transform`` returns None for a file it leaves alone; ``only`` limits the files read
        (those a query found the person in). Each file is swapped by one atomic rename, so a
        crash leaves every file either old or new, and running the same rewrite again
        finishes the job. One file is written (its set of pseudonyms, encoding, compression)
        while the next is read, transformed and completed: a rewrite uses two cores, and what a
        transform adds to a plain rewrite mostly hides behind the writing. Returns the files as
        they are now (in a bucket a rewritten file has a new name: objects are not renamed).
        """
        changed: list[tuple[LakePath, LakePath, int]] = []  # (old, new, rows)
        with self.lock(engagement), ThreadPoolExecutor(1) as writer:
            writing: Future[tuple[LakePath, LakePath, int]] | None = None
            for path in self.files(engagement, spec.name) if only is None else only:
                old = location.read_table(path)
                new = transform(old)
                if new is None:
                    continue
                if writing is not None:
                    changed.append(writing.result())  # one file in the writer's hands at a time: memory stays one file's
                writing = writer.submit(self._swap, engagement, path, spec.complete(new, previous=old))
            if writing is not None:
                changed.append(writing.result())
            if self.remote and changed:
                self._commit_swaps(engagement, spec, changed)
        return [new for _, new, _ in changed]

    def _swap(self, engagement: str, path: LakePath, new: pa.Table) -> tuple[LakePath, LakePath, int]:
        """Write ``new`` in place of ``path``: in a folder by one rename; in a bucket as a new
        object, which ``_commit_swaps`` then puts in the old one's place."""
        for partial in (self.engagement_dir(engagement) / PARTIALS).glob(f"*/{path.name}"):
            location.delete(partial)  # before the file changes: a crash in between leaves none stale
        if not self.remote:
            write_parquet_atomic(new, path)
            return path, path, new.num_rows
        renamed = path.with_name(f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet")
        write_parquet_atomic(new, renamed)
        return path, renamed, new.num_rows

    def _commit_swaps(self, engagement: str, spec: TableSpec, swaps: list[tuple[LakePath, LakePath, int]]) -> None:
        """One commit for a whole rewrite in a bucket (a commit per file cost most of a bucket
        erasure of many people): the new objects join the table and the old ones leave it at
        once; then the old ones go, each with every stored version. A crash before the commit
        leaves new objects no log names, one after it old ones: either way ``sweep_temps``
        deletes them before the next write."""
        self._log(engagement, spec.name).commit([(new, rows) for _, new, rows in swaps], [old for old, _, _ in swaps])
        for old, _, _ in swaps:
            location.delete(old)


def _outdated(path: LakePath, derived: set[str]) -> bool:
    meta = location.read_metadata(path)
    return bool(derived - set(meta.schema.to_arrow_schema().names)) or held.KEY not in (meta.metadata or {})
