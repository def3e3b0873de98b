"""Client data packages: the metric tables as CSV, Parquet and XLSX, with a manifest.

Safe by construction: ``check`` runs on every table before anything is written, and refuses
a handle or name of anyone not publishable, and any pseudonym of a person whose data are
excluded (restricted, or objecting in a marketing engagement). Checked, not assumed.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

FORMATS = ("csv", "parquet", "xlsx")


class ExportRefused(Exception):
    """An export would disclose what it must not; the message names the table, not the person."""


def check(tables: dict[str, pa.Table], publishable: set[str], excluded: set[str]) -> None:
    for name, table in tables.items():
        for column in ("handle", "display_name"):
            if column in table.column_names:
                bad = {v for v in table[column].to_pylist() if v is not None} - publishable
                if bad:
                    raise ExportRefused(f"{name}.{column}: {len(bad)} value(s) of people who are not publishable")
        for column in table.column_names:
            if pa.types.is_string(table.schema.field(column).type):
                if excluded & {v for v in table[column].to_pylist() if v}:
                    raise ExportRefused(f"{name}.{column}: rows of a person whose data are excluded")


def write(tables: dict[str, pa.Table], folder: Path, formats: list[str], meta: dict, written: list[Path] | None = None) -> list[Path]:
    """The tables in ``formats``, and a manifest of them and of the files already ``written`` there."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = list(written or [])
    for name, table in tables.items():
        if "csv" in formats:
            path = folder / f"{name}.csv"
            with open(path, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(table.column_names)
                writer.writerows(zip(*(table[c].to_pylist() for c in table.column_names)))
            files.append(path)
        if "parquet" in formats:
            pq.write_table(table, folder / f"{name}.parquet")
            files.append(folder / f"{name}.parquet")
    if "xlsx" in formats:
        book = Workbook()
        book.remove(book.active)
        for name, table in tables.items():
            sheet = book.create_sheet(name[:31])
            sheet.append(table.column_names)
            for row in zip(*(table[c].to_pylist() for c in table.column_names)):
                sheet.append([str(v) if isinstance(v, (list, dict)) else v for v in row])
        book.save(folder / "tables.xlsx")
        files.append(folder / "tables.xlsx")
    manifest = {
        **meta, "generated": datetime.now(UTC).isoformat(timespec="seconds"), "seula_version": version("seula"),
        "tables": {name: {"rows": t.num_rows, "columns": t.column_names} for name, t in tables.items()},
        "files": {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return [*files, folder / "manifest.json"]
