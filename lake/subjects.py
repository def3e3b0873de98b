"""Data-subject operations on stored tables: find, erase, blank, exclude.

Every operation works on pseudonyms (the engagement's own), rewrites only the files that
hold the person, and swaps each file by one atomic rename: a crash leaves every file old
or new, and running the same operation again finishes it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, reduce

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seula.lake import held, location, schema
from seula.lake.location import LOG, LakePath
from seula.lake.store import Lake

ERASED = "<erased>"
PID = re.compile(r"[uhtn]_[0-9a-f]{20}")
# Free text that may name people, per table (``query`` is the provenance: a sieved search,
# which keeps a publishable person's handle in clear).
TEXT_COLUMNS = {"posts": ("text", "query"), "accounts": ("description", "query"), "quarantine": ("body", "query"),
                "follows": ("query",), "interactions": ("query",), "identity_index": ("query",)}
POST_LINKS = ("reply_to_post_pid", "quote_of_post_pid", "conversation_pid")  # others' posts pointing at theirs
EXCLUSIONS = pa.schema([pa.field("pid", pa.string(), nullable=False), pa.field("reason", pa.string(), nullable=False)])


@dataclass(frozen=True)
class Subjects:
    """The people an erasure removes from one engagement: their account pseudonyms, their
    own posts (kept by the request, so a rerun after a crash still knows them), and, for
    publishable people, the clear handles and display names other people's texts hold."""

    pids: frozenset[str]
    posts: frozenset[str] = frozenset()
    handles: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @cached_property
    def people(self) -> Wanted:
        return Wanted(self.pids)

    @cached_property
    def own_posts(self) -> Wanted:
        return Wanted(self.posts)

    def clear_pattern(self) -> re.Pattern[str] | None:
        """Their handles and names where they stand alone (after @, #, / or a space, not
        inside a longer word); case-blind."""
        values = self.handles + self.names
        return re.compile(rf"(?<!\w)(?:{_alternation(values)})(?!\w)", re.I) if values else None

    def clear_re2(self) -> str | None:
        """The same, for DuckDB's RE2 over lower-cased text (which has no look-behind)."""
        values = self.handles + self.names
        return rf"(^|[^\pL\pN_])({_alternation(values)})([^\pL\pN_]|$)" if values else None


def _alternation(values: tuple[str, ...]) -> str:
    return "|".join(re.escape(v.lower()) for v in sorted(set(values), key=len, reverse=True))


class Wanted:
    """A set of strings to find in string columns (pseudonyms, or an archive's post ids)."""

    def __init__(self, values: frozenset[str] | set[str]) -> None:
        ordered = sorted(values)
        self.array = pa.array(ordered, pa.string())
        pseudonyms = all(PID.fullmatch(v) for v in ordered)  # (an archive's post ids may be anything)
        self.numbers = held.numbers(ordered) if pseudonyms else None  # in the same order
        self.bytes = np.array([v.encode("ascii") for v in ordered], dtype=f"S{held.WIDTH}") if pseudonyms else None
        self.unique_numbers = np.unique(self.numbers) if pseudonyms else None

    def __len__(self) -> int:
        return len(self.array)

    def among(self, values: pa.ChunkedArray | pa.Array) -> np.ndarray:
        """Where ``values`` is one of the set; false for nulls."""
        chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
        return np.concatenate([np.zeros(0, bool), *map(self._among, chunks)])

    def _among(self, array: pa.Array) -> np.ndarray:
        if array.null_count == len(array):  # (link columns mostly are)
            return np.zeros(len(array), bool)
        targets = self.array
        if self.numbers is not None and len(targets) > len(array):
            # A set larger than the column (a thousand people's twenty thousand posts) is first
            # cut down to those whose number a value of pseudonym length has: Arrow builds its
            # hash set of the targets afresh for every column of every file.
            targets = targets.filter(pa.array(held.among(np.sort(held.value_numbers(array)), self.numbers)))
        return pc.fill_null(pc.is_in(array, value_set=targets), False).to_numpy(zero_copy_only=False)


