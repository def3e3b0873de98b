"""DuckDB over the lake: one view per table, per engagement."""

from __future__ import annotations

import functools
import operator
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from seula.lake import location, partials
from seula.lake.files import exclusive_lock
from seula.lake.location import LakePath
from seula.lake.schema import COLLECTED, IDENTITY_INDEX, PLATFORM_IDS, QUARANTINE
from seula.lake.store import Lake, LakeError


class QueryRefused(LakeError):
    """A query asked for something an analyst's read-only query may not do."""


# The sieve's own bookkeeping (keyed hashes of names, pages it could not read): a query may
# still name them, but ``tables`` and ``schema`` do not list them among the analyst's tables.
INTERNAL = frozenset({IDENTITY_INDEX.name, QUARANTINE.name})


# Columns naming a person, per table: a row whose person is excluded is left out of views.
_PERSON_COLUMNS = {**{name: spec.subject_columns for name, spec in COLLECTED.items()},
                   "posts": ("author_pid",),  # a reply to an excluded person is still its writer's post
                   "findings": ("subject_pid",), "affiliations": ("account_pid",)}


def _create_views(con: duckdb.DuckDBPyConnection, lake: Lake, engagement: str, schema: str = "main",
                  lasting: bool = True) -> None:
    """One view per table; rows of excluded people (restriction, objection) never show.

    ``lasting`` views (the catalog file) check the exclusion list at every query; a
    short-lived connection with nobody excluded when it opens skips the check, which
    otherwise reads every row's person columns (a third of a simple count's time).
    """
    present = _queryable(lake, engagement)
    check = lasting or ("exclusions" in present and lake.read(engagement, "exclusions").num_rows > 0)
    parts = {t: _files_sql(lake, engagement, t) for t in present}
    excluded = (f"SELECT pid FROM read_parquet({parts['exclusions']})" if "exclusions" in present
                else "SELECT CAST(NULL AS VARCHAR) AS pid WHERE false")
    con.execute(f"CREATE VIEW {schema}._excluded AS {excluded}")
    own_posts = (f"SELECT post_pid AS pid FROM read_parquet({parts['posts']}) WHERE author_pid IN (SELECT pid FROM {schema}._excluded)"
                 if "posts" in present else "SELECT CAST(NULL AS VARCHAR) AS pid WHERE false")
    con.execute(f"CREATE VIEW {schema}._excluded_posts AS {own_posts}")
    for table in sorted(present | set(COLLECTED)):
        if table in present:
            columns = _PERSON_COLUMNS.get(table, ())
            # A person column is checked against the excluded people; an interaction's post
            # also against their posts (a like of a restricted person's post goes too).
            where = " AND ".join(
                [f"coalesce({c}, '') NOT IN (SELECT pid FROM {schema}._excluded)" for c in columns]
                + ([f"post_pid NOT IN (SELECT pid FROM {schema}._excluded_posts)"] if table == "interactions" else [])
            )
            con.execute(
                f"CREATE VIEW {schema}.{table} AS SELECT * FROM read_parquet({parts[table]}, union_by_name = true)"
                + (f" WHERE {where}" if where and check else "")
            )
        else:
            # A collected table with no rows yet still answers queries, with its real columns.
            con.register(f"_empty_{table}", COLLECTED[table].schema.empty_table())
            con.execute(f"CREATE TABLE {schema}.{table} AS SELECT * FROM _empty_{table}")
            con.unregister(f"_empty_{table}")


def _files_sql(lake: Lake, engagement: str, table: str) -> str:
    """A table's files for ``read_parquet``: in a folder, a pattern (the catalog file's views
    then see files added later); in a bucket, the files its Delta log names, as a list."""
    if not lake.remote:
        return "'" + str(lake.table_dir(engagement, table) / "part-*.parquet").replace("'", "''") + "'"
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in lake.files(engagement, table)) + "]"


def connect(home: Path, engagement: str) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose views show one engagement's tables."""
    lake = Lake(home)
    if engagement not in lake.engagements():
        raise LakeError(f"engagement {engagement!r} has no data yet: run `seula collect {engagement}` first")
    con = lake.duckdb()
    _create_views(con, lake, engagement, lasting=False)
    return con


