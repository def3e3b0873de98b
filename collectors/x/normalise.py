"""X API v2 wire format -> Seula records. The only code that knows X's JSON shapes.

Errors name the field that was wrong, never its value: payloads carry people's data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seula.collectors.payload import PayloadError
from seula.collectors.payload import field as _get
from seula.collectors.records import Account, Batch, Follow, Interaction, Post

PLATFORM = "x"
TWEET_FIELDS = [
    "created_at", "author_id", "lang", "conversation_id", "in_reply_to_user_id",
    "referenced_tweets", "entities", "public_metrics",
]
USER_FIELDS = ["created_at", "description", "location", "verified", "protected", "public_metrics"]
EXPANSIONS = ["author_id", "entities.mentions.username", "in_reply_to_user_id", "referenced_tweets.id.author_id"]
_SNOWFLAKE_EPOCH_MS = 1288834974657


def _list(obj: dict, key: str, where: str) -> list:
    value = obj.get(key) or []
    if not isinstance(value, list):
        raise PayloadError(f"{where}.{key}: expected a list")
    return value


def _id(obj: Any, key: str, where: str, required: bool = True) -> str | None:
    value = _get(obj, key, str, where, required)
    if value is not None and not value.isdigit():
        raise PayloadError(f"{where}.{key}: not an X id")
    return value


def _time(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise PayloadError(f"{where}: not an ISO 8601 time") from None


def snowflake_time(post_id: str) -> datetime:
    """X ids embed their creation time; used when created_at was not requested."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + _SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def _metrics(obj: dict, where: str) -> dict[str, int]:
    metrics = _get(obj, "public_metrics", dict, where, required=False) or {}
    return {k: v for k, v in metrics.items() if isinstance(v, int) and not isinstance(v, bool)}


def account(user: Any, where: str = "user") -> Account:
    m = _metrics(user, where)
    return Account(
        platform=PLATFORM,
        account_id=_id(user, "id", where),
        handle=_get(user, "username", str, where),
        display_name=_get(user, "name", str, where, required=False),
        description=_get(user, "description", str, where, required=False),
        location=_get(user, "location", str, where, required=False),
        verified=_get(user, "verified", bool, where, required=False),
        followers_count=m.get("followers_count"),
        following_count=m.get("following_count"),
        post_count=m.get("tweet_count"),
        created_at=_time(_get(user, "created_at", str, where, required=False), f"{where}.created_at"),
    )


def _entities(tweet: dict, where: str) -> tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
    entities = _get(tweet, "entities", dict, where, required=False) or {}
    tags = tuple(_get(h, "tag", str, f"{where}.entities.hashtags") for h in _list(entities, "hashtags", f"{where}.entities"))
    mentions = tuple(
        (_get(m, "username", str, f"{where}.entities.mentions"), _id(m, "id", f"{where}.entities.mentions", False))
        for m in _list(entities, "mentions", f"{where}.entities")
    )
    return tags, mentions


def post(tweet: Any, handles: dict[str, str], authors: dict[str, str], where: str = "tweet") -> tuple[Post, list[Interaction]]:
    """One tweet and the interactions it expresses (reply, quote, mention).

    ``handles`` maps user id -> username and ``authors`` maps tweet id -> author id, both
    from the page's ``includes``.
    """
    post_id = _id(tweet, "id", where)
    author_id = _id(tweet, "author_id", where, required=False)
    refs = _get(tweet, "referenced_tweets", list, where, required=False) or []
    ref = {_get(r, "type", str, f"{where}.referenced_tweets"): _id(r, "id", f"{where}.referenced_tweets") for r in refs}
    tags, mentions = _entities(tweet, where)
    # A retweet carries its original's counts: counted once, for the original, not per repost.
    m = {} if "retweeted" in ref else _metrics(tweet, where)
    created = _time(_get(tweet, "created_at", str, where, required=False), f"{where}.created_at")
    reply_to_account = _id(tweet, "in_reply_to_user_id", where, required=False)
    p = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author_id,
        created_at=created or snowflake_time(post_id),
        text=_get(tweet, "text", str, where),
        lang=_get(tweet, "lang", str, where, required=False),
        conversation_id=_id(tweet, "conversation_id", where, required=False),
        reply_to_post_id=ref.get("replied_to"),
        reply_to_account_id=reply_to_account,
        quote_of_post_id=ref.get("quoted"),
        hashtags=tags,
        mentions=mentions,
        like_count=m.get("like_count"),
        repost_count=m.get("retweet_count"),
        reply_count=m.get("reply_count"),
        quote_count=m.get("quote_count"),
        url=f"https://x.com/{handles[author_id]}/status/{post_id}" if author_id and author_id in handles else None,
    )
    if author_id is None:
        return p, []  # nobody to attribute the interactions to
    acts = [Interaction(PLATFORM, "mention", author_id, post_id, aid) for _, aid in mentions if aid]
    if p.reply_to_post_id:
        acts.append(Interaction(PLATFORM, "reply", author_id, p.reply_to_post_id, reply_to_account))
    if p.quote_of_post_id:
        acts.append(Interaction(PLATFORM, "quote", author_id, p.quote_of_post_id, authors.get(p.quote_of_post_id)))
    return p, acts


def _page(payload: Any) -> tuple[list, dict]:
    if not isinstance(payload, dict):
        raise PayloadError("response: expected an object")
    data = payload.get("data", [])
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise PayloadError("response.data: expected a list")
    includes = payload.get("includes") or {}
    if not isinstance(includes, dict):
        raise PayloadError("response.includes: expected an object")
    return data, includes


def tweets_page(payload: Any, batch: Batch) -> Batch:
    """A page of tweets (search, timeline, quotes) with its included users."""
    data, includes = _page(payload)
    users = [account(u, "includes.users") for u in _list(includes, "users", "includes")]
    handles = {u.account_id: u.handle for u in users}
    authors = {
        _id(t, "id", "includes.tweets"): _id(t, "author_id", "includes.tweets", required=False)
        for t in _list(includes, "tweets", "includes")
    }
    batch.accounts.extend(users)
    for i, tweet in enumerate(data):
        p, acts = post(tweet, handles, authors, f"data[{i}]")
        batch.posts.append(p)
        batch.interactions.extend(acts)
    return batch


def users_page(payload: Any, batch: Batch) -> Batch:
    data, _ = _page(payload)
    batch.accounts.extend(account(u, f"data[{i}]") for i, u in enumerate(data))
    return batch


def follows_page(payload: Any, batch: Batch, user_id: str, direction: str) -> Batch:
    """A followers or following page of ``user_id``; ``direction`` is the endpoint name."""
    before = len(batch.accounts)
    users_page(payload, batch)
    for other in batch.accounts[before:]:
        pair = (other.account_id, user_id) if direction == "followers" else (user_id, other.account_id)
        batch.follows.append(Follow(PLATFORM, *pair))
    return batch


def engaged_users_page(payload: Any, batch: Batch, post_id: str, author_id: str, kind: str) -> Batch:
    """Liking users (kind ``like``) or reposters (kind ``repost``) of one post."""
    before = len(batch.accounts)
    users_page(payload, batch)
    for other in batch.accounts[before:]:
        batch.interactions.append(Interaction(PLATFORM, kind, other.account_id, post_id, author_id))
    return batch


def errors(payload: Any) -> list[dict]:
    """The ``errors`` array of a 200 response (deleted posts, unknown users…), if any."""
    if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
        return [e for e in payload["errors"] if isinstance(e, dict)]
    return []
