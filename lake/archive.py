"""Seula's own archive format: an engagement's sieved tables, to move or restore them.

A folder with one Parquet file per collected table and a ``manifest.json`` (format, version,
engagement, a check value of the engagement key, and each file's rows and SHA-256). Every
key in it is the engagement's own pseudonym, so an archive can only go back into the same
engagement under the same master secret: the importer checks both before reading a row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from seula.lake import schema
from seula.lake.files import write_json_atomic, write_parquet_atomic
from seula.lake.store import Lake, LakeError

FORMAT = "seula-archive"
VERSION = 1
# The collected tables that make up an engagement's data (the quarantine and the collection
# log stay behind: they are about runs, not about the data).
TABLES = (schema.ACCOUNTS, schema.POSTS, schema.FOLLOWS, schema.INTERACTIONS, schema.IDENTITY_INDEX)


class ArchiveError(LakeError):
    """An archive cannot be read or does not fit; the message is one line."""


@dataclass(frozen=True)
class Archive:
    engagement: str
    key_check: str
    created: str
    tables: dict[str, pa.Table]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(lake: Lake, engagement: str, folder: Path, key_check: str) -> list[Path]:
    """Write the archive into ``folder`` (created; must be empty); returns its files."""
    if folder.exists() and any(folder.iterdir()):
        raise ArchiveError(f"{folder} is not empty: give a new folder for the archive")
    folder.mkdir(parents=True, exist_ok=True)
    files, entries = [], {}
    for spec in TABLES:
        table = lake.read(engagement, spec.name, spec.schema)
        path = folder / f"{spec.name}.parquet"
        write_parquet_atomic(table, path)
        files.append(path)
        entries[spec.name] = {"file": path.name, "rows": table.num_rows, "sha256": _sha256(path)}
    manifest = {"format": FORMAT, "version": VERSION, "engagement": engagement, "key_check": key_check,
                "created": datetime.now(UTC).isoformat(timespec="seconds"), "seula_version": version("seula"),
                "tables": entries}
    write_json_atomic(manifest, folder / "manifest.json", mode=0o644)
    return [*files, folder / "manifest.json"]


def is_archive(path: Path) -> bool:
    return (path / "manifest.json").is_file() if path.is_dir() else path.name == "manifest.json"


def read(path: Path) -> Archive:
    """Read and verify an archive (its folder or its manifest): every file must match its hash."""
    folder = path if path.is_dir() else path.parent
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ArchiveError(f"{folder}: not a Seula archive (format {manifest.get('format')!r})")
        if manifest.get("version") != VERSION:
            raise ArchiveError(f"{folder}: archive version {manifest.get('version')!r}; this Seula reads version {VERSION}")
        entries = manifest["tables"]
        tables = {}
        for spec in TABLES:
            entry = entries[spec.name]
            file = folder / Path(entry["file"]).name  # never a path outside the archive
            if not file.is_file() or _sha256(file) != entry["sha256"]:
                raise ArchiveError(f"{folder}: {file.name} is missing or does not match the manifest's hash")
            table = pq.read_table(file)
            if table.num_rows != entry["rows"]:
                raise ArchiveError(f"{folder}: {file.name} has {table.num_rows} rows, the manifest says {entry['rows']}")
            tables[spec.name] = table
        return Archive(manifest["engagement"], manifest["key_check"], manifest["created"], tables)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ArchiveError(f"{folder}: unreadable archive ({type(exc).__name__})") from None
    except pa.ArrowInvalid as exc:
        raise ArchiveError(f"{folder}: unreadable Parquet in the archive ({type(exc).__name__})") from None
