"""What to collect from X, incrementally: one generator per kind of source.

Each generator yields ``(batch, state)``: the caller stores the batch, then saves the
state as the source's checkpoint. State holds times and opaque page tokens only.
A post is found again only if its page is fetched again after a crash, and the lake's
keys make that harmless.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from seula.collectors.http import MalformedResponse
from seula.collectors.records import Batch, Window
from seula.collectors.x import normalise as wire
from seula.collectors.x.api import XApi

State = dict[str, Any]
TWEET_PARAMS = {
    "expansions": wire.EXPANSIONS,
    "tweet_fields": wire.TWEET_FIELDS,
    "user_fields": wire.USER_FIELDS,
}


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(t: str | None) -> datetime | None:
    return datetime.fromisoformat(t.replace("Z", "+00:00")) if t else None


def _shaped(endpoint: str, payload: dict, parse: Callable[[], Batch]) -> Batch:
    """A page that is JSON but not the API's shape is as unusable as broken JSON: quarantine it."""
    try:
        return parse()
    except wire.PayloadError as exc:
        raise MalformedResponse(f"{endpoint}: {exc}", json.dumps(payload, ensure_ascii=False)) from None


class XSource:
    def __init__(self, api: XApi, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.api = api
        self.now = now

    def _batch(self, endpoint: str, query: str | None) -> Batch:
        return Batch(platform=wire.PLATFORM, endpoint=endpoint, query=query, collected_at=self.now())

    def _incremental(
        self, endpoint: str, query: str, method: Callable, args: tuple, state: State, window: Window, page_size: int,
        token_param: str, on_page: Callable[[Batch], None] | None = None,
    ) -> Iterator[tuple[Batch, State]]:
        high_water = _parse(state.get("high_water"))
        pending = state.get("pending")
        if pending:
            start, token, newest = _parse(pending["start_time"]), pending["next_token"], _parse(pending.get("newest"))
        else:
            start = max(window.start, high_water + timedelta(seconds=1)) if high_water else window.start
            token, newest = None, high_water
        params: dict[str, Any] = {"start_time": _iso(start), "max_results": page_size, **TWEET_PARAMS}
        end = window.end if window.end and window.end < self.now() else None
        if end:
            params["end_time"] = _iso(end)
        if end and start >= end:
            return
        for payload, next_token in self.api.pages(endpoint, method, *args, token_param=token_param, token=token, **params):
            batch = _shaped(endpoint, payload, lambda: wire.tweets_page(payload, self._batch(endpoint, query)))
            if on_page:
                on_page(batch)
            times = [p.created_at for p in batch.posts]
            newest = max([newest, *times] if newest else times) if times else newest
            done = {"high_water": _iso(newest) if newest else state.get("high_water"), "pending": None}
            pending_state = {
                "high_water": state.get("high_water"),
                "pending": {"start_time": _iso(start), "next_token": next_token, "newest": _iso(newest) if newest else None},
            }
            yield batch, (pending_state if next_token else done)

    def search(self, query: str, state: State, window: Window, archive: bool = False) -> Iterator[tuple[Batch, State]]:
        c = self.api.client
        endpoint, method, size = ("search_all", c.search_all_tweets, 500) if archive else ("search_recent", c.search_recent_tweets, 100)
        yield from self._incremental(endpoint, query, method, (query,), state, window, size, "next_token")

    def lookup(self, handles: list[str]) -> tuple[Batch, dict[str, str]]:
        """Resolve handles to accounts; returns the batch and a lower-case handle -> id map."""
        batch = self._batch("users_by_usernames", None)
        for i in range(0, len(handles), 100):
            payload = self.api.call(
                "users_by_usernames", self.api.client.get_users, usernames=handles[i : i + 100], user_fields=wire.USER_FIELDS
            )
            wire.users_page(payload, batch)
        return batch, {a.handle.lower(): a.account_id for a in batch.accounts}

    def timeline(
        self, user_id: str, state: State, window: Window, *, engaged_posts: int = 0, kinds: frozenset[str] = frozenset()
    ) -> Iterator[tuple[Batch, State]]:
        """An account's posts; for the first ``engaged_posts`` of them with any, who liked or reposted them."""
        budget = [engaged_posts]

        def engaged(batch: Batch) -> None:
            for post in list(batch.posts):
                if budget[0] <= 0:
                    return
                wanted = [
                    (kind, endpoint, method)
                    for kind, endpoint, method, count in (
                        ("like", "liking_users", self.api.client.get_liking_users, post.like_count),
                        ("repost", "retweeted_by", self.api.client.get_retweeters, post.repost_count),
                    )
                    if kind in kinds and count
                ]
                if wanted:
                    budget[0] -= 1
                for kind, endpoint, method in wanted:
                    for payload, _ in self.api.pages(
                        endpoint, method, post.post_id, token_param="pagination_token", token=None,
                        max_results=100, user_fields=wire.USER_FIELDS,
                    ):
                        wire.engaged_users_page(payload, batch, post.post_id, post.author_id, kind)

        yield from self._incremental(
            "user_tweets", "timeline", self.api.client.get_users_tweets, (user_id,), state, window, 100,
            "pagination_token", on_page=engaged if kinds and engaged_posts else None,
        )

    def follows(self, user_id: str, direction: str, state: State, refresh_after: timedelta) -> Iterator[tuple[Batch, State]]:
        """Followers or following of one account, fetched again once ``refresh_after`` has passed."""
        pending = state.get("pending")
        done_at = _parse(state.get("completed_at"))
        if not pending and done_at and self.now() - done_at < refresh_after:
            return
        method = self.api.client.get_users_followers if direction == "followers" else self.api.client.get_users_following
        token = pending["next_token"] if pending else None
        for payload, next_token in self.api.pages(
            direction, method, user_id, token_param="pagination_token", token=token, max_results=1000, user_fields=wire.USER_FIELDS
        ):
            batch = _shaped(direction, payload, lambda: wire.follows_page(payload, self._batch(direction, None), user_id, direction))
            if next_token:
                yield batch, {"completed_at": state.get("completed_at"), "pending": {"next_token": next_token}}
            else:
                yield batch, {"completed_at": _iso(self.now()), "pending": None}