def _touches(table: pa.Table, spec: schema.TableSpec, who: Subjects) -> np.ndarray:
    return reduce(np.logical_or, [who.people.among(table[c]) for c in spec.subject_columns], np.zeros(table.num_rows, bool))


def _any_of(pids: set[str]) -> str:
    """An alternation of pseudonyms (letters, digits and _ only: nothing to escape)."""
    return "|".join(sorted(pids))


def erase(lake: Lake, engagement: str, who: Subjects) -> dict[str, int]:
    """Physically remove the people ``who`` (and the posts ``who.posts``, whoever wrote them)
    from every collected table; rows removed per table.

    Their accounts, posts, follow edges, interactions (theirs, and others' on their posts)
    and identity-index entries go; in other people's posts and profiles their pseudonym and
    clear handle or name become ``<erased>``, and they leave the mention lists and the
    reply, quote and conversation links.
    """
    if not who.pids and not who.posts:
        return {}
    removed: dict[str, int] = {}
    # Their own posts are looked up (a scan of the author columns) while the tables that hold
    # no post pseudonym are rewritten; the tables that do follow once they are known.
    first = [s for s in schema.COLLECTED.values() if not _holds_posts(s)]
    with ThreadPoolExecutor(1) as finder:
        own = finder.submit(_own_posts, lake, engagement, set(who.pids))
        for spec in first:
            _erase_in(lake, engagement, spec, who, removed)
        who = Subjects(who.pids, who.posts | frozenset(own.result()), who.handles, who.names)
    for spec in schema.STORED.values():
        if spec not in first:
            _erase_in(lake, engagement, spec, who, removed)
    return removed


def _holds_posts(spec: schema.TableSpec) -> bool:
    return any(f.name.endswith("post_pid") or f.name == "conversation_pid" for f in spec.schema)


def _erase_in(lake: Lake, engagement: str, spec: schema.TableSpec, who: Subjects, removed: dict[str, int]) -> None:
    def transform(table: pa.Table) -> pa.Table | None:
        kept, dropped = without(spec, table, who)
        if kept is None:
            return None
        removed[spec.name] = removed.get(spec.name, 0) + dropped
        return kept

    rewritten = lake.rewrite(engagement, spec, transform, only=files_mentioning(lake, engagement, spec, who))
    removed["bytes_rewritten"] = removed.get("bytes_rewritten", 0) + sum(p.stat().st_size for p in rewritten)


def without(spec: schema.TableSpec, table: pa.Table, who: Subjects) -> tuple[pa.Table | None, int]:
    """``table`` with the people ``who`` gone, and how many rows left; (None, 0) if untouched."""
    relinked = False
    if spec.name == "posts":  # others' replies to them stay, without the link to them or their posts
        drop = who.people.among(table["author_pid"]) | who.own_posts.among(table["post_pid"])
        for column, targets in (("reply_to_account_pid", who.people), *((c, who.own_posts) for c in POST_LINKS)):
            hit = targets.among(table[column])
            if hit.any():
                relinked = True
                table = table.set_column(table.schema.get_field_index(column), column,
                                         pc.if_else(hit, pa.scalar(None, pa.string()), table[column]))
    else:
        drop = _touches(table, spec, who)
    if spec.name == "interactions":
        drop |= who.own_posts.among(table["post_pid"])
    if spec.name == "platform_ids":
        drop |= who.own_posts.among(table["pid"])
    # Derived columns are left to the lake, which takes them from the file it read by value
    # (``TableSpec.complete``): copying them through the row filter too was a quarter of its cost.
    kept = _drop_rows(table.drop_columns([n for n, _, _ in spec.derive if n in table.column_names]), drop)
    mentioned = False
    clear = who.clear_pattern()
    for column in TEXT_COLUMNS.get(spec.name, ()):
        values = kept[column]
        if (erased := _erased_in(values, who.people)) is not None:
            values, mentioned = erased, True
        if clear is not None:  # clear handles and names: few people, and Python's look-behind
            texts = values.to_pylist()
            if any(clear.search(t) for t in texts if t):
                values, mentioned = pa.chunked_array([pa.array([clear.sub(ERASED, t) if t else t for t in texts],
                                                               pa.string())]), True
        kept = kept.set_column(kept.schema.get_field_index(column), column, values)
    if spec.name == "posts":
        lists = kept["mention_pids"].combine_chunks()
        flat = pc.list_flatten(lists)
        hit = who.people.among(flat)
        if hit.any():
            mentioned = True
            keep = ~hit
            counts = np.bincount(pc.list_parent_indices(lists).to_numpy()[keep], minlength=len(lists))
            offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
            cleaned = pa.ListArray.from_arrays(offsets, flat.filter(pa.array(keep)), mask=pc.is_null(lists))
            kept = kept.set_column(kept.schema.get_field_index("mention_pids"), "mention_pids", cleaned)
    if kept.num_rows == table.num_rows and not mentioned and not relinked:
        return None, 0
    return kept, table.num_rows - kept.num_rows


