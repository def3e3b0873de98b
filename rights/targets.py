"""Resolving a request once, to durable targets: everything that identifies its subject.

A request names a person by platform id or handle. Stored data name them by engagement
pseudonyms, by keyed hashes in the identity index and, for publishable people, by clear
handle and display name. Resolution collects all of these, engagement by engagement, and
the request keeps them until it closes. Targets only ever grow: a later resolution, made
after an objection blanked the clear handle or after half of an erasure, adds to them and
never replaces them, so nothing a later step changes makes the subject unfindable.

Names never resolve a person (two people can share one); they are only searched for in
stored text and suppressed in later collections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from seula.lake import schema
from seula.rights import registers
from seula.lake.store import Lake
from seula.privacy.pseudonyms import STANDS_FOR, Pseudonymiser


@dataclass
class Targets:
    platform: str
    pids: dict[str, list[str]] = field(default_factory=dict)  # engagement -> account pseudonyms
    posts: dict[str, list[str]] = field(default_factory=dict)  # engagement -> the subject's own posts
    tokens: dict[str, list[str]] = field(default_factory=dict)  # engagement -> "kind:token" index entries
    # Clear values, kept only while the request is open: stored text of publishable people
    # holds them in clear and must be searched for them.
    ids: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    # The survey and customer registers' own keys for the person (``rights.registers``).
    registers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Targets:
        return cls(**raw)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def keyed_only(self) -> Targets:
        return Targets(self.platform, pids=self.pids, tokens=self.tokens, registers=self.registers)

    def pids_in(self, engagement: str) -> set[str]:
        return set(self.pids.get(engagement, []))

    def every_pid(self, engagement: str) -> set[str]:
        """Account and post pseudonyms of the subject in one engagement."""
        return self.pids_in(engagement) | set(self.posts.get(engagement, []))

    def merge(self, other: Targets) -> Targets:
        def union(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, list[str]]:
            return {e: sorted(set(a.get(e, [])) | set(b.get(e, []))) for e in sorted(a.keys() | b.keys())}

        return Targets(
            self.platform, union(self.pids, other.pids), union(self.posts, other.posts), union(self.tokens, other.tokens),
            sorted(set(self.ids) | set(other.ids)), sorted(set(self.handles) | set(other.handles)),
            sorted(set(self.names) | set(other.names)), registers.merge(self.registers, other.registers),
        )


def _column(table: pa.Table, name: str) -> list[Any]:
    return table[name].to_pylist()


def resolve(lake: Lake, engagements: list[str], pseudonymiser: Callable[[str], Pseudonymiser], platform: str,
            user_id: str | None, handle: str | None, previous: Targets | None = None) -> Targets:
    """The subject's targets in every engagement, added to ``previous``.

    Two rounds: a handle or id learnt in one engagement (a publishable account's clear
    handle, say) is looked up in all of them.
    """
    t = Targets(platform).merge(previous) if previous else Targets(platform)
    t = t.merge(Targets(platform, ids=[user_id] if user_id else [], handles=[handle.lstrip("@").lower()] if handle else []))
    for _ in range(2):
        for e in engagements:
            t = t.merge(_resolve_in(lake, e, pseudonymiser(e), t))
    return t


def _resolve_in(lake: Lake, engagement: str, pseudo: Pseudonymiser, t: Targets) -> Targets:
    platform = t.platform
    pids = t.pids_in(engagement) | {pseudo.account(platform, i) for i in t.ids}
    pids |= {pseudo.unresolved_handle(platform, h) for h in t.handles}  # as met in text only
    index = lake.read(engagement, "identity_index", schema.IDENTITY_INDEX.schema)
    index = index.filter(pc.equal(index["platform"], platform))
    handle_tokens = pa.array(sorted({pseudo.token("handle", h) for h in t.handles}), pa.string())
    by_handle = index.filter(pc.and_(pc.equal(index["kind"], "handle"), pc.is_in(index["token_hash"], value_set=handle_tokens)))
    pids |= set(_column(by_handle, "account_pid"))
    accounts = lake.read(engagement, "accounts", schema.ACCOUNTS.schema,
                         columns=["account_pid", "platform", "handle", "display_name"])
    accounts = accounts.filter(pc.equal(accounts["platform"], platform))
    if t.handles:
        lowered = pc.utf8_lower(accounts["handle"])
        pids |= set(_column(accounts.filter(pc.fill_null(pc.is_in(lowered, value_set=pa.array(t.handles, pa.string())), False)),
                            "account_pid"))

    wanted = pa.array(sorted(pids), pa.string())
    theirs = accounts.filter(pc.is_in(accounts["account_pid"], value_set=wanted))
    handles = {h.lower() for h in _column(theirs, "handle") if h}
    names = {n for n in _column(theirs, "display_name") if n and len(n.split()) > 1}
    entries = index.filter(pc.is_in(index["account_pid"], value_set=wanted))
    tokens = {f"{k}:{v}" for k, v in zip(_column(entries, "kind"), _column(entries, "token_hash"))}
    # Their handle's and name's own pseudonyms, in text stored before their account was met: they go too.
    pids |= {f"{prefix}_{v}" for k, v in zip(_column(entries, "kind"), _column(entries, "token_hash"))
             for prefix, kind in STANDS_FOR.items() if k == kind}
    posts = lake.read(engagement, "posts", schema.POSTS.schema, columns=["post_pid", "author_pid"])
    own = _column(posts.filter(pc.fill_null(pc.is_in(posts["author_pid"], value_set=wanted), False)), "post_pid")
    return Targets(platform, {engagement: sorted(pids)}, {engagement: sorted(own)}, {engagement: sorted(tokens)},
                   handles=sorted(handles), names=sorted(names))
