"""Platform-neutral records, as a collector hands them to the privacy layer.

These hold raw platform identifiers and live only in memory: the privacy layer turns
them into pseudonymised rows before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Account:
    platform: str
    account_id: str
    handle: str
    display_name: str | None = None
    description: str | None = None
    location: str | None = None
    verified: bool | None = None
    followers_count: int | None = None
    following_count: int | None = None
    post_count: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Post:
    platform: str
    post_id: str
    author_id: str | None  # None only when the response did not include it (not requested)
    created_at: datetime
    text: str
    lang: str | None = None
    conversation_id: str | None = None
    reply_to_post_id: str | None = None
    reply_to_account_id: str | None = None
    quote_of_post_id: str | None = None
    hashtags: tuple[str, ...] = ()
    # (handle, account id or None) for every mention the platform resolved.
    mentions: tuple[tuple[str, str | None], ...] = ()
    like_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None
    quote_count: int | None = None
    url: str | None = None
    reaction_counts: str | None = None  # JSON {"LIKE": n, …} where the platform has reaction types


@dataclass(frozen=True)
class Follow:
    platform: str
    follower_id: str
    followee_id: str


@dataclass(frozen=True)
class Interaction:
    platform: str
    kind: str  # like | repost | quote | reply | mention
    actor_id: str
    post_id: str
    target_account_id: str | None = None


@dataclass(frozen=True)
class Window:
    """The engagement's collection period."""

    start: datetime
    end: datetime | None


@dataclass
class Batch:
    """What one API page yielded, with where it came from."""

    platform: str
    endpoint: str
    query: str | None
    collected_at: datetime
    accounts: list[Account] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.accounts) + len(self.posts) + len(self.follows) + len(self.interactions)
