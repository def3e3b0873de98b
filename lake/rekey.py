"""Re-keying an engagement's stored pseudonyms: every file rewritten into a new folder, then
swapped in for the old one.

Readers and writers see the old engagement folder or the new one, never a mix: the new one
is built beside it (``.ENGAGEMENT.rekeying``), marked complete, and swapped in by two
renames; opening a ``Lake`` finishes or discards a swap a crash interrupted. Partial counts are dropped (they are computed again when next needed).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from seula.lake.files import exclusive_lock, write_json_atomic, write_parquet_atomic
from seula.lake.schema import COLLECTED
from seula.lake.store import COMPLETE, ORIGIN, PARTIALS, REKEYED_OLD, REKEYING, Lake, LakeError
from seula.lake.subjects import PID

def _folders(lake: Lake, engagement: str) -> tuple[Path, Path, Path]:
    live = lake.engagement_dir(engagement)
    return live, live.with_name(f".{engagement}{REKEYING}"), live.with_name(f".{engagement}{REKEYED_OLD}")


def _column(values: pa.ChunkedArray, pid: Callable[[str], str], token: Callable[[str], str] | None) -> pa.Array:
    def one(v: str | None) -> str | None:
        if v is None:
            return None
        if token is not None:
            return token(v)
        return pid(v) if PID.fullmatch(v) else PID.sub(lambda m: pid(m.group()), v)

    t = values.type
    if pa.types.is_string(t):
        return pa.array([one(v) for v in values.to_pylist()], t)
    if pa.types.is_list(t) and pa.types.is_string(t.value_type):
        return pa.array([None if row is None else [one(v) for v in row] for row in values.to_pylist()], t)
    return values


def rekey_engagement(lake: Lake, engagement: str, pid: Callable[[str], str], token: Callable[[str], str],
                     key_record: dict[str, object]) -> int:
    """Every pseudonym of ``engagement`` (in key columns, lists and text) through ``pid``, every
    identity-index token through ``token``; the folder then records ``key_record``. Returns
    the files written."""
    if lake.remote:
        # The rotation swaps the re-keyed engagement folder in by one rename, which a bucket has
        # not: until it is done there, rotate a local copy (``seula archive``, then import).
        raise LakeError("key rotation of a lake in a bucket (SEULA_LAKE) is not supported yet: "
                        "archive the engagement, rotate a local lake, and import it back")
    live, new, old = _folders(lake, engagement)
    written = 0
    with exclusive_lock(live / ".lock"):
        shutil.rmtree(new, ignore_errors=True)
        for path in sorted(live.rglob("part-*.parquet")):
            relative = path.relative_to(live)
            if relative.parts[0] == PARTIALS:
                continue
            table = pq.read_table(path)
            for i, field in enumerate(table.schema):
                is_token = relative.parts[0] == "identity_index" and field.name == "token_hash"
                if field.name in ("engagement", "platform", "endpoint", "kind"):
                    continue
                table = table.set_column(i, field, _column(table[field.name], pid, token if is_token else None))
            spec = COLLECTED.get(relative.parts[0])
            if spec is not None:
                for name, _, _ in spec.derive:  # keys derived from pseudonyms: computed again
                    table = table.set_column(table.schema.get_field_index(name), name,
                                             pa.nulls(table.num_rows, spec.schema.field(name).type))
                table = spec.complete(table)
            write_parquet_atomic(table, new / relative)
            written += 1
        write_json_atomic(key_record, new / "_key.json")
        if (live / ORIGIN).exists():
            shutil.copy2(live / ORIGIN, new / ORIGIN)
        (new / COMPLETE).touch()
        os.replace(live, old)
        os.replace(new, live)
    shutil.rmtree(old)
    (live / COMPLETE).unlink(missing_ok=True)
    return written
