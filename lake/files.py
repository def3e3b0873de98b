"""Crash-safe file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from seula.lake import held, location
from seula.lake.location import LakePath


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_into(tmp: Path, target: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def write_parquet_atomic(table: pa.Table, target: LakePath) -> None:
    """Write ``table`` to ``target`` by one rename, with the set of pseudonyms it holds in its
    footer (``lake.held``), so an erasure can pass it by without reading it. In a bucket: by
    one upload (an object appears whole when it completes), and an object it replaces leaves
    no earlier version behind."""
    # The set first: in a rewrite this runs on the writer thread while the next file is read
    # (which leaves the interpreter free), not while it is transformed.
    found = held.of_table(table)
    if location.remote(target):
        fs, where = location.arrow(target)
        assert fs is not None
        with fs.open_output_stream(where) as out, pq.ParquetWriter(out, table.schema, compression="zstd") as writer:
            writer.write_table(table)
            if found is not None:
                writer.add_key_value_metadata({held.KEY: held.encode(found)})
        location.delete_old_versions(target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with pq.ParquetWriter(tmp, table.schema, compression="zstd") as writer:
            writer.write_table(table)
            if found is not None:
                writer.add_key_value_metadata({held.KEY: held.encode(found)})
        _replace_into(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomic(data: Any, target: Path, mode: int = 0o600) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True, default=str)
        _replace_into(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def sweep_temps(folder: Path) -> int:
    """Remove the half-written temporaries a killed writer left (a SIGKILL skips ``finally``).

    They were never renamed into place, so no reader ever saw them; but they may hold rows
    of a person erased since, so they must not linger. Returns how many were removed.
    """
    stale = [p for p in folder.rglob(".*.tmp") if p.is_file()] if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """One writer at a time per engagement, across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_bytes_atomic(data: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        _replace_into(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(text: str, target: Path) -> None:
    write_bytes_atomic(text.encode("utf-8"), target)


def read_json(path: Path, default: Any) -> Any:
    """A JSON document written by ``write_json_atomic``; ``default`` when there is none yet."""
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError(f"corrupt file {path}") from None
