"""Data-subject operations on stored tables: find, erase, blank, exclude.

Every operation works on pseudonyms (the engagement's own), rewrites only the files that
hold the person, and swaps each file by one atomic rename: a crash leaves every file old
or new, and running the same operation again finishes it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lake import schema
from lake.store import Lake

ERASED = "<erased>"
PID = re.compile(r"[uht]_[0-9a-f]{20}")
TEXT_COLUMNS = {"posts": "text", "accounts": "description", "quarantine": "body"}  # free text that may name people
EXCLUSIONS = pa.schema([pa.field("pid", pa.string(), nullable=False), pa.field("reason", pa.string(), nullable=False)])


def _touches(table: pa.Table, spec: schema.TableSpec, pids: pa.Array) -> pa.Array:
    mask = pa.array([False] * table.num_rows, pa.bool_())
    for column in spec.subject_columns:
        mask = pc.or_(mask, pc.fill_null(pc.is_in(table[column], value_set=pids), False))
    return mask


def _any_of(pids: set[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(pids))


def _scrub_text(table: pa.Table, column: str, pattern: str) -> pa.Table:
    values = pc.replace_substring_regex(table[column], pattern, ERASED)
    return table.set_column(table.schema.get_field_index(column), column, values)


def erase(lake: Lake, engagement: str, pids: set[str]) -> dict[str, int]:
    """Physically remove the people ``pids`` from every collected table; rows removed per table.

    Their accounts, posts, follow edges, interactions (theirs, and others' on their posts)
    and identity-index entries go; in other people's posts their pseudonym becomes
    ``<erased>`` and leaves the mention lists.
    """
    if not pids:
        return {}
    own_posts = pa.array(_own_posts(lake, engagement, pids), pa.string())
    removed: dict[str, int] = {}

    for spec in schema.COLLECTED.values():
        def transform(table: pa.Table, spec: schema.TableSpec = spec) -> pa.Table | None:
            kept, dropped = without(spec, table, pids, own_posts)
            if kept is None:
                return None
            removed[spec.name] = removed.get(spec.name, 0) + dropped
            return kept

        rewritten = lake.rewrite(engagement, spec, transform, only=files_mentioning(lake, engagement, spec, pids))
        removed["bytes_rewritten"] = removed.get("bytes_rewritten", 0) + sum(p.stat().st_size for p in rewritten)
    return removed


def without(spec: schema.TableSpec, table: pa.Table, pids: set[str], own_posts: pa.Array) -> tuple[pa.Table | None, int]:
    """``table`` with the people ``pids`` gone, and how many rows left; (None, 0) if untouched.

    Their rows go (accounts, posts, follow edges, interactions, identity-index entries), and
    others' interactions with ``own_posts`` (their posts); in other people's posts their
    pseudonym becomes ``<erased>``, leaves the mention lists and the reply link.
    """
    value_set = pa.array(sorted(pids), pa.string())
    replied = None
    if spec.name == "posts":  # others' replies to them stay, without the link to them
        drop = pc.fill_null(pc.is_in(table["author_pid"], value_set=value_set), False)
        replied = pc.fill_null(pc.is_in(table["reply_to_account_pid"], value_set=value_set), False)
        if pc.any(replied).as_py():
            table = table.set_column(table.schema.get_field_index("reply_to_account_pid"), "reply_to_account_pid",
                                     pc.if_else(replied, pa.scalar(None, pa.string()), table["reply_to_account_pid"]))
    else:
        drop = _touches(table, spec, value_set)
    if spec.name == "interactions":
        drop = pc.or_(drop, pc.is_in(table["post_pid"], value_set=own_posts))
    kept = table.filter(pc.invert(drop))
    text_columns = TEXT_COLUMNS.get(spec.name)
    mentioned = False
    if text_columns:
        # The pseudonyms this file's texts hold, found with one simple pattern; only those of
        # the people go into the (then short) replacement pattern.
        named = set(PID.findall("\n".join(t for t in kept[text_columns].to_pylist() if t))) & pids
        mentioned = bool(named)
        if mentioned:
            kept = _scrub_text(kept, text_columns, _any_of(named))
    if spec.name == "posts":
        lists = kept["mention_pids"].to_pylist()
        if any(p in pids for row in lists if row for p in row):
            mentioned = True
            cleaned = [[p for p in row if p not in pids] if row is not None else None for row in lists]
            kept = kept.set_column(kept.schema.get_field_index("mention_pids"), "mention_pids",
                                   pa.array(cleaned, pa.list_(pa.string())))
    if kept.num_rows == table.num_rows and not mentioned and not (replied is not None and pc.any(replied).as_py()):
        return None, 0
    return kept, table.num_rows - kept.num_rows


def _own_posts(lake: Lake, engagement: str, pids: set[str]) -> list[str]:
    """The person's posts, read from the author column alone."""
    files = lake.files(engagement, "posts")
    if not files:
        return []
    return [r[0] for r in duckdb.sql(
        "SELECT post_pid FROM read_parquet($files) WHERE author_pid IN (SELECT unnest($pids::VARCHAR[]))",
        params={"files": [str(f) for f in files], "pids": sorted(pids)}).fetchall()]


def files_mentioning(lake: Lake, engagement: str, spec: schema.TableSpec, pids: set[str]) -> list[Path]:
    """The files of a table that hold any of ``pids``, found by one DuckDB scan (no file is rewritten blind)."""
    files = lake.files(engagement, spec.name)
    if not files:
        return []
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS pid", [sorted(pids)])
    tests = [f"{c} IN (SELECT pid FROM wanted)" for c in spec.subject_columns]
    text = TEXT_COLUMNS.get(spec.name)
    if text:  # pseudonyms in free text (mentions, replaced names): one RE2 pass for all the people
        if not all(PID.fullmatch(p) for p in pids):  # so the pattern can stand in the SQL as a constant
            raise ValueError("erasure is by pseudonym only")
        tests.append(f"regexp_matches({text}, '{_any_of(pids)}')")
    if spec.name == "posts":
        tests.append("list_has_any(mention_pids, (SELECT list(pid) FROM wanted))")
    if spec.name == "interactions":  # others' likes and reposts of the person's posts
        con.execute("CREATE TEMP TABLE own AS SELECT unnest(?::VARCHAR[]) AS post_pid", [_own_posts(lake, engagement, pids)])
        tests.append("post_pid IN (SELECT post_pid FROM own)")
    if not tests:
        con.close()
        return []  # a table that names nobody (the collection log)
    found = con.execute(
        f"SELECT DISTINCT filename FROM read_parquet(?, filename = true) WHERE {' OR '.join(tests)}", [[str(f) for f in files]]
    ).fetchall()
    con.close()
    return sorted(Path(f) for (f,) in found)


def blank_clear_identity(lake: Lake, engagement: str, pid: str, reason: str) -> int:
    """Make a publishable person pseudonymous everywhere: clear columns out, names in text swapped."""
    accounts = lake.read(engagement, "accounts", schema.ACCOUNTS.schema)
    rows = accounts.filter(pc.equal(accounts["account_pid"], pid)).to_pylist()
    clear = [v for r in rows for v in (r["handle"], r["display_name"]) if v]
    if not clear:
        return 0
    pattern = re.compile("|".join(rf"(?<![\w]){re.escape(v)}(?![\w])" for v in sorted(clear, key=len, reverse=True)), re.I)
    changed = 0

    def accounts_fn(table: pa.Table) -> pa.Table | None:
        mask = pc.equal(table["account_pid"], pid)
        if not pc.any(mask).as_py():
            return None
        out = table.to_pylist()
        for r in out:
            if r["account_pid"] == pid:
                r.update(handle=None, display_name=None, location=None, publishable=False, publishable_reason=reason)
        return pa.Table.from_pylist(out, schema=table.schema)

    def posts_fn(table: pa.Table) -> pa.Table | None:
        out, touched = table.to_pylist(), False
        for r in out:
            new = pattern.sub(pid, r["text"]) if r["text"] else r["text"]
            url = None if r["author_pid"] == pid else r["url"]
            if new != r["text"] or url != r["url"]:
                r["text"], r["url"], touched = new, url, True
        return pa.Table.from_pylist(out, schema=table.schema) if touched else None

    changed += len(lake.rewrite(engagement, schema.ACCOUNTS, accounts_fn))
    changed += len(lake.rewrite(engagement, schema.POSTS, posts_fn))
    return changed


def set_exclusions(lake: Lake, engagement: str, excluded: dict[str, str]) -> None:
    """Who every view of this engagement leaves out (restriction; objection to marketing)."""
    lake.replace(engagement, "exclusions", pa.Table.from_pylist(
        [{"pid": p, "reason": r} for p, r in sorted(excluded.items())], schema=EXCLUSIONS))
