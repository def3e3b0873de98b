"""Partial counts per posts file, so the analysis sums small tables instead of grouping every
term and hashtag of millions of posts again.

Each posts file ``part-X.parquet`` gets ``_partials/KIND/part-X.parquet`` per kind: counts of
terms (lemmas, ``lake.terms``; kept under ``terms-VERSION``, so counts of an earlier definition
of a term are dropped, not summed), hashtag pairs, and hashtags per day (no pseudonym), and
through ``per_file`` whatever
else is a function of one posts file (the findings: post pseudonyms, types, offsets, no
values). The store deletes a file's
partials whenever it rewrites or removes that file (an erasure, a re-sieve), and ``refresh``
computes the missing ones, under the writers' lock, before an analysis reads them. Rows of
excluded people are subtracted when the sums are read (their posts are few), so the sums
equal a count over the engagement's views.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from seula.lake import location, terms
from seula.lake.files import write_parquet_atomic
from seula.lake.location import LakePath
from seula.lake.store import PARTIALS as FOLDER
from seula.lake.store import Lake

DAY = "epoch_us(created_at) // 86400000000"  # a UTC day as an integer (see analysis.metrics)
# Per kind: what one post contributes (keys), and the key columns' types for an empty sum.
KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "tag_pairs": (
        """SELECT pair[1] AS hashtag_a, pair[2] AS hashtag_b FROM (
             SELECT unnest(flatten(list_transform(range(1, len(h) + 1), lambda i:
                      list_transform(range(i + 1, len(h) + 1), lambda j: [h[i], h[j]])))) AS pair
             FROM (SELECT list_sort(list_distinct(hashtags)) AS h FROM {src} WHERE len(hashtags) > 1))""",
        {"hashtag_a": "VARCHAR", "hashtag_b": "VARCHAR"},
    ),
    "tag_days": (f"SELECT {DAY} AS d, unnest(list_distinct(hashtags)) AS hashtag FROM {{src}}",
                 {"d": "BIGINT", "hashtag": "VARCHAR"}),
}

# Kinds a function counts, from SQL for the posts (a term's lemma needs Python), with their keys.
COUNTED: dict[str, tuple[Callable[..., pa.Table], dict[str, str]]] = {"terms": (terms.counts, {"term": "VARCHAR"})}
FOLDERS = {"terms": f"terms-{terms.VERSION}"}  # a kind kept under the version of its definition


def _folder(kind: str) -> str:
    return FOLDERS.get(kind, kind)


def _path(lake: Lake, engagement: str, kind: str, posts_file: LakePath) -> LakePath:
    return lake.engagement_dir(engagement) / FOLDER / _folder(kind) / posts_file.name


def _keys(kind: str) -> dict[str, str]:
    return (KINDS[kind] if kind in KINDS else COUNTED[kind])[1]


def _count(con: duckdb.DuckDBPyConnection, kind: str, src: str, params: dict | None = None) -> pa.Table:
    """Keys and posts of ``kind`` over the posts that the SQL ``src`` selects."""
    if kind in COUNTED:
        return COUNTED[kind][0](con, src, params)
    rows, keys = KINDS[kind]
    return con.sql(f"SELECT {', '.join(keys)}, count(*) AS posts FROM ({rows.format(src=src)}) GROUP BY ALL",
                   params=params).to_arrow_table()


def _drop_other_versions(lake: Lake, engagement: str) -> None:
    """Partials of a kind kept under another version than this one's (or none) go."""
    for kind, current in FOLDERS.items():
        for folder in (lake.engagement_dir(engagement) / FOLDER).glob(f"{kind}*"):
            if folder.is_dir() and folder.name != current and (folder.name == kind or folder.name.startswith(f"{kind}-")):
                location.delete_tree(folder)


def _in_step(lake: Lake, engagement: str, kind: str) -> list[tuple[LakePath, LakePath]]:
    """Each posts file with the path of its partial ``kind``; partials whose posts file is gone
    are removed. The caller holds the writers' lock."""
    files = lake.files(engagement, "posts")
    live = {f.name for f in files}
    for stale in (lake.engagement_dir(engagement) / FOLDER / _folder(kind)).glob("part-*.parquet"):
        if stale.name not in live:
            location.delete(stale)
    return [(f, _path(lake, engagement, kind, f)) for f in files]


def refresh(lake: Lake, engagement: str) -> int:
    """Compute the partials that are missing; returns how many were written."""
    written = 0
    with lake.lock(engagement):
        _drop_other_versions(lake, engagement)
        con = lake.duckdb()
        try:
            for kind in (*KINDS, *COUNTED):
                for f, target in _in_step(lake, engagement, kind):
                    if target.exists():
                        continue
                    write_parquet_atomic(_count(con, kind, "(SELECT * FROM read_parquet($f))", {"f": str(f)}), target)
                    written += 1
        finally:
            con.close()
    return written


def per_file(lake: Lake, engagement: str, kind: str, compute: Callable[[pa.Table], pa.Table]) -> pa.Table | None:
    """``compute`` of each posts file, kept as its partial ``kind`` (and dropped with the file,
    like the counts): only files without one are computed. All of them, concatenated."""
    with lake.lock(engagement):
        pieces = []
        for f, target in _in_step(lake, engagement, kind):
            if not target.exists():
                write_parquet_atomic(compute(location.read_table(f)), target)
            pieces.append(location.read_table(target))
    return pa.concat_tables(pieces) if pieces else None


def register(con: duckdb.DuckDBPyConnection, lake: Lake, engagement: str, excluded: bool) -> None:
    """Views ``KIND_counts`` (keys, posts) summed over every partial, less the excluded people's posts."""
    files = lake.files(engagement, "posts")
    posts = [str(f) for f in files]
    for kind in (*KINDS, *COUNTED):
        keys = _keys(kind)
        key_list = ", ".join(keys)
        empty = "SELECT " + ", ".join(f"NULL::{t} AS {k}" for k, t in keys.items()) + ", 0::BIGINT AS posts WHERE false"
        parts = f"SELECT {key_list}, posts FROM read_parquet({[str(_path(lake, engagement, kind, f)) for f in files]})" if posts else empty
        less = ""
        if excluded and posts:  # their posts are few: counted here, once, and subtracted
            con.register("_less", _count(con, kind, f"(SELECT * FROM read_parquet({posts}) WHERE author_pid IN (SELECT pid FROM _excluded))"))
            con.execute(f"CREATE OR REPLACE TABLE _less_{kind} AS SELECT * FROM _less")
            con.unregister("_less")
            less = f" UNION ALL SELECT {key_list}, -posts FROM _less_{kind}"
        con.execute(f"CREATE VIEW {kind}_counts AS SELECT {key_list}, CAST(sum(posts) AS BIGINT) AS posts "
                    f"FROM ({parts}{less}) GROUP BY ALL HAVING sum(posts) > 0")