def _drop_rows(table: pa.Table, drop: np.ndarray) -> pa.Table:
    """``table`` without the rows where ``drop`` holds: the runs of rows between them joined
    into one chunk, which costs half of Arrow's filter (a filter copies every list element by
    element; a run is copied whole)."""
    gone = np.flatnonzero(drop)
    if not len(gone):
        return table
    starts, ends = np.concatenate(([0], gone + 1)), np.concatenate((gone, [table.num_rows]))
    runs = [table.slice(a, b - a) for a, b in zip(starts.tolist(), ends.tolist()) if b > a]
    return pa.concat_tables(runs).combine_chunks() if runs else table.slice(0, 0)


_ERASED = np.frombuffer(ERASED.encode("ascii"), np.uint8)  # shorter than a pseudonym: text only shrinks


def _erased_in(values: pa.ChunkedArray, wanted: Wanted) -> pa.ChunkedArray | None:
    """``values`` with every pseudonym in ``wanted`` (pseudonyms only) replaced by ERASED; None
    if none stands in them.
    Done on the column's bytes: a pattern of a thousand pseudonyms costs RE2 more than the
    rest of an erasure."""
    chunks, changed = [], False
    for chunk in values.chunks:
        new = _erased_in_chunk(chunk, wanted) if chunk.null_count < len(chunk) else None
        chunks.append(chunk if new is None else new)
        changed = changed or new is not None
    return pa.chunked_array(chunks, values.type) if changed else None


def _erased_in_chunk(array: pa.Array, wanted: Wanted) -> pa.Array | None:
    offsets = np.frombuffer(array.buffers()[1], np.int32)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], np.uint8)[offsets[0]:offsets[-1]]
    offsets = offsets - offsets[0]
    starts, found = held.candidates(data)
    starts = starts[held.among(wanted.unique_numbers, found) & (starts + held.WIDTH <= len(data))]
    row = np.searchsorted(offsets, starts, side="right") - 1
    starts = starts[starts + held.WIDTH <= offsets[row + 1]]  # within one value, not across two
    tokens = data[starts[:, None] + np.arange(held.WIDTH)].view(f"S{held.WIDTH}").ravel()
    starts = starts[wanted.bytes[np.minimum(np.searchsorted(wanted.bytes, tokens), len(wanted) - 1)] == tokens]
    if not len(starts):
        return None
    # The bytes between the pseudonyms, each pseudonym's place taken by ERASED.
    pieces = [data[:starts[0]]]
    for here, after in zip(starts.tolist(), [*starts[1:].tolist(), len(data)]):
        pieces += [_ERASED, data[here + held.WIDTH:after]]
    offsets = offsets - (held.WIDTH - len(_ERASED)) * np.searchsorted(starts, offsets)
    validity = pc.is_valid(array).buffers()[1] if array.null_count else None
    return pa.Array.from_buffers(pa.string(), len(array), [validity, pa.py_buffer(offsets.astype(np.int32)),
                                                          pa.py_buffer(np.concatenate(pieces))], array.null_count)


