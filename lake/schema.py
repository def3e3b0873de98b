"""Seula's stored tables, defined once.

Every key column holds a keyed pseudonym (see ``privacy.pseudonyms``), never a platform id:
joins work the same whether or not a person is publishable, and an objection only has to
blank the clear columns (``handle``, ``display_name``, ``url``) instead of re-keying rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TS = pa.timestamp("us", tz="UTC")

PROVENANCE = [
    pa.field("engagement", pa.string(), nullable=False),
    pa.field("platform", pa.string(), nullable=False),
    pa.field("endpoint", pa.string(), nullable=False),
    pa.field("query", pa.string()),
    pa.field("collected_at", TS, nullable=False),
]


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    # The columns that hold account pseudonyms: what an erasure or restriction matches on.
    subject_columns: tuple[str, ...]
    # Columns computed on every write, each from one other column (name, source, function of
    # one source value), so no rewrite can leave them stale; the writer may leave them out.
    derive: tuple[tuple[str, str, Callable[[Any], Any]], ...] = ()

    def complete(self, table: pa.Table, previous: pa.Table | None = None) -> pa.Table:
        """``table`` in this spec's types, its derived columns (re)computed; any other
        missing or unknown column is an error here, not a surprise on disk.

        ``previous`` (the file a rewrite read) lends the values of sources it already had:
        a rewrite that changes a few texts recomputes only theirs."""
        for name, _, _ in self.derive:
            if name not in table.column_names:
                table = table.append_column(name, pa.nulls(table.num_rows, self.schema.field(name).type))
        table = table.select(self.schema.names) if set(table.column_names) == set(self.schema.names) else table
        table = table.cast(self.schema)
        for name, source, compute in self.derive:
            field = self.schema.field(name)
            column = table[source].combine_chunks()
            if previous is None or name not in previous.column_names:
                values = pa.array([compute(v) for v in column.to_pylist()], field.type)
            else:  # by value, in Arrow: one take from the old values and the few computed afresh
                old = previous[name].combine_chunks().cast(field.type)
                index = np.array(pc.fill_null(pc.index_in(column, value_set=previous[source].combine_chunks()), -1), np.int64)
                missing = np.flatnonzero(index < 0)
                fresh = pa.array([compute(v) for v in column.take(pa.array(missing, pa.int64())).to_pylist()], field.type)
                index[missing] = len(old) + np.arange(len(missing))
                values = old if len(index) == len(old) and (index == np.arange(len(old))).all() else \
                    pa.concat_arrays([old, fresh]).take(pa.array(index))
            table = table.set_column(self.schema.get_field_index(name), field, values)
        return table


def _spec(name: str, fields: list[pa.Field], key: tuple[str, ...], subjects: tuple[str, ...],
          derive: tuple[tuple[str, str, Callable[[Any], Any]], ...] = ()) -> TableSpec:
    return TableSpec(name, pa.schema(fields + PROVENANCE), key, subjects, derive)


# A term: a run of at least three letters (hyphens inside allowed) that starts a word.
TERM = re.compile(r"(?<!\S)[^\W\d_](?:[^\W\d_]|-){2,}")


def post_terms(text: str | None) -> list[str]:
    """A post's distinct lower-case terms, in order: finding them once, on write, keeps the
    term statistics over millions of posts a group-by instead of a regex over every text."""
    return list(dict.fromkeys(TERM.findall(text.lower()))) if text else []


def pid_key(pid: str | None) -> int | None:
    """A pseudonym's first 60 hash bits as a number. Grouping ten million posts by author is
    2–3× faster on a number than on the string; 60 keyed-hash bits keep people apart (the
    chance of any two of a million sharing a key is 4 in 10 million)."""
    return int(pid[2:17], 16) if pid else None


ACCOUNTS = _spec(
    "accounts",
    [
        pa.field("account_pid", pa.string(), nullable=False),
        pa.field("handle", pa.string()),
        pa.field("display_name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("location", pa.string()),
        pa.field("verified", pa.bool_()),
        pa.field("followers_count", pa.int64()),
        pa.field("following_count", pa.int64()),
        pa.field("post_count", pa.int64()),
        pa.field("created_at", TS),
        pa.field("publishable", pa.bool_(), nullable=False),
        pa.field("publishable_reason", pa.string(), nullable=False),
        pa.field("account_key", pa.int64()),  # derived from account_pid (``pid_key``)
    ],
    key=("account_pid",),
    subjects=("account_pid",),
    derive=(("account_key", "account_pid", pid_key),),
)

POSTS = _spec(
    "posts",
    [
        pa.field("post_pid", pa.string(), nullable=False),
        pa.field("author_pid", pa.string()),  # null only when the API response left the author out
        pa.field("created_at", TS, nullable=False),
        pa.field("lang", pa.string()),
        pa.field("text", pa.string()),
        pa.field("conversation_pid", pa.string()),
        pa.field("reply_to_post_pid", pa.string()),
        pa.field("reply_to_account_pid", pa.string()),
        pa.field("quote_of_post_pid", pa.string()),
        pa.field("hashtags", pa.list_(pa.string())),
        pa.field("mention_pids", pa.list_(pa.string())),
        pa.field("like_count", pa.int64()),
        pa.field("repost_count", pa.int64()),
        pa.field("reply_count", pa.int64()),
        pa.field("quote_count", pa.int64()),
        pa.field("url", pa.string()),
        pa.field("reaction_counts", pa.string()),  # JSON {"LIKE": n, …} (Facebook)
        pa.field("terms", pa.list_(pa.string())),  # derived from text (``post_terms``)
        pa.field("author_key", pa.int64()),  # derived from author_pid (``pid_key``)
    ],
    key=("post_pid",),
    subjects=("author_pid", "reply_to_account_pid"),
    derive=(("terms", "text", post_terms), ("author_key", "author_pid", pid_key)),
)

FOLLOWS = _spec(
    "follows",
    [
        pa.field("follower_pid", pa.string(), nullable=False),
        pa.field("followee_pid", pa.string(), nullable=False),
    ],
    key=("follower_pid", "followee_pid"),
    subjects=("follower_pid", "followee_pid"),
)

INTERACTIONS = _spec(
    "interactions",
    [
        # like | repost | quote | reply | mention
        pa.field("kind", pa.string(), nullable=False),
        pa.field("actor_pid", pa.string(), nullable=False),
        pa.field("post_pid", pa.string(), nullable=False),
        pa.field("target_account_pid", pa.string()),
    ],
    key=("kind", "actor_pid", "post_pid", "target_account_pid"),
    subjects=("actor_pid", "target_account_pid"),
)

# Keyed hashes of the handles and display names of non-publishable people, so that a
# later collection can find them in text without the lake ever holding the clear value.
IDENTITY_INDEX = _spec(
    "identity_index",
    [
        pa.field("kind", pa.string(), nullable=False),  # handle | name | first (first word of a name)
        pa.field("token_hash", pa.string(), nullable=False),
        pa.field("account_pid", pa.string(), nullable=False),
    ],
    key=("kind", "token_hash"),
    subjects=("account_pid",),
)

# Pages that could not be read, kept aside (pseudonymised) with the error, never dropped silently.
QUARANTINE = _spec(
    "quarantine",
    [
        pa.field("page_hash", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("error", pa.string(), nullable=False),
        pa.field("body", pa.string()),
    ],
    key=("page_hash",),
    subjects=(),
)

# One row per collection task: what it cost and what it could not get, so a report can say
# how complete its data are (rate-limit waits, retries, deleted/protected/suspended items).
COLLECTION_LOG = _spec(
    "collection_log",
    [
        pa.field("task", pa.string(), nullable=False),
        pa.field("started_at", TS, nullable=False),
        pa.field("pages", pa.int64(), nullable=False),
        pa.field("new_rows", pa.int64(), nullable=False),
        pa.field("requests", pa.int64(), nullable=False),
        pa.field("retries", pa.int64(), nullable=False),
        pa.field("rate_limit_waits", pa.int64(), nullable=False),
        pa.field("rate_limit_seconds", pa.float64(), nullable=False),
        pa.field("api_errors", pa.string()),  # JSON {error title or code: count}: items the API could not give
        pa.field("stopped", pa.string()),
        pa.field("quarantined", pa.int64(), nullable=False),
    ],
    key=("task", "started_at"),
    subjects=(),
)

# Each stored account's and post's own platform id, sealed (``Pseudonymiser.seal``): what a
# platform's compliance check is asked about (X's batch compliance takes ids). Not a view,
# not in an archive or an access export; erased with its row.
PLATFORM_IDS = _spec(
    "platform_ids",
    [
        pa.field("kind", pa.string(), nullable=False),  # account | post
        pa.field("pid", pa.string(), nullable=False),
        pa.field("sealed", pa.binary(), nullable=False),
    ],
    key=("pid",),
    subjects=("pid",),
)

COLLECTED: dict[str, TableSpec] = {
    t.name: t for t in (ACCOUNTS, POSTS, FOLLOWS, INTERACTIONS, IDENTITY_INDEX, QUARANTINE, COLLECTION_LOG)
}
STORED: dict[str, TableSpec] = {**COLLECTED, PLATFORM_IDS.name: PLATFORM_IDS}  # every table the sieve writes


def empty(spec: TableSpec) -> pa.Table:
    return spec.schema.empty_table()


def conform(spec: TableSpec, rows: list[dict]) -> pa.Table:
    """Build a table of ``spec`` from row dicts; a missing or mistyped column fails here, not on disk."""
    return pa.Table.from_pylist(rows, schema=spec.schema)

# Derived by the privacy layer from the stored (already sieved) tables, rewritten whole.
FINDINGS = pa.schema([
    pa.field("subject", pa.string(), nullable=False),  # post | account
    pa.field("subject_pid", pa.string(), nullable=False),
    pa.field("field", pa.string(), nullable=False),  # text | description
    pa.field("entity_type", pa.string(), nullable=False),
    pa.field("start", pa.int32(), nullable=False),  # offsets into the stored (redacted) text
    pa.field("end", pa.int32(), nullable=False),
    pa.field("score", pa.float64(), nullable=False),
    pa.field("party", pa.string()),
    pa.field("self_declared", pa.bool_()),
])

# Political affiliation kept about a person: only where manifestly public (invariant 5).
AFFILIATIONS = pa.schema([
    pa.field("account_pid", pa.string(), nullable=False),
    pa.field("party", pa.string(), nullable=False),
    pa.field("basis", pa.string(), nullable=False),
    pa.field("evidence_pid", pa.string()),
])
