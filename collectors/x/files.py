"""What the tools that save X API v2 responses write, one JSON value per line, told apart by
content: twarc2's response pages (search, timelines, tweet and user lookups), filtered-stream
lines, counts, and compliance job results. The only code that knows those files' shapes.

Nothing here keeps a value from the file in a message: the lines carry people's data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from seula.collectors.payload import PayloadError
from seula.collectors.records import Batch
from seula.collectors.x import normalise as wire

_PROBLEM = re.compile(r"[a-z][a-z-]{0,60}")
Kind = Literal["tweets", "users", "counts", "compliance", "errors"]


class NotPosts(PayloadError):
    """A file of a kind that holds no posts or accounts at all (counts)."""


@dataclass
class Deletion:
    """One item of a compliance job's result: X asks for the tweet or user ``id`` to go (or,
    for ``scrub_geo``, its place: Seula stores none)."""

    id: str
    action: str
    reason: str | None


@dataclass
class Line:
    kind: Kind
    batch: Batch | None = None
    deletion: Deletion | None = None
    # What the platform could not give, by error title, and what it withholds somewhere.
    errors: dict[str, int] = field(default_factory=dict)
    withheld: int = 0


def kind_of(value: Any) -> Kind:
    """Which kind of line ``value`` (one parsed line) is; PayloadError if none."""
    if not isinstance(value, dict):
        raise PayloadError("line: expected a JSON object")
    if "data" not in value:
        if "action" in value and "id" in value:
            return "compliance"
        if isinstance(value.get("errors"), list):
            return "errors"
        raise PayloadError("line: neither a response page, a stream line nor a compliance item")
    data = value["data"]
    first = data[0] if isinstance(data, list) and data else data
    if not isinstance(first, dict):
        return "tweets" if data == [] else _refuse()
    if "tweet_count" in first and "text" not in first:
        return "counts"
    if "username" in first and "text" not in first:
        return "users"
    return "tweets"


def _refuse() -> Kind:
    raise PayloadError("response.data: expected tweets or users")


def read(value: Any, batch: Batch) -> Line:
    """One parsed line as what it holds; the ``batch`` (its provenance) is filled for pages."""
    kind = kind_of(value)
    if kind == "counts":
        raise NotPosts("a tweet counts file (numbers of tweets per period): it holds no posts to import")
    if kind == "compliance":
        return Line(kind, deletion=deletion(value))
    line = Line(kind, errors=_titles(wire.errors(value)))
    if kind == "tweets":
        line.batch = wire.tweets_page(value, batch)
        line.withheld = sum(1 for p in _items(value) if isinstance(p, dict) and p.get("withheld"))
    elif kind == "users":
        line.batch = wire.users_page(value, batch)
        line.withheld = sum(1 for u in _items(value) if isinstance(u, dict) and u.get("withheld"))
    return line


def _items(value: dict) -> list:
    data = value.get("data")
    return [data] if isinstance(data, dict) else data if isinstance(data, list) else []


def deletion(value: dict) -> Deletion:
    """One compliance item (PayloadError if it is not one)."""
    item = Deletion(value.get("id"), value.get("action"), value.get("reason"))
    if not isinstance(item.id, str) or not item.id.isdigit():
        raise PayloadError("compliance.id: not an X id")
    if not isinstance(item.action, str) or not isinstance(item.reason, str | None):
        raise PayloadError("compliance.action: expected a string")
    return item


def _titles(errors: list[dict]) -> dict[str, int]:
    """Errors counted by their problem type (``…/problems/resource-not-found``): their values
    and details name people, and a title is free text a file could put anything in."""
    counts: dict[str, int] = {}
    for e in errors:
        kind = e.get("type") if isinstance(e.get("type"), str) else ""
        name = kind.rsplit("/", 1)[-1]
        name = name if _PROBLEM.fullmatch(name) else "error"
        counts[name] = counts.get(name, 0) + 1
    return counts