def _own_posts(lake: Lake, engagement: str, pids: set[str]) -> list[str]:
    """The person's posts, read from the author column of the files that may hold them."""
    files, _ = held.narrow(lake.files(engagement, "posts"), pids)
    if not files:
        return []
    con = lake.duckdb()
    con.execute("SET threads = 1")
    try:
        return [r[0] for r in con.execute(
            "SELECT post_pid FROM read_parquet($files) WHERE author_pid IN (SELECT unnest($pids::VARCHAR[]))",
            {"files": [str(f) for f in files], "pids": sorted(pids)}).fetchall()]
    finally:
        con.close()


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# RE2 finds an alternation of up to a few hundred pseudonyms about as fast as one (a literal
# search); beyond that its automaton outgrows its memory and it slows thirtyfold. Many
# people are therefore sought in groups: 1,000 pseudonyms in 2 M texts, 0.3 s instead of 4.4 s.
GROUP = 500


def _pseudonyms_only(who: Subjects) -> None:
    if not all(PID.fullmatch(p) for p in who.pids | who.posts):  # so a pattern can stand in the SQL as a constant
        raise ValueError("erasure is by pseudonym only")


def _groups(pids: set[str]) -> list[set[str]]:
    ordered = sorted(pids)
    return [set(ordered[i:i + GROUP]) for i in range(0, len(ordered), GROUP)]


def _in_text(column: str, pids: set[str]) -> list[str]:
    """Conditions that hold where one of ``pids`` stands inside ``column``."""
    return [f"regexp_matches({column}, '{_any_of(group)}')" for group in _groups(pids)]


def files_mentioning(lake: Lake, engagement: str, spec: schema.TableSpec, who: Subjects) -> list[LakePath]:
    """The files of a table that may hold any of ``who``: those whose footer's set of
    pseudonyms has one of theirs (``lake.held``), and those a DuckDB scan finds them in among
    the files with no set, or among all, when clear handles and names are sought."""
    _pseudonyms_only(who)
    maybe, unknown = held.sort_out(lake.files(engagement, spec.name), who.pids | who.posts)
    scan = [f for f in lake.files(engagement, spec.name) if f not in set(maybe)] if who.clear_re2() else unknown
    return sorted(set(maybe) | set(_scan(lake, spec, who, scan)))


def _scan(lake: Lake, spec: schema.TableSpec, who: Subjects, files: list[LakePath]) -> list[LakePath]:
    if not files:
        return []
    con = lake.duckdb()
    con.execute("CREATE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS pid", [sorted(who.pids)])
    con.execute("CREATE TEMP TABLE own AS SELECT unnest(?::VARCHAR[]) AS post_pid", [sorted(who.posts)])
    tests = [f"{c} IN (SELECT pid FROM wanted)" for c in spec.subject_columns]
    text_columns = TEXT_COLUMNS.get(spec.name, ())
    if clear := who.clear_re2():  # clear handles and names of publishable people, case-blind
        tests += [f"regexp_matches(lower({c}), {_sql_literal(clear)})" for c in text_columns]
    if spec.name == "posts":
        tests += _in_text("array_to_string(mention_pids, ' ')", set(who.pids))
        tests += [f"{c} IN (SELECT post_pid FROM own)" for c in POST_LINKS]
    if spec.name == "interactions":  # others' likes and reposts of the person's posts
        tests.append("post_pid IN (SELECT post_pid FROM own)")
    tests += [t for c in text_columns for t in _in_text(c, set(who.pids))]
    named = {str(f): f for f in files}
    found = con.execute(f"SELECT DISTINCT filename FROM read_parquet(?, filename = true) WHERE {' OR '.join(tests)}",
                        [list(named)]).fetchall() if tests else []
    con.close()
    return sorted(named[f] for (f,) in found)


