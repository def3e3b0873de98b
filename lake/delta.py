"""A collected table in a bucket, as a Delta Lake table whose data files are the lake's own.

Object storage has no atomic rename, and listing a prefix says nothing about which files a
writer meant to be seen together. So in a bucket each collected table folder carries a Delta
log (delta-rs): the table is the set of files its log names, and every change is one commit,
made with a conditional PUT so that concurrent writers cannot overwrite each other's commits
(the loser retries on the new version). Seula still writes the Parquet files itself, with the
set of pseudonyms in each footer (``lake.held``), and commits them as add and remove actions:
an append adds one file; a rewrite adds the new file and removes the old one in one commit,
and then deletes the old file and its stored versions at once (an erasure is physical, not a
retention period). The log names files and row counts, never a value from them.
"""

from __future__ import annotations

import json
import time
from functools import cache

import pyarrow as pa
from deltalake import DeltaTable
from deltalake import Schema as DeltaSchema
from deltalake.exceptions import TableNotFoundError
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions
from upath import UPath

from seula.lake.location import delta_options


def _uri(folder: UPath) -> str:
    return str(folder)


def _now_ms() -> int:
    return int(time.time() * 1000)


class DeltaFolder:
    """One table folder's Delta log."""

    def __init__(self, folder: UPath, schema: pa.Schema) -> None:
        self.folder = folder
        self.schema = schema
        self._table: DeltaTable | None = None

    def _load(self) -> DeltaTable | None:
        if self._table is None:
            try:
                self._table = DeltaTable(_uri(self.folder), storage_options=delta_options())
            except TableNotFoundError:
                return None
        else:
            self._table.update_incremental()  # another process may have committed since
        return self._table

    def files(self) -> list[UPath]:
        """The table's files as its latest version names them."""
        table = self._load()
        if table is None:
            return []
        return sorted(self.folder / self._relative(uri) for uri in table.file_uris())

    def _relative(self, uri: str) -> str:
        return uri.removeprefix(_uri(self.folder)).lstrip("/")

    def commit(self, added: list[tuple[UPath, int]], removed: list[UPath] = ()) -> None:
        """One commit: ``added`` (files already written, with their row counts) join the
        table, ``removed`` leave it."""
        adds = [AddAction(self._relative(str(path)), _size(path), {}, _now_ms(), True, json.dumps({"numRecords": rows}))
                for path, rows in added]
        removes = [RemoveAction(self._relative(str(path)), True, _now_ms()) for path in removed]
        table = self._load()
        if table is None:  # the first commit creates the log ("append": a writer racing us to it is joined)
            if removes:
                raise ValueError("nothing to remove from a table that does not exist")
            create_table_with_add_actions(_uri(self.folder), _delta_schema(self.schema), adds, mode="append",
                                          storage_options=delta_options())
            return
        table.create_write_transaction([*removes, *adds], "append", _delta_schema(self.schema))


def _size(path: UPath) -> int:
    return int(path.fs.info(str(path))["size"])


@cache
def _delta_schema_cached(serialized: bytes) -> DeltaSchema:
    return DeltaSchema.from_arrow(pa.ipc.read_schema(pa.py_buffer(serialized)))


def _delta_schema(schema: pa.Schema) -> DeltaSchema:
    return _delta_schema_cached(schema.remove_metadata().serialize().to_pybytes())