def analysis_connection(home: Path, engagement: str) -> duckdb.DuckDBPyConnection:
    """``connect`` plus the summed partial counts (``terms_counts``, ``tag_pairs_counts``,
    ``tag_days_counts``), brought up to date first."""
    lake = Lake(home)
    lake.upgrade(engagement)  # a lake from before a derived column (posts' terms) gets it once
    con = connect(home, engagement)
    partials.refresh(lake, engagement)
    excluded = con.execute("SELECT count(*) FROM _excluded").fetchall()[0][0] > 0
    partials.register(con, lake, engagement, excluded)
    return con


def _not_in(value: pc.Expression, values: pa.Array) -> pc.Expression:
    """``value NOT IN values`` as SQL reads it (the views' check): a null value, or a null
    among ``values``, leaves the row out; an empty list keeps every row."""
    if len(values) == 0:
        return pc.scalar(True)
    if values.null_count:
        return pc.scalar(False)
    return pc.is_valid(value) & ~pc.is_in(value, value_set=values)


def _dataset(engagement: str, table: str, files: list[LakePath]) -> ds.Dataset:
    """The files as one lazy dataset, columns united by name (as ``union_by_name``)."""
    try:
        schema = pa.unify_schemas([location.read_schema(f).remove_metadata() for f in files], promote_options="permissive")
        fs = location.arrow(files[0])[0] if files else None
        return ds.dataset([location.arrow(f)[1] for f in files], schema=schema, format="parquet", filesystem=fs)
    except (pa.ArrowException, OSError) as exc:
        raise LakeError(f"unreadable file in {engagement}/{table}: {type(exc).__name__}") from None


def _queryable(lake: Lake, engagement: str) -> set[str]:
    """The tables analysts' SQL and the views may see: all but the sealed platform ids (only
    a compliance check needs them, and they are no analyst's business)."""
    return set(lake.tables(engagement)) - {PLATFORM_IDS.name}


def _filtered_tables(lake: Lake, engagement: str) -> dict[str, ds.Dataset | pa.Table]:
    """Every table of the engagement as an Arrow object with the excluded people's rows
    already left out (the same rows ``_create_views`` leaves out); nothing is read yet."""
    present = sorted(_queryable(lake, engagement))
    data = {t: _dataset(engagement, t, lake.files(engagement, t)) for t in present}
    excluded = (lake.read(engagement, "exclusions", columns=["pid"])["pid"].combine_chunks()
                if "exclusions" in present else pa.array([], pa.string()))
    if len(excluded):
        own_posts = (data["posts"].to_table(columns=["post_pid"], filter=pc.is_in(pc.field("author_pid"), value_set=excluded))
                     ["post_pid"].combine_chunks().unique()
                     if "posts" in data and "author_pid" in data["posts"].schema.names else pa.array([], pa.string()))
        for table in present:
            names = data[table].schema.names
            checks = [_not_in(pc.coalesce(pc.field(c), pc.scalar("")), excluded)
                      for c in _PERSON_COLUMNS.get(table, ()) if c in names]
            if table == "interactions" and "post_pid" in names:
                checks.append(_not_in(pc.field("post_pid"), own_posts))
            if checks:
                data[table] = data[table].filter(functools.reduce(operator.and_, checks))
    for table in COLLECTED.keys() - set(present):
        data[table] = COLLECTED[table].schema.empty_table()  # no rows yet, but its real columns
    return data


