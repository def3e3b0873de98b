"""A local HTTP server that speaks the X API v2 wire format over a synthetic world.

Collectors (and real ``tweepy``) talk to it exactly as to ``api.twitter.com``:
same routes, parameters, JSON shapes, pagination tokens, rate-limit headers and
error bodies.  Tests can inject faults (429/5xx, malformed or truncated bodies,
dropped connections) to exercise retry and resume logic.

The world is frozen in time: ``/2/tweets/search/recent`` does *not* apply the
real API's seven-day cut, so the whole synthetic period is searchable by both
search endpoints.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import socket
import struct
import threading
import time
import traceback
import zlib
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from seula.emulators.loopback import EmulatorHandler, LoopbackServer
from seula.emulators.x.world import UTC, Account, Post, World, build_world

Json = dict[str, Any]
Fault = int | str

WINDOW_SECONDS = 900.0
# Requests per 15-minute window for an app (bearer) token, as documented by X.
DEFAULT_RATE_LIMITS: dict[str, int] = {
    "search_recent": 450, "search_all": 300,
    "user_by_username": 300, "users_by_usernames": 300, "user_by_id": 300, "users_by_ids": 300,
    "user_tweets": 1500, "user_mentions": 450,
    "followers": 15, "following": 15,
    "liking_users": 75, "retweeted_by": 75, "quote_tweets": 75,
    "tweet_by_id": 300, "tweets_by_ids": 300,
}
ENDPOINT_KEYS = frozenset(DEFAULT_RATE_LIMITS)

_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key) for pattern, key in (
        (r"/2/tweets/search/recent", "search_recent"),
        (r"/2/tweets/search/all", "search_all"),
        (r"/2/tweets/([^/]+)/liking_users", "liking_users"),
        (r"/2/tweets/([^/]+)/retweeted_by", "retweeted_by"),
        (r"/2/tweets/([^/]+)/quote_tweets", "quote_tweets"),
        (r"/2/tweets/([^/]+)", "tweet_by_id"),
        (r"/2/tweets", "tweets_by_ids"),
        (r"/2/users/by/username/([^/]+)", "user_by_username"),
        (r"/2/users/by", "users_by_usernames"),
        (r"/2/users/([^/]+)/tweets", "user_tweets"),
        (r"/2/users/([^/]+)/mentions", "user_mentions"),
        (r"/2/users/([^/]+)/followers", "followers"),
        (r"/2/users/([^/]+)/following", "following"),
        (r"/2/users/([^/]+)", "user_by_id"),
        (r"/2/users", "users_by_ids"),
    )
)

TWEET_FIELDS = frozenset((
    "article attachments author_id card_uri community_id context_annotations conversation_id "
    "created_at display_text_range edit_controls edit_history_tweet_ids entities geo id "
    "in_reply_to_user_id lang media_metadata non_public_metrics note_tweet organic_metrics "
    "possibly_sensitive promoted_metrics public_metrics referenced_tweets reply_settings scopes "
    "source text withheld").split())
USER_FIELDS = frozenset((
    "affiliation confirmed_email connection_status created_at description entities id "
    "is_identity_verified location most_recent_tweet_id name parody pinned_tweet_id "
    "profile_banner_url profile_image_url protected public_metrics receives_your_dm subscription "
    "subscription_type url username verified verified_followers_count verified_type withheld"
).split())
TWEET_EXPANSIONS = frozenset((
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_tweet_ids "
    "entities.mentions.username geo.place_id in_reply_to_user_id entities.note.mentions.username "
    "referenced_tweets.id referenced_tweets.id.attachments.media_keys "
    "referenced_tweets.id.author_id").split())
USER_EXPANSIONS = frozenset(("affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id"))

_TWEET_PARAMS = frozenset(("expansions", "tweet.fields", "user.fields", "media.fields",
                           "place.fields", "poll.fields"))
_USER_PARAMS = frozenset(("expansions", "user.fields", "tweet.fields"))
_TIMELINE_PARAMS = frozenset(("max_results", "pagination_token", "since_id", "until_id",
                              "start_time", "end_time"))
_SEARCH_PARAMS = _TWEET_PARAMS | _TIMELINE_PARAMS | {"query", "next_token", "sort_order"}
_PAGED_USER_PARAMS = _USER_PARAMS | {"max_results", "pagination_token"}

_SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                  504: "Gateway Timeout"}
_FAULT_WORDS = frozenset(("malformed", "truncated", "reset"))


class ApiError(Exception):
    """An error answer: an HTTP status with the API's problem body."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _invalid(param: str, value: str, message: str) -> ApiError:
    return ApiError(400, {
        "errors": [{"parameters": {param: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    })


def _problem(status: int, title: str, detail: str | None = None) -> Json:
    return {"title": title, "detail": detail or title, "type": "about:blank", "status": status}


def _not_found(kind: str, parameter: str, value: str, by: str = "id") -> Json:
    return {
        "value": value,
        "detail": f"Could not find {kind} with {by}: [{value}].",
        "title": "Not Found Error",
        "resource_type": kind,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def ts(at: datetime) -> str:
    """The API's timestamp format: millisecond precision, Z suffix."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


# --- pagination tokens ------------------------------------------------------
# Opaque to clients: (kind, value) masked with an endpoint-keyed pad, plus a
# checksum, in lowercase base32.  Tokens are stable for the same query and page,
# while garbage or cross-endpoint tokens are rejected instead of silently
# serving the wrong page.

def _bad_token(param: str, token: str) -> ApiError:
    return _invalid(param, token, f"The `{param}` query parameter value [{token}] is not valid")


def _pad(endpoint: str) -> bytes:
    return hashlib.blake2b(endpoint.encode(), digest_size=9, person=b"seula-x").digest()


def _encode_token(endpoint: str, kind: str, value: int) -> str:
    payload = kind.encode() + value.to_bytes(8, "big")
    check = zlib.crc32(payload + endpoint.encode()) & 0xFFFF
    masked = bytes(a ^ b for a, b in zip(payload, _pad(endpoint)))
    return base64.b32encode(masked + check.to_bytes(2, "big")).decode().rstrip("=").lower()


def _decode_token(endpoint: str, token: str, param: str) -> tuple[str, int]:
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
        payload = bytes(a ^ b for a, b in zip(raw[:-2], _pad(endpoint)))
        if len(raw) != 11 or zlib.crc32(payload + endpoint.encode()) & 0xFFFF != int.from_bytes(
                raw[-2:], "big"):
            raise ValueError(token)
        return payload[:1].decode(), int.from_bytes(payload[1:], "big")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise _bad_token(param, token) from None


@dataclass(frozen=True)
class _Page:
    items: list[Any]
    next_token: str | None
    previous_token: str | None


def _page_by_id(endpoint: str, items: list[Post], neg_ids: list[int], token: str | None,
                size: int, param: str) -> _Page:
    """Page a newest-first post list with id cursors, robust to posts added meanwhile."""
    start = 0
    if token:
        kind, cursor = _decode_token(endpoint, token, param)
        if kind == "n":  # older than the cursor
            start = bisect_right(neg_ids, -cursor)
        elif kind == "p":  # the page just newer than the cursor
            start = max(0, bisect_left(neg_ids, -cursor) - size)
        else:
            raise _bad_token(param, token)
    page = items[start:start + size]
    if not page:
        return _Page([], None, None)
    more = start + size < len(items)
    return _Page(
        page,
        _encode_token(endpoint, "n", int(page[-1].id)) if more else None,
        _encode_token(endpoint, "p", int(page[0].id)) if start > 0 else None,
    )


def _page_by_offset(endpoint: str, items: list[Any], token: str | None, size: int,
                    param: str) -> _Page:
    """Page a static list (follow graph, likes) by position."""
    start = 0
    if token:
        kind, start = _decode_token(endpoint, token, param)
        if kind != "o":
            raise _bad_token(param, token)
    page = items[start:start + size]
    if not page:
        return _Page([], None, None)
    return _Page(
        page,
        _encode_token(endpoint, "o", start + size) if start + size < len(items) else None,
        _encode_token(endpoint, "o", max(0, start - size)) if start > 0 else None,
    )


# --- search query language ------------------------------------------------

@dataclass(frozen=True)
class _Features:
    """What the query operators look at, precomputed once per post."""

    text: str  # lowercased
    words: frozenset[str]
    hashtags: frozenset[str]
    mentions: frozenset[str]  # every @handle written in the text, lowercased
    author: tuple[str, str]  # (username lowercased, id)
    to: tuple[str, str] | None
    lang: str
    is_reply: bool
    is_quote: bool
    has_links: bool
    conversation_id: str
    verified: bool


Predicate = Callable[[_Features], bool]
_TOKEN_RE = re.compile(r'\s*(?:(\()|(\))|(-?"[^"]*")|([^\s()"]+)|(-?"))')
_WORD_RE = re.compile(r"\w+")
_HANDLE_RE = re.compile(r"(?<![\w@])@(\w{1,15})(?!\w)")
_OPERATOR_RE = re.compile(r"^([a-z_]+):(.+)$")


def _query_error(query: str, why: str) -> ApiError:
    return _invalid("query", query, f"There were errors processing your request: {why}")


class _QueryParser:
    """X's boolean query subset: AND (space) binds tighter than OR; ``-`` negates."""

    def __init__(self, query: str, max_length: int) -> None:
        self.query = query
        if not query.strip():
            raise _invalid("query", query, "The `query` query parameter can not be empty")
        if len(query) > max_length:
            raise _query_error(query, f"Query length {len(query)} exceeds {max_length}")
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(query):
            m = _TOKEN_RE.match(query, pos)
            if m is None or m.end() == pos:
                break
            pos = m.end()
            lp, rp, phrase, word, open_quote = m.groups()
            if open_quote:
                raise _query_error(query, f"Unterminated quote (at position {m.start(5) + 1})")
            if lp:
                self.tokens.append(("(", lp))
            elif rp:
                self.tokens.append((")", rp))
            elif phrase:
                self.tokens.append(("phrase", phrase))
            elif word:
                self.tokens.append(("OR" if word == "OR" else "word", word))
        self.i = 0

    def parse(self) -> Predicate:
        pred, positive = self._or()
        if self.i < len(self.tokens):
            raise _query_error(self.query, f"Unexpected '{self.tokens[self.i][1]}'")
        if not positive:
            raise _query_error(self.query, "Rules must contain a non-negation term")
        return pred

    def _peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def _or(self) -> tuple[Predicate, bool]:
        alternatives = [self._and()]
        while self._peek() == "OR":
            self.i += 1
            alternatives.append(self._and())
        if len(alternatives) == 1:
            return alternatives[0]
        preds = [p for p, _ in alternatives]
        return (lambda f: any(p(f) for p in preds)), all(pos for _, pos in alternatives)

    def _and(self) -> tuple[Predicate, bool]:
        terms: list[tuple[Predicate, bool]] = []
        while self._peek() not in (None, ")", "OR"):
            terms.append(self._unary())
        if not terms:
            raise _query_error(self.query, "Ambiguous use of OR or empty group")
        if len(terms) == 1:
            return terms[0]
        preds = [p for p, _ in terms]
        return (lambda f: all(p(f) for p in preds)), any(pos for _, pos in terms)

    def _unary(self) -> tuple[Predicate, bool]:
        kind, value = self.tokens[self.i]
        self.i += 1
        negate = False
        if kind in ("word", "phrase") and value.startswith("-"):
            negate, value = True, value[1:]
            if not value:  # a bare "-" must negate the group that follows
                if self._peek() != "(":
                    raise _query_error(self.query, "Negation must precede a term")
                kind = "("
                self.i += 1
        if kind == "(":
            pred, positive = self._or()
            if self._peek() != ")":
                raise _query_error(self.query, "Missing closing parenthesis")
            self.i += 1
        elif kind == ")":
            raise _query_error(self.query, "Unbalanced parenthesis")
        elif kind == "OR":
            raise _query_error(self.query, "Ambiguous use of OR")
        elif kind == "phrase":
            pred, positive = self._phrase(value[1:-1]), True
        else:
            pred, positive = self._term(value), True
        if negate:
            inner = pred
            return (lambda f: not inner(f)), False
        return pred, positive

    def _phrase(self, phrase: str) -> Predicate:
        if not phrase.strip():
            raise _query_error(self.query, "Empty quoted phrase")
        pattern = re.compile(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)")
        return lambda f: pattern.search(f.text) is not None

    def _term(self, word: str) -> Predicate:
        low = word.lower()
        if low.startswith("#") and len(low) > 1:
            tag = low[1:]
            return lambda f: tag in f.hashtags
        if low.startswith("@") and len(low) > 1:
            handle = low[1:]
            return lambda f: handle in f.mentions
        op = _OPERATOR_RE.match(low)
        if op and not op.group(2).startswith("//"):  # let bare URLs through as words
            return self._operator(op.group(1), op.group(2))
        parts = _WORD_RE.findall(low)
        if len(parts) == 1 and parts[0] == low:
            return lambda f: low in f.words
        if not parts:
            raise _query_error(self.query, f"Invalid term '{word}'")
        return self._phrase(word)

    def _operator(self, name: str, value: str) -> Predicate:
        if name == "from":
            return lambda f: value in f.author
        if name == "to":
            return lambda f: f.to is not None and value in f.to
        if name == "lang":
            return lambda f: f.lang == value
        if name == "conversation_id":
            return lambda f: f.conversation_id == value
        flags: dict[tuple[str, str], Predicate] = {
            ("is", "reply"): lambda f: f.is_reply,
            ("is", "quote"): lambda f: f.is_quote,
            ("is", "retweet"): lambda f: False,  # reposts are not posts in this world
            ("is", "verified"): lambda f: f.verified,
            ("has", "mentions"): lambda f: bool(f.mentions),
            ("has", "hashtags"): lambda f: bool(f.hashtags),
            ("has", "links"): lambda f: f.has_links,
        }
        if (name, value) in flags:
            return flags[(name, value)]
        raise _query_error(self.query, f"Reference to invalid operator '{name}:{value}'. "
                                       "Operator is not available in current product or "
                                       "product packaging.")


# --- the API logic -----------------------------------------------------------

class _Api:
    """Request semantics, independent of HTTP; callers hold ``world.lock``."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._features: dict[str, _Features] = {}
        self._queries: dict[tuple[str, int], Predicate] = {}
        self._results: dict[tuple[Any, ...], tuple[list[Post], list[int]]] = {}

    # parameters

    @staticmethod
    def _check_params(params: dict[str, str], allowed: Iterable[str]) -> None:
        allowed = sorted(allowed)
        for name, value in params.items():
            if name not in allowed:
                raise _invalid(name, value, f"The query parameter [{name}] is not one of "
                                            f"[{','.join(allowed)}]")

    @staticmethod
    def _int(params: dict[str, str], name: str, lo: int, hi: int, default: int) -> int:
        raw = params.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or not lo <= int(raw) <= hi:
            raise _invalid(name, raw, f"The `{name}` query parameter value [{raw}] is not "
                                      f"between {lo} and {hi}")
        return int(raw)

    @staticmethod
    def _time(params: dict[str, str], name: str) -> datetime | None:
        raw = params.get(name)
        if raw is None:
            return None
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None or "T" not in raw:
            raise _invalid(name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be a valid "
                                      "RFC 3339 timestamp (YYYY-MM-DDTHH:mm:ssZ)")
        return at

    @staticmethod
    def _id(name: str, raw: str) -> str:
        if not re.fullmatch(r"[0-9]{1,19}", raw):
            raise _invalid(name, raw, f"The `{name}` query parameter value [{raw}] does not "
                                      "match ^[0-9]{1,19}$")
        return raw

    @staticmethod
    def _list(params: dict[str, str], name: str, valid: frozenset[str]) -> set[str]:
        raw = params.get(name)
        if not raw:
            return set()
        values = set(raw.split(","))
        for value in sorted(values):
            if value not in valid:
                raise _invalid(name, value, f"The `{name}` query parameter value [{value}] is not "
                                            f"one of [{','.join(sorted(valid))}]")
        return values

    # serialisation

    def user_json(self, acc: Account, fields: set[str]) -> Json:
        w = self.world
        out: Json = {"id": acc.id, "name": acc.name, "username": acc.username}
        if "created_at" in fields:
            out["created_at"] = ts(acc.created_at)
        if "description" in fields:
            out["description"] = acc.description
        if "location" in fields and acc.location:  # the API omits unset locations
            out["location"] = acc.location
        if "verified" in fields:
            out["verified"] = acc.verified
        if "verified_type" in fields:
            out["verified_type"] = (
                "government" if acc.username == "helsinki_demo"
                else "business" if acc.kind == "organisation" and acc.verified
                else "blue" if acc.verified else "none")
        if "protected" in fields:
            out["protected"] = acc.protected
        if "public_metrics" in fields:
            out["public_metrics"] = w.user_metrics(acc.id)
        if "profile_image_url" in fields:
            # A reserved domain: these people are fictional and have no real pictures.
            out["profile_image_url"] = f"https://pbs.twimg.example/{acc.id}/normal.jpg"
        if "url" in fields:
            out["url"] = acc.url
        if "most_recent_tweet_id" in fields and w.posts_by(acc.id):
            out["most_recent_tweet_id"] = w.posts_by(acc.id)[-1].id
        if "entities" in fields:
            tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)}
                    for m in re.finditer(r"(?<![\w#])#(\w+)", acc.description)]
            if tags:
                out["entities"] = {"description": {"hashtags": tags}}
        return dict(sorted(out.items()))  # the API emits object keys alphabetically

    def tweet_json(self, post: Post, fields: set[str]) -> Json:
        out: Json = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
        if "created_at" in fields:
            out["created_at"] = ts(post.created_at)
        if "author_id" in fields:
            out["author_id"] = post.author_id
        if "lang" in fields:
            out["lang"] = post.lang
        if "conversation_id" in fields:
            out["conversation_id"] = post.conversation_id
        if "in_reply_to_user_id" in fields and post.in_reply_to_user_id:
            out["in_reply_to_user_id"] = post.in_reply_to_user_id
        if "referenced_tweets" in fields and post.referenced:
            out["referenced_tweets"] = [{"type": t, "id": i} for t, i in post.referenced]
        if "entities" in fields:
            entities = {
                "hashtags": [h._asdict() for h in post.hashtags],
                "mentions": [m._asdict() for m in post.mentions],
                "urls": [u._asdict() for u in post.urls],
            }
            entities = {k: v for k, v in entities.items() if v}
            if entities:
                out["entities"] = entities
        if "public_metrics" in fields:
            out["public_metrics"] = self.world.post_metrics(post.id)
        if "possibly_sensitive" in fields:
            out["possibly_sensitive"] = False
        if "reply_settings" in fields:
            out["reply_settings"] = "everyone"
        if "edit_controls" in fields:
            out["edit_controls"] = {"edits_remaining": 5, "is_edit_eligible": True,
                                    "editable_until": ts(post.created_at + timedelta(hours=1))}
        return dict(sorted(out.items()))

    def _tweets_payload(self, posts: list[Post], params: dict[str, str]) -> Json:
        """``data`` and ``includes`` for a list of posts, honouring fields and expansions."""
        tweet_fields = self._list(params, "tweet.fields", TWEET_FIELDS)
        user_fields = self._list(params, "user.fields", USER_FIELDS)
        expansions = self._list(params, "expansions", TWEET_EXPANSIONS)
        out: Json = {}
        if posts:
            out["data"] = [self.tweet_json(p, tweet_fields) for p in posts]
        user_ids: dict[str, None] = {}
        included: dict[str, Post] = {}
        w = self.world
        for post in posts:
            if "author_id" in expansions:
                user_ids[post.author_id] = None
            if "entities.mentions.username" in expansions:
                user_ids.update((m.id, None) for m in post.mentions)
            if "in_reply_to_user_id" in expansions and post.in_reply_to_user_id:
                user_ids[post.in_reply_to_user_id] = None
            for _, ref_id in post.referenced:
                ref = w.post(ref_id)
                if ref is None:
                    continue
                if "referenced_tweets.id" in expansions:
                    included[ref.id] = ref
                if "referenced_tweets.id.author_id" in expansions:
                    user_ids[ref.author_id] = None
        includes: Json = {}
        users = [w.user(uid) for uid in user_ids]
        if users:
            includes["users"] = [self.user_json(u, user_fields) for u in users if u is not None]
        if included:
            includes["tweets"] = [self.tweet_json(p, tweet_fields) for p in included.values()]
        if includes:
            out["includes"] = includes
        return out

    def _users_payload(self, users: list[Account], params: dict[str, str]) -> Json:
        user_fields = self._list(params, "user.fields", USER_FIELDS)
        tweet_fields = self._list(params, "tweet.fields", TWEET_FIELDS)
        expansions = self._list(params, "expansions", USER_EXPANSIONS)
        out: Json = {}
        if users:
            out["data"] = [self.user_json(u, user_fields) for u in users]
        if "most_recent_tweet_id" in expansions:
            recent = [self.world.posts_by(u.id)[-1] for u in users if self.world.posts_by(u.id)]
            if recent:
                out["includes"] = {"tweets": [self.tweet_json(p, tweet_fields) for p in recent]}
        return out

    @staticmethod
    def _tweet_meta(page: _Page, style: str) -> Json:
        """Meta as each endpoint family emits it (key order mirrors recorded responses)."""
        if not page.items:
            return {"result_count": 0}
        count = len(page.items)
        span = {"newest_id": page.items[0].id, "oldest_id": page.items[-1].id}
        if style == "search":
            meta: Json = {**span, "result_count": count}
        elif style == "timeline":
            meta = {"result_count": count, **span}
        else:  # quote_tweets reports neither newest_id nor oldest_id
            meta = {"result_count": count}
        if page.next_token:
            meta["next_token"] = page.next_token
        if style == "timeline" and page.previous_token:
            meta["previous_token"] = page.previous_token
        return meta

    @staticmethod
    def _user_meta(page: _Page) -> Json:
        meta: Json = {"result_count": len(page.items)}
        if page.next_token:
            meta["next_token"] = page.next_token
        if page.previous_token:
            meta["previous_token"] = page.previous_token
        return meta

    # search

    def _feature(self, post: Post) -> _Features:
        f = self._features.get(post.id)
        if f is None:
            w = self.world
            author = w.accounts[post.author_id]
            to = w.user(post.in_reply_to_user_id) if post.in_reply_to_user_id else None
            low = post.text.lower()
            f = _Features(
                text=low,
                words=frozenset(_WORD_RE.findall(low)),
                hashtags=frozenset(h.tag.lower() for h in post.hashtags),
                mentions=frozenset(m.lower() for m in _HANDLE_RE.findall(post.text)),
                author=(author.username.lower(), author.id),
                to=(to.username.lower(), to.id) if to else None,
                lang=post.lang,
                is_reply=any(t == "replied_to" for t, _ in post.referenced),
                is_quote=any(t == "quoted" for t, _ in post.referenced),
                has_links=bool(post.urls),
                conversation_id=post.conversation_id,
                verified=author.verified,
            )
            self._features[post.id] = f
        return f

    def _filtered(self, newest_first: Iterable[Post], pred: Predicate | None,
                  since: str | None, until: str | None, start: datetime | None,
                  end: datetime | None) -> list[Post]:
        out = []
        for post in newest_first:
            pid = int(post.id)
            if since is not None and pid <= int(since):
                continue
            if until is not None and pid >= int(until):
                continue
            if start is not None and post.created_at < start:
                continue
            if end is not None and post.created_at >= end:
                continue
            if pred is None or pred(self._feature(post)):
                out.append(post)
        return out

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], list[Post]]
                ) -> tuple[list[Post], list[int]]:
        """Result lists (with negated ids for bisecting) per query and world version."""
        key = (*key, self.world.version)
        hit = self._results.get(key)
        if hit is None:
            if len(self._results) > 512:
                self._results.clear()
            posts = compute()
            hit = self._results[key] = (posts, [-int(p.id) for p in posts])
        return hit

    def _timeline(self, endpoint: str, params: dict[str, str], source: Callable[[], list[Post]],
                  lo: int, hi: int, default: int, cache_key: tuple[Any, ...],
                  pred: Predicate | None = None,
                  token_params: tuple[str, ...] = ("pagination_token",),
                  meta_style: str = "timeline") -> Json:
        size = self._int(params, "max_results", lo, hi, default)
        since = self._id("since_id", params["since_id"]) if "since_id" in params else None
        until = self._id("until_id", params["until_id"]) if "until_id" in params else None
        start, end = self._time(params, "start_time"), self._time(params, "end_time")
        if start and end and start >= end:
            raise _invalid("start_time", params["start_time"],
                           "Invalid 'start_time'. 'start_time' must be before 'end_time'")
        token_param = next((p for p in token_params if params.get(p)), token_params[0])
        posts, neg_ids = self._cached(
            (endpoint, *cache_key, since, until, start, end),
            lambda: self._filtered(reversed(source()), pred, since, until, start, end))
        page = _page_by_id(endpoint, posts, neg_ids, params.get(token_param), size, token_param)
        out = self._tweets_payload(page.items, params)
        out["meta"] = self._tweet_meta(page, meta_style)
        return out

    def search(self, endpoint: str, params: dict[str, str]) -> Json:
        self._check_params(params, _SEARCH_PARAMS)
        full = endpoint == "search_all"
        query = params.get("query")
        if query is None:
            raise _invalid("query", "", "The `query` query parameter can not be empty")
        qkey = (query, 1024 if full else 512)
        pred = self._queries.get(qkey)
        if pred is None:
            pred = self._queries[qkey] = _QueryParser(*qkey).parse()
        return self._timeline(endpoint, params, lambda: self.world.posts, 10,
                              500 if full else 100, 10, (query,), pred,
                              ("next_token", "pagination_token"), meta_style="search")

    # users

    def _user_or_error(self, user_id: str) -> Account:
        acc = self.world.user(self._id("id", user_id))
        if acc is None:
            raise ApiError(200, {"errors": [_not_found("user", "id", user_id)]})
        return acc

    def _post_or_error(self, post_id: str) -> Post:
        post = self.world.post(self._id("id", post_id))
        if post is None:
            raise ApiError(200, {"errors": [_not_found("tweet", "id", post_id)]})
        return post

    def user_lookup(self, endpoint: str, params: dict[str, str], arg: str | None) -> Json:
        w = self.world
        if endpoint in ("user_by_username", "user_by_id"):
            self._check_params(params, _USER_PARAMS)
            assert arg is not None
            if endpoint == "user_by_username":
                if not re.fullmatch(r"\w{1,15}", arg, re.ASCII):
                    raise _invalid("username", arg, f"The `username` query parameter value [{arg}]"
                                                    " does not match ^[A-Za-z0-9_]{1,15}$")
                acc = w.user_by_username(arg)
                if acc is None:
                    return {"errors": [_not_found("user", "username", arg, by="username")]}
            else:
                acc = self._user_or_error(arg)
            payload = self._users_payload([acc], params)
            payload["data"] = payload["data"][0]
            return payload
        by_name = endpoint == "users_by_usernames"
        param = "usernames" if by_name else "ids"
        self._check_params(params, _USER_PARAMS | {param})
        values = [v for v in params.get(param, "").split(",") if v]
        if not 1 <= len(values) <= 100:
            raise _invalid(param, params.get(param, ""),
                           f"The `{param}` query parameter value [{params.get(param, '')}] "
                           "must contain between 1 and 100 items")
        found, errors = [], []
        for value in values:
            acc = w.user_by_username(value) if by_name else w.user(self._id("ids", value))
            if acc is None:
                errors.append(_not_found("user", param, value, "username" if by_name else "id"))
            else:
                found.append(acc)
        payload = self._users_payload(found, params)
        if errors:
            payload["errors"] = errors
        return payload

    def user_tweets(self, endpoint: str, params: dict[str, str], arg: str) -> Json:
        self._check_params(params, _TWEET_PARAMS | _TIMELINE_PARAMS | {"exclude"})
        acc = self._user_or_error(arg)
        exclude = params.get("exclude", "")
        for value in filter(None, exclude.split(",")):
            if value not in ("replies", "retweets"):
                raise _invalid("exclude", value, f"The `exclude` query parameter value [{value}] "
                                                 "is not one of [replies,retweets]")
        no_replies = "replies" in exclude.split(",")
        if endpoint == "user_mentions":
            handle = acc.username.lower()
            pred: Predicate | None = lambda f: handle in f.mentions  # noqa: E731
            source: Callable[[], list[Post]] = lambda: self.world.posts  # noqa: E731
        else:
            pred = (lambda f: not f.is_reply) if no_replies else None
            source = lambda: self.world.posts_by(acc.id)  # noqa: E731
        return self._timeline(endpoint, params, source, 5, 100, 10, (acc.id, no_replies), pred)

    def user_list(self, endpoint: str, params: dict[str, str], arg: str) -> Json:
        self._check_params(params, _PAGED_USER_PARAMS)
        w = self.world
        if endpoint in ("followers", "following"):
            acc = self._user_or_error(arg)
            ids = w.followers_of(acc.id) if endpoint == "followers" else w.following_of(acc.id)
            size = self._int(params, "max_results", 1, 1000, 100)
        else:
            post = self._post_or_error(arg)
            source = w.likes if endpoint == "liking_users" else w.reposts
            ids = source.get(post.id, [])
            size = self._int(params, "max_results", 1, 100, 100)
        page = _page_by_offset(endpoint, ids, params.get("pagination_token"), size,
                               "pagination_token")
        out = self._users_payload([w.accounts[i] for i in page.items], params)
        out["meta"] = self._user_meta(page)
        return out

    def quote_tweets(self, endpoint: str, params: dict[str, str], arg: str) -> Json:
        self._check_params(params, _TWEET_PARAMS | {"max_results", "pagination_token", "exclude"})
        post = self._post_or_error(arg)
        return self._timeline(endpoint, params, lambda: self.world.quotes_of(post.id), 10, 100,
                              10, (post.id,), meta_style="quotes")

    def tweet_lookup(self, endpoint: str, params: dict[str, str], arg: str | None) -> Json:
        if endpoint == "tweet_by_id":
            self._check_params(params, _TWEET_PARAMS)
            assert arg is not None
            payload = self._tweets_payload([self._post_or_error(arg)], params)
            payload["data"] = payload["data"][0]
            return payload
        self._check_params(params, _TWEET_PARAMS | {"ids"})
        values = [v for v in params.get("ids", "").split(",") if v]
        if not 1 <= len(values) <= 100:
            raise _invalid("ids", params.get("ids", ""), "The `ids` query parameter value "
                           f"[{params.get('ids', '')}] must contain between 1 and 100 items")
        found, errors = [], []
        for value in values:
            post = self.world.post(self._id("ids", value))
            if post is None:
                errors.append(_not_found("tweet", "ids", value))
            else:
                found.append(post)
        payload = self._tweets_payload(found, params)
        if errors:
            payload["errors"] = errors
        return payload

    def handle(self, endpoint: str, arg: str | None, params: dict[str, str]) -> Json:
        if endpoint in ("search_recent", "search_all"):
            return self.search(endpoint, params)
        if endpoint in ("user_by_username", "users_by_usernames", "user_by_id", "users_by_ids"):
            return self.user_lookup(endpoint, params, arg)
        if endpoint in ("tweet_by_id", "tweets_by_ids"):
            return self.tweet_lookup(endpoint, params, arg)
        assert arg is not None
        if endpoint in ("user_tweets", "user_mentions"):
            return self.user_tweets(endpoint, params, arg)
        if endpoint == "quote_tweets":
            return self.quote_tweets(endpoint, params, arg)
        return self.user_list(endpoint, params, arg)


# --- rate limiting -----------------------------------------------------------

class _RateLimiter:
    """Fixed windows per (bearer token, endpoint), opened by the first request."""

    def __init__(self, limits: dict[str, tuple[int, float]], enabled: bool) -> None:
        self.limits = limits
        self.enabled = enabled
        self._windows: dict[tuple[str, str], list[float]] = {}  # -> [reset_at, count]
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def hit(self, token: str, endpoint: str) -> tuple[bool, dict[str, str]]:
        limit, window = self.limits[endpoint]
        now = time.time()
        with self._lock:
            state = self._windows.get((token, endpoint))
            if state is None or now >= state[0]:
                state = self._windows[(token, endpoint)] = [now + window, 0]
            allowed = not self.enabled or state[1] < limit
            if allowed:
                state[1] += 1
            return allowed, self._headers(limit, max(0, limit - int(state[1])), state[0])

    def peek(self, token: str, endpoint: str) -> dict[str, str]:
        """Headers for a response that does not count against the window."""
        limit, window = self.limits[endpoint]
        with self._lock:
            state = self._windows.get((token, endpoint))
            if state is None or time.time() >= state[0]:
                return self._headers(limit, limit, time.time() + window)
            return self._headers(limit, max(0, limit - int(state[1])), state[0])

    def exhausted(self, endpoint: str, reset_at: float) -> dict[str, str]:
        return self._headers(self.limits[endpoint][0], 0, reset_at)

    @staticmethod
    def _headers(limit: int, remaining: int, reset_at: float) -> dict[str, str]:
        return {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(math.ceil(reset_at))}


# --- HTTP ----------------------------------------------------------------------

class _Handler(EmulatorHandler):
    server_version = "tsa_emulator"
    emulator: XEmulator

    def send_json(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "no-cache, no-store, max-age=0")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self.emulator._serve_compliance(self, "POST")

    def do_PUT(self) -> None:  # noqa: N802
        self.emulator._serve_compliance(self, "PUT")

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def drop(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send a TCP RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


def _dumps(body: Json) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class XEmulator(LoopbackServer):
    """Serve a :class:`World` as the X API v2 on a local port (see module docstring)."""

    handler = _Handler
    thread_name = "x-emulator"

    def __init__(
        self,
        world: World | None = None,
        *,
        seed: int = 2026,
        bearer_token: str = "seula-demo-token",
        rate_limits: dict[str, tuple[int, float]] | None = None,
        rate_limits_enabled: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.world = world if world is not None else build_world(seed)
        self.bearer_token = bearer_token
        limits = {k: (v, WINDOW_SECONDS) for k, v in DEFAULT_RATE_LIMITS.items()}
        for key, value in (rate_limits or {}).items():
            if key not in ENDPOINT_KEYS:
                raise ValueError(f"unknown endpoint key: {key}")
            limits[key] = value
        self._limiter = _RateLimiter(limits, rate_limits_enabled)
        self._api = _Api(self.world)
        self._listen(host, port)
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        self.request_log: list[tuple[str, int]] = []
        self._withdrawn: dict[str, str] = {}  # tweet or user id -> reason (deleted, protected…)
        self._jobs: dict[str, dict[str, Any]] = {}

    # test controls

    def inject(self, endpoint_key: str, *faults: Fault) -> None:
        """Queue faults; each matching request consumes one, in order.

        A fault is an HTTP status (429 or 500/502/503/504), ``"malformed"`` (200
        with a non-JSON body), ``"truncated"`` (200 with the real body cut in
        half) or ``"reset"`` (connection dropped without a response).
        """
        if endpoint_key not in ENDPOINT_KEYS:
            raise ValueError(f"unknown endpoint key: {endpoint_key}")
        for fault in faults:
            if not (fault == 429 or fault in _SERVER_ERRORS or fault in _FAULT_WORDS):
                raise ValueError(f"unsupported fault: {fault!r}")
        with self._lock:
            self._faults.setdefault(endpoint_key, deque()).extend(faults)

    def reset_rate_limits(self) -> None:
        self._limiter.reset()

    def withdraw(self, item_id: str, reason: str = "deleted") -> None:
        """Mark a tweet or user as deleted (or protected, suspended…) on the platform: batch
        compliance jobs report it from now on."""
        with self._lock:
            self._withdrawn[item_id] = reason

    # batch compliance (POST /2/compliance/jobs, the job's upload and download URLs)

    def _serve_compliance(self, req: _Handler, method: str) -> None:
        path = urlsplit(req.path).path.rstrip("/")
        upload = re.fullmatch(r"/compliance/upload/(\d+)", path)
        download = re.fullmatch(r"/compliance/download/(\d+)", path)
        job = re.fullmatch(r"/2/compliance/jobs(?:/(\d+))?", path)
        if upload and method == "PUT" and upload.group(1) in self._jobs:  # a pre-signed URL: no bearer token
            ids = req.body().decode().split()
            with self._lock:
                found = self._jobs[upload.group(1)]
                found["ids"], found["status"] = ids, "complete"
            self._log("compliance_upload", 200)
            req.send_json(200, b"", {})
            return
        if download and method == "GET" and download.group(1) in self._jobs:
            found = self._jobs[download.group(1)]
            lines = "".join(json.dumps({"id": i, "action": "delete", "created_at": ts(datetime.now(UTC)),
                                        "reason": self._withdrawn[i]}) + "\n"
                            for i in found.get("ids", []) if i in self._withdrawn)
            self._log("compliance_download", 200)
            req.send_json(200, lines.encode(), {})
            return
        if job is None or (method == "PUT") or req.headers.get("Authorization") != f"Bearer {self.bearer_token}":
            self._log("compliance", 404 if job is None or method == "PUT" else 401)
            req.send_json(404 if job is None or method == "PUT" else 401, _dumps(_problem(404, "Not Found Error")), {})
            return
        if method == "POST":
            kind = json.loads(req.body() or b"{}").get("type")
            if kind not in ("tweets", "users"):
                req.send_json(400, _dumps(_invalid("type", str(kind), "type must be tweets or users").body), {})
                return
            job_id = str(1382081613278814209 + len(self._jobs))
            base = f"http://{req.headers.get('Host')}"
            self._jobs[job_id] = {"id": job_id, "type": kind, "status": "created", "created_at": ts(datetime.now(UTC)),
                                  "upload_url": f"{base}/compliance/upload/{job_id}",
                                  "download_url": f"{base}/compliance/download/{job_id}", "resumable": False}
            self._log("compliance_jobs", 200)
            req.send_json(200, _dumps({"data": {k: v for k, v in self._jobs[job_id].items() if k != "ids"}}), {})
            return
        found = self._jobs.get(job.group(1) or "")
        status = 200 if found else 404
        self._log("compliance_job", status)
        req.send_json(status, _dumps({"data": {k: v for k, v in found.items() if k != "ids"}} if found
                                     else _problem(404, "Not Found Error")), {})

    # serving

    def _log(self, endpoint: str, status: int) -> None:
        with self._lock:
            self.request_log.append((endpoint, status))

    def _next_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(endpoint)
            return queue.popleft() if queue else None

    def _serve(self, req: _Handler) -> None:
        url = urlsplit(req.path)
        path = url.path.rstrip("/") or "/"
        if path.startswith(("/2/compliance/", "/compliance/")):
            self._serve_compliance(req, "GET")
            return
        endpoint, arg = "unknown", None
        for pattern, key in _ROUTES:
            m = pattern.fullmatch(path)
            if m:
                endpoint, arg = key, unquote(m.group(1)) if m.groups() else None
                break
        if endpoint == "unknown":
            self._log(endpoint, 404)
            req.send_json(404, _dumps(_problem(404, "Not Found Error",
                                               f"Unknown route: GET {path}")), {})
            return

        fault = self._next_fault(endpoint)
        if fault == "reset":
            self._log(endpoint, 0)
            req.drop()
            return
        if fault == "malformed":
            self._log(endpoint, 200)
            req.send_json(200, b"<html><body><h1>Over capacity</h1></body></html>",
                          self._limiter.peek(self.bearer_token, endpoint))
            return
        if isinstance(fault, int):
            if fault == 429:
                status, body = 429, _problem(429, "Too Many Requests")
                headers = self._limiter.exhausted(endpoint, time.time() + 1)
            else:
                status, body = fault, _problem(fault, _SERVER_ERRORS[fault])
                headers = self._limiter.peek(self.bearer_token, endpoint)
            self._log(endpoint, status)
            req.send_json(status, _dumps(body), headers)
            return

        token = req.headers.get("Authorization", "")
        if token != f"Bearer {self.bearer_token}":
            self._log(endpoint, 401)
            body = {"title": "Unauthorized", "type": "about:blank", "status": 401,
                    "detail": "Unauthorized"}  # the API's own key order for this one
            req.send_json(401, _dumps(body), self._limiter.peek(token, endpoint))
            return
        allowed, headers = self._limiter.hit(self.bearer_token, endpoint)
        if not allowed:
            self._log(endpoint, 429)
            req.send_json(429, _dumps(_problem(429, "Too Many Requests")), headers)
            return

        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            with self.world.lock:
                status, body = 200, self._api.handle(endpoint, arg, params)
        except ApiError as err:
            status, body = err.status, err.body
        except Exception:  # a bug here must look like a server fault, not hang the client
            traceback.print_exc()
            status, body = 500, _problem(500, "Internal Server Error")
        raw = _dumps(body)
        if fault == "truncated":
            raw = raw[: len(raw) // 2]
        self._log(endpoint, status)
        req.send_json(status, raw, headers)
