"""What to collect from Facebook, incrementally: a Page, its posts, their comments and reactions.

Like the X source, each generator yields ``(batch, state)``; state holds times and opaque
cursors only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from seula.collectors.facebook import normalise as wire
from seula.collectors.facebook.api import GoneObject, GraphApi
from seula.collectors.records import Batch, Window

State = dict[str, Any]


class FacebookSource:
    def __init__(self, api: GraphApi, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.api = api
        self.now = now

    def gone(self, object_ids: list[str]) -> Iterator[str]:
        """Those of the stored posts and comments that Facebook no longer gives: deleted, or
        no longer public (one request each: the Graph API has no batch compliance). A
        RateLimitStop ends it early; what was found until then stands."""
        for object_id in object_ids:
            try:
                self.api.call("recheck", object_id, fields="id")
            except GoneObject:
                yield object_id

    def _batch(self, endpoint: str, query: str | None = None) -> Batch:
        return Batch(wire.PLATFORM, endpoint, query, self.now())

    def page(self, page: str) -> tuple[Batch, str]:
        """The Page itself; returns the batch and its numeric id."""
        payload = self.api.call("page", page, fields="id,name,username,fan_count,about")
        batch = wire.page(payload, self._batch("page"))
        return batch, batch.accounts[0].account_id

    def posts(
        self, page_id: str, state: State, window: Window, *, kinds: frozenset[str] = frozenset(), engaged_posts: int = 0,
        page_size: int = 100,
    ) -> Iterator[tuple[Batch, State]]:
        """The Page's posts since the last run; for the first ``engaged_posts``, comments and reactions."""
        high_water = state.get("high_water")
        pending = state.get("pending") or {}
        since = pending.get("since") or (
            int(datetime.fromisoformat(high_water).timestamp()) + 1 if high_water else int(window.start.timestamp()))
        until = int(window.end.timestamp()) if window.end and window.end < self.now() else None
        newest = pending.get("newest") or high_water
        budget = [engaged_posts]
        args: dict[str, Any] = {"fields": wire.POST_FIELDS, "since": since, "limit": page_size}
        if until:
            args["until"] = until
        for payload, after in self.api.pages("posts", f"{page_id}/posts", pending.get("after"), **args):
            batch = wire.posts_page(payload, self._batch("posts"), page_id)
            for post in list(batch.posts):
                if budget[0] <= 0:
                    break
                budget[0] -= 1
                if "comments" in kinds and post.reply_count:
                    for page_, _ in self.api.pages("comments", f"{post.post_id}/comments", fields=wire.COMMENT_FIELDS,
                                                   filter="stream", limit=100):
                        wire.comments_page(page_, batch, post.post_id, page_id)
                if "reactions" in kinds and post.like_count:
                    for page_, _ in self.api.pages("reactions", f"{post.post_id}/reactions", fields="id,name,type", limit=100):
                        wire.reactions_page(page_, batch, post.post_id, page_id)
            times = [p.created_at.isoformat() for p in batch.posts if p.author_id == page_id]
            newest = max([t for t in [newest, *times] if t], default=None)
            if after:
                yield batch, {"high_water": high_water, "pending": {"since": since, "after": after, "newest": newest}}
            else:
                yield batch, {"high_water": newest, "pending": None}


