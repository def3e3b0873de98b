"""What the stored data cover and what they miss, for the report's methods section.

Read from the lake (the posts' own provenance and the collection log), never from the
engagement's configuration: imported 2022 data are described as 2022 data, and a
collection that stopped on a rate limit says so.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

GAPS = pa.schema([
    ("task", pa.string()), ("platform", pa.string()), ("stopped", pa.string()), ("rate_limit_waits", pa.int64()),
    ("rate_limit_seconds", pa.float64()), ("missing", pa.string()), ("missing_items", pa.int64()),
    ("quarantined", pa.int64()),
])


def sources(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Per platform and source (a search, timelines, Pages, an import): posts and the days
    their first and last post were written."""
    return con.sql("""
        SELECT platform, endpoint AS source, query, count(*) AS posts,
               strftime(min(created_at), '%Y-%m-%d') AS first_day, strftime(max(created_at), '%Y-%m-%d') AS last_day
        FROM posts GROUP BY ALL ORDER BY platform, source, query NULLS FIRST""").to_arrow_table()


def gaps(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Per collection task or imported file: whether its last run stopped early, its rate-limit
    waits, the items the platform could not give or withheld (by kind, over every run), and
    the pages kept aside as unreadable."""
    runs = con.sql("""SELECT task, platform, stopped, rate_limit_waits, rate_limit_seconds, api_errors, quarantined
                      FROM collection_log ORDER BY task, started_at""").fetchall()
    tasks: dict[str, dict] = {}
    for task, platform, stopped, waits, seconds, errors, quarantined in runs:
        t = tasks.setdefault(task, {"task": task, "platform": platform, "rate_limit_waits": 0, "rate_limit_seconds": 0.0,
                                    "kinds": {}, "quarantined": 0})
        t["stopped"] = stopped  # the last run's: a later complete run makes up for an earlier stop
        t["rate_limit_waits"] += waits
        t["rate_limit_seconds"] += seconds
        t["quarantined"] += quarantined
        for kind, n in (json.loads(errors) if errors else {}).items():
            t["kinds"][kind] = t["kinds"].get(kind, 0) + n
    rows = []
    for t in tasks.values():
        kinds = t.pop("kinds")
        missing = {k: n for k, n in kinds.items() if not k.endswith(" removed")}
        rows.append({**t, "missing": ", ".join(f"{k}: {n}" for k, n in sorted(missing.items())) or None,
                     "missing_items": sum(missing.values())})
    return pa.Table.from_pylist(rows, schema=GAPS)


def incomplete(gap_rows: list[dict]) -> list[dict]:
    """The tasks whose data are not all there: stopped early, or items missing or kept aside."""
    return [g for g in gap_rows if g["stopped"] or g["missing_items"] or g["quarantined"]]
