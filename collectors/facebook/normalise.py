"""Graph API wire format -> Seula records. The only code that knows Facebook's JSON shapes.

A Page is an account; its posts are posts; comments and replies are posts too (replying to
the post or comment above them) written by the commenting user; reactions are interactions
of kind ``reaction:<TYPE>``. Users have no public handle on Facebook: their id stands in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from seula.collectors.payload import PayloadError
from seula.collectors.payload import field as _field
from seula.collectors.records import Account, Batch, Interaction, Post

PLATFORM = "facebook"
REACTION_TYPES = ("LIKE", "LOVE", "WOW", "HAHA", "SAD", "ANGRY", "CARE")
POST_FIELDS = ",".join(
    ["id", "message", "created_time", "permalink_url", "shares",
     "reactions.limit(0).summary(true)", "comments.limit(0).summary(true)"]
    + [f"reactions.type({t}).limit(0).summary(total_count).as(reactions_{t.lower()})" for t in REACTION_TYPES]
)
COMMENT_FIELDS = "id,message,created_time,from,parent"


def _time(value: str, where: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except ValueError:
        raise PayloadError(f"{where}: not a Graph API time") from None


def _total(obj: dict, key: str) -> int | None:
    summary = (obj.get(key) or {}).get("summary") if isinstance(obj.get(key), dict) else None
    count = summary.get("total_count") if isinstance(summary, dict) else None
    return count if isinstance(count, int) else None


def _data(payload: Any) -> list[dict]:
    if not isinstance(payload, dict):
        raise PayloadError("response: expected an object")
    data = payload.get("data", [])
    if not isinstance(data, list):
        raise PayloadError("response.data: expected a list")
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise PayloadError(f"data[{i}]: expected an object")
    return data


def page(payload: Any, batch: Batch) -> Batch:
    where = "page"
    batch.accounts.append(Account(
        platform=PLATFORM, account_id=_field(payload, "id", str, where),
        handle=_field(payload, "username", str, where, required=False) or _field(payload, "id", str, where),
        display_name=_field(payload, "name", str, where, required=False),
        description=_field(payload, "about", str, where, required=False),
        followers_count=_field(payload, "fan_count", int, where, required=False),
        verified=None,
    ))
    return batch


def posts_page(payload: Any, batch: Batch, page_id: str) -> Batch:
    for i, item in enumerate(_data(payload)):
        where = f"data[{i}]"
        counts = {t: _total(item, f"reactions_{t.lower()}") for t in REACTION_TYPES}
        shares = item.get("shares") if isinstance(item.get("shares"), dict) else {}
        batch.posts.append(Post(
            platform=PLATFORM, post_id=_field(item, "id", str, where), author_id=page_id,
            created_at=_time(_field(item, "created_time", str, where), f"{where}.created_time"),
            text=_field(item, "message", str, where, required=False) or "",
            url=_field(item, "permalink_url", str, where, required=False),
            like_count=_total(item, "reactions"), reply_count=_total(item, "comments"),
            repost_count=shares.get("count") if isinstance(shares.get("count"), int) else 0,
            reaction_counts=json.dumps({t: n for t, n in counts.items() if n}) if any(counts.values()) else None,
        ))
    return batch


def comments_page(payload: Any, batch: Batch, post_id: str, page_id: str) -> Batch:
    for i, item in enumerate(_data(payload)):
        where = f"data[{i}]"
        author = _field(item, "from", dict, where, required=False)
        if author is None:
            continue  # the commenter's privacy settings hide them: nothing to attribute
        author_id = _field(author, "id", str, f"{where}.from")
        parent = _field(item, "parent", dict, where, required=False)
        replied_to = _field(parent, "id", str, f"{where}.parent") if parent else post_id
        comment_id = _field(item, "id", str, where)
        batch.accounts.append(Account(PLATFORM, author_id, author_id, _field(author, "name", str, f"{where}.from", False)))
        batch.posts.append(Post(
            platform=PLATFORM, post_id=comment_id, author_id=author_id,
            created_at=_time(_field(item, "created_time", str, where), f"{where}.created_time"),
            text=_field(item, "message", str, where, required=False) or "", conversation_id=post_id,
            reply_to_post_id=replied_to, reply_to_account_id=page_id if replied_to == post_id else None,
        ))
        batch.interactions.append(Interaction(PLATFORM, "reply", author_id, replied_to, page_id if replied_to == post_id else None))
    return batch


def reactions_page(payload: Any, batch: Batch, post_id: str, page_id: str) -> Batch:
    for i, item in enumerate(_data(payload)):
        where = f"data[{i}]"
        user_id = _field(item, "id", str, where)
        kind = _field(item, "type", str, where)
        batch.accounts.append(Account(PLATFORM, user_id, user_id, _field(item, "name", str, where, required=False)))
        batch.interactions.append(Interaction(PLATFORM, f"reaction:{kind}", user_id, post_id, page_id))
    return batch