def remaining(lake: Lake, engagement: str, who: Subjects) -> dict[str, int]:
    """Where anything of ``who`` is still stored in an engagement: hits per table folder.

    The erasure's postcondition, checked independently of how the erasure works: every
    Parquet file under the engagement (collected and derived tables, partials, quarantine,
    exclusions), every string and list column for any of the pseudonyms as a value, and
    every free-text column (the schema's, and every column of a derived table) for the
    pseudonyms and the clear handles and names inside it. A file whose footer's set
    (``lake.held``, computed from its bytes when it was written) holds none of the
    pseudonyms is passed by, unless clear values are sought.
    """
    _pseudonyms_only(who)
    clear = who.clear_re2()
    found: dict[str, int] = {}
    root = lake.engagement_dir(engagement)
    # Every Parquet file there, committed or not (a Delta log's own checkpoints aside: they name
    # files and row counts).
    folders = sorted({p.parent for p in root.rglob("*.parquet") if LOG not in p.parts}) if root.is_dir() else []
    con = lake.duckdb()
    try:
        for folder in folders:
            every = sorted(folder.glob("*.parquet"))
            maybe, targets = held.narrow(every, who.pids | who.posts)  # only those that may be there are sought
            chosen = every if clear else maybe  # (clear values: every file's text is read)
            files = [str(f) for f in chosen]
            if not files:
                continue
            con.execute("CREATE OR REPLACE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS pid", [sorted(targets)])
            where = str(folder)[len(str(root)) + 1:]
            table = where.split("/")[0]
            free_text = (*TEXT_COLUMNS.get(table, ()), "url") if table in schema.COLLECTED else None
            tests = []
            for f in location.read_schema(chosen[0]):
                name = f'"{f.name}"'
                is_list = pa.types.is_list(f.type) and pa.types.is_string(f.type.value_type)
                if is_list:  # (list_has_any against a long list costs rows x people; a regex does not)
                    name = f"array_to_string({name}, ' ')"
                elif not pa.types.is_string(f.type):
                    continue
                if is_list or (f.name in free_text if free_text is not None else not f.name.endswith("_pid")):
                    tests += _in_text(name, set(targets))  # a value or inside text
                    if clear:
                        tests.append(f"regexp_matches(lower({name}), {_sql_literal(clear)})")
                else:
                    tests.append(f"{name} IN (SELECT pid FROM wanted)")
            n = con.execute(f"SELECT count(*) FROM read_parquet(?, union_by_name = true) WHERE {' OR '.join(tests)}",
                            [files]).fetchall()[0][0] if tests else 0
            if n:
                found[where] = n
    finally:
        con.close()
    return found


def blank_clear_identity(lake: Lake, engagement: str, pid: str, handles: list[str], names: list[str], reason: str) -> int:
    """Make a publishable person pseudonymous everywhere: clear columns out, and their
    ``handles`` and ``names`` (given by the caller, so a rerun after a crash still knows them)
    in every text replaced by their pseudonym. Returns the files rewritten."""
    pattern = Subjects(frozenset({pid}), handles=tuple(handles), names=tuple(names)).clear_pattern()

    def accounts_fn(table: pa.Table) -> pa.Table | None:
        out, touched = table.to_pylist(), False
        for r in out:
            if r["account_pid"] == pid and (r["handle"] or r["display_name"] or r["location"] or r["publishable"]):
                r.update(handle=None, display_name=None, location=None, publishable=False, publishable_reason=reason)
                touched = True
            touched = _swap(r, ("description", "query"), pattern, pid) or touched
        return pa.Table.from_pylist(out, schema=table.schema) if touched else None

    def posts_fn(table: pa.Table) -> pa.Table | None:
        out, touched = table.to_pylist(), False
        for r in out:
            if r["author_pid"] == pid and r["url"]:
                r["url"], touched = None, True
            touched = _swap(r, ("text", "query"), pattern, pid) or touched
        return pa.Table.from_pylist(out, schema=table.schema) if touched else None

    return len(lake.rewrite(engagement, schema.POSTS, posts_fn)) + len(lake.rewrite(engagement, schema.ACCOUNTS, accounts_fn))


def _swap(row: dict, columns: tuple[str, ...], pattern: re.Pattern[str] | None, pid: str) -> bool:
    """Replace the clear values in ``row``'s text ``columns`` by the pseudonym."""
    touched = False
    for c in columns:
        if pattern is not None and row[c]:
            new = pattern.sub(pid, row[c])
            if new != row[c]:
                row[c], touched = new, True
    return touched


def set_exclusions(lake: Lake, engagement: str, excluded: dict[str, str]) -> None:
    """Who every view of this engagement leaves out (restriction; objection to marketing)."""
    lake.replace(engagement, "exclusions", pa.Table.from_pylist(
        [{"pid": p, "reason": r} for p, r in sorted(excluded.items())], schema=EXCLUSIONS))
