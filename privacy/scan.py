"""``seula privacy scan``: findings for a file of texts, as JSON Lines or Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from seula.privacy.detect import Detector
from seula.privacy.lang import served

OUTPUT = pa.schema([
    pa.field("id", pa.string()), pa.field("entity_type", pa.string()), pa.field("start", pa.int64()),
    pa.field("end", pa.int64()), pa.field("score", pa.float64()), pa.field("party", pa.string()),
])


class ScanInputError(Exception):
    """The input is not JSON Lines / Parquet with ``id`` and ``text``."""


def read_records(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowInvalid) as exc:
            raise ScanInputError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
        missing = {"id", "text"} - set(table.column_names)
        if missing:
            raise ScanInputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return table.select([c for c in ("id", "text", "lang") if c in table.column_names]).to_pylist()
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScanInputError(f"{path}: cannot read ({type(exc).__name__})") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise ScanInputError(f"{path}:{n}: not valid JSON") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or "id" not in record:
            raise ScanInputError(f"{path}:{n}: each line needs an 'id' and a 'text' string")
        records.append(record)
    return records


def scan(detector: Detector, records: list[dict]) -> list[dict]:
    texts = [r["text"] or "" for r in records]
    langs = [served(r.get("lang"), t) for r, t in zip(records, texts)]
    out = []
    for record, findings in zip(records, detector.analyze_batch(texts, langs)):
        for f in findings:
            row = {"id": str(record["id"]), "entity_type": f.entity_type, "start": f.start, "end": f.end, "score": f.score}
            if f.party:
                row["party"] = f.party
            out.append(row)
    return out


def write_findings(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(rows, schema=OUTPUT), path)
    else:
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
