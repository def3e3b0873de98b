"""DuckDB over the lake: one view per table, per engagement."""

from __future__ import annotations

from pathlib import Path

import duckdb

from lake import partials
from lake.schema import COLLECTED
from lake.store import Lake, LakeError


class QueryRefused(LakeError):
    """A query asked for something an analyst's read-only query may not do."""


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
    present = set(lake.tables(engagement))
    check = lasting or ("exclusions" in present and lake.read(engagement, "exclusions").num_rows > 0)
    parts = {t: str(lake.table_dir(engagement, t) / "part-*.parquet") for t in present}
    excluded = (f"SELECT pid FROM read_parquet('{parts['exclusions']}')" if "exclusions" in present
                else "SELECT CAST(NULL AS VARCHAR) AS pid WHERE false")
    con.execute(f"CREATE VIEW {schema}._excluded AS {excluded}")
    own_posts = (f"SELECT post_pid AS pid FROM read_parquet('{parts['posts']}') WHERE author_pid IN (SELECT pid FROM {schema}._excluded)"
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
                f"CREATE VIEW {schema}.{table} AS SELECT * FROM read_parquet('{parts[table]}', union_by_name = true)"
                + (f" WHERE {where}" if where and check else "")
            )
        else:
            # A collected table with no rows yet still answers queries, with its real columns.
            con.register(f"_empty_{table}", COLLECTED[table].schema.empty_table())
            con.execute(f"CREATE TABLE {schema}.{table} AS SELECT * FROM _empty_{table}")
            con.unregister(f"_empty_{table}")


def connect(home: Path, engagement: str) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose views show one engagement's tables."""
    lake = Lake(home)
    if engagement not in lake.engagements():
        raise LakeError(f"engagement {engagement!r} has no data yet: run `seula collect {engagement}` first")
    con = duckdb.connect()
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


def sandboxed(home: Path, engagement: str) -> duckdb.DuckDBPyConnection:
    """A connection for analysts' ad-hoc SQL: this engagement's views and nothing else.

    File access is limited to the engagement's own lake folder (no other engagement, no key
    material, no checkpoints), and the limit is locked so the query cannot lift it.
    """
    con = connect(home, engagement)
    folder = str(Lake(home).engagement_dir(engagement)) + "/"
    con.execute("SET allowed_directories = ?", [[folder]])
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
    return con


def read_only_query(home: Path, engagement: str, sql: str) -> duckdb.DuckDBPyRelation:
    con = sandboxed(home, engagement)
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"cannot parse query: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRefused("give exactly one SELECT statement")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused(f"only SELECT queries are allowed, not {statements[0].type.name}")
    try:
        return con.sql(sql)
    except duckdb.Error as exc:
        raise QueryRefused(str(exc).splitlines()[0]) from None


def refresh_catalog(home: Path) -> Path:
    """Rewrite ``lake/catalog.duckdb``: one schema per engagement, for DuckDB's own tools."""
    lake = Lake(home)
    path = lake.root / "catalog.duckdb"
    lake.root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        existing = {r[0] for r in con.execute("SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()").fetchall()}
        for engagement in lake.engagements():
            if engagement in existing:
                con.execute(f"DROP SCHEMA {engagement} CASCADE")
            con.execute(f"CREATE SCHEMA {engagement}")
            _create_views(con, lake, engagement, schema=engagement)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
