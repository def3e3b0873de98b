"""Saved Facebook Graph API JSON, as researchers keep it: a response (``data`` and
``paging``) or a single object, in a file of its own or one per line, across Graph versions.

Posts and statuses (a 2011 status has ``updated_time`` where later ones have
``created_time``, and embeds its comments and likes), comments with their replies, and the
reactions or likes of either. What each object is, is read from its fields, since a saved
response does not say which request it answered. Messages name fields, never values.
"""

from __future__ import annotations

import json
from typing import Any

from seula.collectors.facebook.normalise import PLATFORM, REACTION_TYPES, _time
from seula.collectors.payload import PayloadError
from seula.collectors.payload import field as _field
from seula.collectors.records import Account, Batch, Interaction, Post

_COMMENT_ONLY = {"can_remove", "user_likes", "like_count", "parent", "comment_count", "can_comment"}
_GRAPH = {"created_time", "updated_time", "message", "from", "reactions", "likes", "comments", "story", "paging"}
_X = {"text", "username", "author_id", "includes", "tweet_count", "action"}


def is_graph(value: Any) -> bool:
    """Whether a parsed JSON value is a Graph API response or object (and not X's)."""
    if not isinstance(value, dict):
        return False
    items = value.get("data") if isinstance(value.get("data"), list) else [value]
    keys = set(value) | {k for item in items[:5] if isinstance(item, dict) for k in item}
    return bool(keys & _GRAPH) and not keys & _X


def read(value: Any, batch: Batch) -> list[str]:
    """Every post, comment, reply, reaction and like in one saved response or object, into
    ``batch``; an item that is not readable is left out whole and named in the list returned
    (one saved response holds many posts: one broken post must not lose the others)."""
    if not isinstance(value, dict):
        raise PayloadError("response: expected an object")
    items = value["data"] if isinstance(value.get("data"), list) else [value]
    problems = []
    for i, item in enumerate(items):
        one = Batch(batch.platform, batch.endpoint, batch.query, batch.collected_at)
        try:
            if not isinstance(item, dict):
                raise PayloadError(f"data[{i}]: expected an object")
            if item.keys() & _COMMENT_ONLY:
                _comment(item, one, None, f"data[{i}]")
            else:
                _post(item, one, f"data[{i}]")
        except PayloadError as exc:
            problems.append(str(exc))
            continue
        batch.accounts += one.accounts
        batch.posts += one.posts
        batch.interactions += one.interactions
    return problems


def _created(item: dict, where: str) -> Any:
    value = _field(item, "created_time", str, where, required=False) or _field(item, "updated_time", str, where, False)
    if value is None:
        raise PayloadError(f"{where}.created_time: missing (and no updated_time)")
    return _time(value, f"{where}.created_time")


def _author(item: dict, batch: Batch, where: str) -> str | None:
    author = _field(item, "from", dict, where, required=False)
    if author is None:
        return None
    author_id = _field(author, "id", str, f"{where}.from")
    batch.accounts.append(Account(PLATFORM, author_id, author_id, _field(author, "name", str, f"{where}.from", False)))
    return author_id


def _count(item: dict, key: str) -> int | None:
    value = item.get(key)
    if isinstance(value, dict):
        summary = value.get("summary") if isinstance(value.get("summary"), dict) else {}
        count = summary.get("total_count", value.get("count"))
        return count if isinstance(count, int) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _post(item: dict, batch: Batch, where: str) -> None:
    post_id = _field(item, "id", str, where)
    # A post object without ``from`` is still its Page's: a post id is "<page id>_<post id>".
    author_id = _author(item, batch, where) or (post_id.split("_")[0] if "_" in post_id else None)
    if author_id is None:
        raise PayloadError(f"{where}.from: missing (and the id names no Page)")
    reactions = _people(item, "reactions", batch, post_id, author_id, f"{where}.reactions")
    reactions += _people(item, "likes", batch, post_id, author_id, f"{where}.likes")
    counts = {t: sum(1 for kind in reactions if kind == t) for t in REACTION_TYPES}
    shares = item.get("shares") if isinstance(item.get("shares"), dict) else {}
    batch.posts.append(Post(
        platform=PLATFORM, post_id=post_id, author_id=author_id, created_at=_created(item, where),
        text=_field(item, "message", str, where, required=False) or _field(item, "story", str, where, False) or "",
        url=_field(item, "permalink_url", str, where, required=False),
        like_count=_count(item, "reactions") or _count(item, "likes") or (len(reactions) or None),
        reply_count=_count(item, "comments"),
        repost_count=shares.get("count") if isinstance(shares.get("count"), int) else None,
        reaction_counts=json.dumps({t: n for t, n in counts.items() if n}) if any(counts.values()) else None,
    ))
    comments = item.get("comments")
    if isinstance(comments, dict) and isinstance(comments.get("data"), list):
        for i, comment in enumerate(comments["data"]):
            if not isinstance(comment, dict):
                raise PayloadError(f"{where}.comments.data[{i}]: expected an object")
            _comment(comment, batch, (post_id, author_id), f"{where}.comments.data[{i}]")


def _people(item: dict, key: str, batch: Batch, post_id: str, author_id: str | None, where: str) -> list[str]:
    """The reactions (or, before reactions, likes) listed on an object; their types."""
    listed = item.get(key)
    if not isinstance(listed, dict) or not isinstance(listed.get("data"), list):
        return []
    kinds = []
    for i, person in enumerate(listed["data"]):
        at = f"{where}.data[{i}]"
        user_id = _field(person, "id", str, at)
        kind = _field(person, "type", str, at, required=False) or "LIKE"
        batch.accounts.append(Account(PLATFORM, user_id, user_id, _field(person, "name", str, at, required=False)))
        batch.interactions.append(Interaction(PLATFORM, f"reaction:{kind}", user_id, post_id, author_id))
        kinds.append(kind)
    return kinds


def _comment(item: dict, batch: Batch, post: tuple[str, str] | None, where: str) -> None:
    comment_id = _field(item, "id", str, where)
    author_id = _author(item, batch, where)
    if author_id is None:
        return  # the commenter's privacy settings hide them: nothing to attribute
    # Saved on its own, a comment names its post only in its id: "<post id>_<comment id>".
    post_id, page_id = post or (comment_id.rsplit("_", 1)[0] if "_" in comment_id else None, None)
    parent = _field(item, "parent", dict, where, required=False)
    replied_to = _field(parent, "id", str, f"{where}.parent") if parent else post_id
    on_post = replied_to == post_id
    batch.posts.append(Post(
        platform=PLATFORM, post_id=comment_id, author_id=author_id, created_at=_created(item, where),
        text=_field(item, "message", str, where, required=False) or "", conversation_id=post_id,
        reply_to_post_id=replied_to, reply_to_account_id=page_id if on_post else None,
    ))
    if replied_to is not None:
        batch.interactions.append(Interaction(PLATFORM, "reply", author_id, replied_to, page_id if on_post else None))
    _people(item, "likes", batch, comment_id, author_id, f"{where}.likes")