def sandboxed(home: Path, engagement: str) -> duckdb.DuckDBPyConnection:
    """A connection for analysts' ad-hoc SQL: this engagement's tables and nothing else.

    The connection cannot open any file (no lake file, no other engagement, no key material,
    no checkpoints, not even a spill folder): each table is an Arrow object registered in
    the process, read lazily from the lake by Arrow with the excluded people's rows already
    filtered out, so no route around a view reaches a restricted row. The settings are
    locked so the query cannot lift them.
    """
    lake = Lake(home)
    if engagement not in lake.engagements():
        raise LakeError(f"engagement {engagement!r} has no data yet: run `seula collect {engagement}` first")
    con = duckdb.connect(config={
        "enable_external_access": False,  # no file, no network, no extension install/load
        "temp_directory": "",  # else the (automatically allowed) spill folder stays readable
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "python_enable_replacements": False,  # no Python variable is a table either
    })
    try:
        for table, data in sorted(_filtered_tables(lake, engagement).items()):
            if table != "exclusions":  # who is restricted is itself about the restricted people
                con.register(table, data)
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def read_only_query(home: Path, engagement: str, sql: str,
                    params: dict[str, object] | None = None) -> duckdb.DuckDBPyRelation:
    """One SELECT over the engagement's tables in the sandbox (``sandboxed``); ``params`` are
    bound as DuckDB's named parameters (``$name``): values, never SQL text."""
    con = sandboxed(home, engagement)
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"cannot parse query: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRefused("give exactly one SELECT statement")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused(f"only SELECT queries are allowed, not {statements[0].type.name}")
    given = {name.lower() for name in params or {}}
    missing = sorted(n for n in statements[0].named_parameters if n.lower() not in given)
    if missing:
        raise QueryRefused(f"no value for parameter ${missing[0]}: give one with -p {missing[0]} VALUE")
    try:
        return con.sql(sql, params=params or None)
    except duckdb.Error as exc:
        raise QueryRefused(str(exc).splitlines()[0]) from None


def rows(relation: duckdb.DuckDBPyRelation, batch_size: int = 10_000) -> Iterator[tuple[object, ...]]:
    """A query's rows as Python values, read batch by batch (a big result is never held whole);
    an error while the query runs is a one-line ``QueryRefused``."""
    try:
        for batch in relation.to_arrow_reader(batch_size):
            yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)
    except duckdb.Error as exc:
        raise QueryRefused(str(exc).splitlines()[0]) from None


def _listed(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()
            if not name.startswith("_") and name not in INTERNAL]


def tables(home: Path, engagement: str, counts: bool = False) -> dict[str, int | None]:
    """The tables an analyst queries (``seula tables``), each with its row count as the query
    sees it (restricted people left out) when ``counts``, else None."""
    con = sandboxed(home, engagement)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] if counts else None for t in _listed(con)}
    finally:
        con.close()


def table_schema(home: Path, engagement: str, table: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Each listed table's columns and DuckDB types, in order (``seula schema``); or one
    table's, which may also be one of the unlisted ``INTERNAL`` tables a query can still name."""
    con = sandboxed(home, engagement)
    try:
        listed = _listed(con)
        columns: dict[str, list[tuple[str, str]]] = {}
        for name, column, kind in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "ORDER BY table_name, ordinal_position").fetchall():
            columns.setdefault(name, []).append((column, kind))
    finally:
        con.close()
    if table is None:
        return {t: columns[t] for t in listed}
    if table not in columns or table.startswith("_"):
        raise QueryRefused(f"unknown table {table!r} in {engagement}: the tables are {', '.join(listed)}")
    return {table: columns[table]}


def refresh_catalog(home: Path) -> Path | None:
    """Rewrite ``lake/catalog.duckdb``: one schema per engagement, for DuckDB's own tools.
    Not for a lake in a bucket: DuckDB's own tools would need its S3 extension and the
    credentials to follow the views (``seula sql`` reads a bucket as it reads a folder)."""
    lake = Lake(home)
    if lake.remote:
        return None
    path = lake.root / "catalog.duckdb"
    lake.root.mkdir(parents=True, exist_ok=True)
    # Built aside and renamed into place: two collections finishing at once would otherwise
    # meet on DuckDB's file lock, and a reader never sees a half-built catalog.
    with exclusive_lock(lake.root / ".catalog.lock"):
        for stale in lake.root.glob(".catalog-*.tmp*"):  # a killed build's leftovers
            stale.unlink()
        building = lake.root / f".catalog-{os.getpid()}.tmp"
        con = duckdb.connect(str(building))
        try:
            for engagement in lake.engagements():
                con.execute(f"CREATE SCHEMA {engagement}")
                _create_views(con, lake, engagement, schema=engagement)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(building, path)
    return path
