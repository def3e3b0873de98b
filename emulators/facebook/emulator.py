"""A local HTTP server that speaks the Facebook Graph API wire format over a synthetic world.

Collectors (and the real ``facebook-sdk``) talk to it as to ``graph.facebook.com``:
version-prefixed routes (``/v21.0/...``; any ``vNN.N`` or none), the ``fields``
mini-language for the forms collectors use, opaque cursor paging, usage headers
and error bodies in the real ``{"error": {...}}`` shape.  Tests inject faults
(throttling codes, expired tokens, 5xx, malformed/truncated bodies, dropped
connections, deleted posts) to exercise retry and resume logic.

Endpoint keys (for :meth:`FbEmulator.inject` and ``request_log``):
``page`` is any single-object read ``/{id}`` (pages by id or username, posts,
comments); ``posts`` is ``/{page}/posts`` (and ``/feed``, ``/published_posts``);
``comments`` is ``/{post-or-comment}/comments``; ``reactions`` is
``/{post}/reactions``.  Unroutable paths are logged as ``unknown``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import math
import re
import socket
import struct
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from seula.emulators.loopback import EmulatorHandler, LoopbackServer
from seula.emulators.facebook.world import UTC, Comment, FbPost, FbWorld, Page, Reaction, build_world

Json = dict[str, Any]
Fault = int | str
Node = Page | FbPost | Comment

ENDPOINT_KEYS = frozenset(("page", "posts", "comments", "reactions"))
_EDGES = {"posts": "posts", "feed": "posts", "published_posts": "posts",
          "comments": "comments", "reactions": "reactions"}
_VERSION_RE = re.compile(r"v\d+\.\d+")
HOUR = 3600.0
DEFAULT_LIMIT, MAX_LIMIT = 25, 100

# fault -> (code, HTTP status, message) as the Graph API reports throttling.
_THROTTLES = {
    "throttle_4": (4, 403, "(#4) Application request limit reached"),
    "throttle_17": (17, 403, "(#17) User request limit reached"),
    "throttle_32": (32, 403, "(#32) Page request limit reached"),
    "throttle_613": (613, 400, "(#613) Calls to this api have exceeded the rate limit."),
}
_SERVER_ERRORS = {
    500: (1, "An unknown error has occurred."),
    502: (1, "An unknown error has occurred."),
    503: (2, "Service temporarily unavailable"),
    504: (2, "Service temporarily unavailable"),
}
_FAULT_WORDS = frozenset(("expired_token", "malformed", "truncated", "reset", "deleted_post",
                          *_THROTTLES))

# Fields each node type accepts, and what it returns when ``fields`` is absent.
_PAGE_FIELDS = frozenset(("id", "name", "username", "fan_count", "followers_count", "about",
                          "link", "category"))
_POST_FIELDS = frozenset(("id", "message", "created_time", "updated_time", "permalink_url",
                          "shares", "from", "reactions", "comments"))
_COMMENT_FIELDS = frozenset(("id", "message", "created_time", "from", "parent",
                             "comment_count", "permalink_url", "comments"))
_REACTION_FIELDS = frozenset(("id", "name", "type", "profile_type"))
_DEFAULTS = {"Page": "id,name", "Post": "created_time,message,id",
             "Comment": "created_time,from,message,id", "Reaction": "id,name,type"}


class GraphError(Exception):
    """An error answer: HTTP status plus the fields of the body's ``error`` object."""

    def __init__(self, status: int, code: int, message: str, *, kind: str = "OAuthException",
                 subcode: int | None = None, transient: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.kind, self.subcode, self.transient = kind, subcode, transient

    def body(self, fbtrace_id: str) -> Json:
        err: Json = {"message": self.message, "type": self.kind, "code": self.code}
        if self.subcode is not None:
            err["error_subcode"] = self.subcode
        if self.transient:
            err["is_transient"] = True
        err["fbtrace_id"] = fbtrace_id
        return {"error": err}


def _param_error(message: str) -> GraphError:
    return GraphError(400, 100, f"(#100) {message}")


def _missing(obj_id: str) -> GraphError:
    return GraphError(
        400, 100,
        f"Unsupported get request. Object with ID '{obj_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the "
        "Graph API documentation at https://developers.facebook.com/docs/graph-api",
        kind="GraphMethodException", subcode=33)


def _no_field(name: str, node_type: str) -> GraphError:
    return _param_error(f"Tried accessing nonexisting field ({name}) on node type ({node_type})")


# --- the fields mini-language --------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    """One entry of ``fields=``: ``name.mod(arg).mod(arg){sub,fields}``."""

    name: str
    mods: tuple[tuple[str, str], ...] = ()
    sub: tuple[FieldSpec, ...] | None = None

    def mod(self, key: str, default: str | None = None) -> str | None:
        return dict(self.mods).get(key, default)

    @property
    def key(self) -> str:
        """The response key: ``.as(alias)`` renames, which lets one request ask
        for the same connection several times with different modifiers."""
        return self.mod("as") or self.name


_NAME_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")


def parse_fields(text: str) -> tuple[FieldSpec, ...]:
    specs, end = _parse_list(text, 0, None)
    assert end == len(text)
    return specs


def _parse_list(s: str, i: int, closing: str | None) -> tuple[tuple[FieldSpec, ...], int]:
    def fail(at: int) -> GraphError:
        return GraphError(400, 2500, f"Syntax error \"Unexpected input\" at character {at}: {s}")

    specs: list[FieldSpec] = []
    while True:
        m = _NAME_RE.match(s, i)
        if m is None:
            raise fail(i)
        name, i = m.group(1), m.end()
        mods: list[tuple[str, str]] = []
        while i < len(s) and s[i] == ".":
            m = _NAME_RE.match(s, i + 1)
            close = s.find(")", i)
            if m is None or m.end() >= len(s) or s[m.end()] != "(" or close < 0:
                raise fail(i)
            mods.append((m.group(1), s[m.end() + 1:close].strip()))
            i = close + 1
        sub = None
        if i < len(s) and s[i] == "{":
            sub, i = _parse_list(s, i + 1, "}")
        specs.append(FieldSpec(name, tuple(mods), sub))
        while i < len(s) and s[i].isspace():
            i += 1
        if i == len(s):
            if closing is not None:
                raise fail(i)
            return tuple(specs), i
        if s[i] == ",":
            i += 1
        elif s[i] == closing:
            return tuple(specs), i + 1
        else:
            raise fail(i)


# --- helpers -------------------------------------------------------------------

def _time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _parse_time(name: str, value: str) -> float:
    """``since``/``until``: unix seconds or an ISO date/date-time (UTC if no offset)."""
    if re.fullmatch(r"-?\d+", value):
        return float(value)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise _param_error(f"The parameter {name} must be a unix timestamp or a date") from None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"\d+", value):
        raise _param_error("The parameter limit must be a non-negative integer")
    return min(int(value), MAX_LIMIT)  # the real API quietly caps large limits


def _cursor(item_id: str) -> str:
    # Real cursors are base64 of an internal record (they start "QVFI", i.e. "AQH");
    # encoding the id the same way keeps them opaque and stable across page sizes.
    return base64.b64encode(f"AQH:{item_id}".encode()).decode().rstrip("=")


def _uncursor(name: str, cursor: str) -> str:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("AQH:"):
        raise _param_error(f"The parameter {name} is not a valid cursor")
    return raw[4:]


def _dumps(body: Json) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Call:
    """What a response needs to know about its request to build paging URLs."""

    base_url: str
    version: str  # "v21.0", or "" when the request had no version prefix
    token: str | None  # the token to put in paging URLs (None: leave it out)

    def url(self, path: str, params: dict[str, str]) -> str:
        query = dict(params)
        if self.token is not None:
            query = {"access_token": self.token, **query}  # first, as the real API does
        prefix = f"/{self.version}" if self.version else ""
        return f"{self.base_url}{prefix}/{path}?{urlencode(query)}"


# --- the Graph API over a world ------------------------------------------------------

class _Api:
    def __init__(self, world: FbWorld) -> None:
        self.world = world
        self.deleted: set[str] = set()  # objects deleted on the platform since: they answer code 100

    def resolve(self, obj_id: str) -> Node | None:
        w = self.world
        return None if obj_id in self.deleted else w.page(obj_id) or w.post(obj_id) or w.comment(obj_id)

    def page_of(self, node: Node | None) -> str | None:
        if isinstance(node, Page):
            return node.id
        if isinstance(node, FbPost):
            return node.page_id
        if isinstance(node, Comment):
            return node.post_id.split("_", 1)[0]
        return None

    # paging

    @staticmethod
    def _paged(call: _Call, path: str, items: Sequence[Any], key: Callable[[Any], str],
               params: dict[str, str]) -> tuple[list[Any], Json | None]:
        """Slice ``items`` as the cursor params ask; paging is None for an empty page."""
        limit = _limit(params.get("limit"))
        ids = [key(x) for x in items]

        def index(name: str) -> int:
            target = _uncursor(name, params[name])
            try:
                return ids.index(target)
            except ValueError:
                raise _param_error(f"The parameter {name} is not a valid cursor") from None

        if params.get("after"):
            start = index("after") + 1
            end = start + limit
        elif params.get("before"):
            end = index("before")
            start = max(0, end - limit)
        else:
            start, end = 0, limit
        chunk = list(items[start:end])
        if not chunk:
            return chunk, None
        cursors = {"before": _cursor(key(chunk[0])), "after": _cursor(key(chunk[-1]))}
        paging: Json = {"cursors": cursors}
        rest = {k: v for k, v in params.items() if k not in ("after", "before", "limit")}
        rest["limit"] = str(limit)
        if start + len(chunk) < len(items):
            paging["next"] = call.url(path, {**rest, "after": cursors["after"]})
        if start > 0:
            paging["previous"] = call.url(path, {**rest, "before": cursors["before"]})
        return chunk, paging

    # connections (edges, or the same lists embedded through field expansion)

    def _comment_list(self, node: Node, filt: str, order: str) -> list[Comment]:
        if isinstance(node, Comment):
            items = self.world.replies_of(node.id)  # FB threads are two levels deep
        else:
            if filt not in ("toplevel", "stream"):
                raise _param_error("The parameter filter must be one of toplevel, stream")
            items = self.world.comments_of(node.id, stream=filt == "stream")
        if order not in ("chronological", "reverse_chronological"):
            raise _param_error("The parameter order must be one of chronological, "
                               "reverse_chronological")
        return items[::-1] if order == "reverse_chronological" else items

    def _reaction_list(self, node: Node, kind: str | None) -> list[Reaction]:
        if not isinstance(node, FbPost):
            return []  # comment reactions exist on Facebook but are not modelled here
        items = self.world.reactions_of(node.id)
        if kind is None or kind.upper() == "NONE":
            return items
        kind = kind.upper()
        if kind not in ("LIKE", "LOVE", "WOW", "HAHA", "SAD", "ANGRY", "CARE", "THANKFUL",
                        "PRIDE"):
            raise _param_error(f"The parameter type has an invalid value: {kind}")
        return [r for r in items if r.type == kind]

    def connection(self, call: _Call, node: Node, edge: str, params: dict[str, str],
                   fields: tuple[FieldSpec, ...] | None) -> Json:
        """``/{node}/{edge}`` or the same connection expanded inside a node."""
        summary = params.get("summary", "").lower() in ("true", "1", "total_count")
        path = f"{node.id}/{edge}"
        if edge == "comments":
            filt = params.get("filter", "toplevel")
            order = params.get("order", "chronological")
            comments = self._comment_list(node, filt, order)
            chunk, paging = self._paged(call, path, comments, lambda c: c.id, params)
            out: Json = {"data": [self.comment(call, c, fields) for c in chunk]}
            summ: Json = {"order": order, "total_count": len(comments), "can_comment": False}
        else:
            reactions = self._reaction_list(node, params.get("type"))
            chunk, paging = self._paged(call, path, reactions, lambda r: r.user_id, params)
            out = {"data": [self.reaction(r, fields) for r in chunk]}
            summ = {"total_count": len(reactions), "viewer_reaction": "NONE"}
        if paging is not None:
            out["paging"] = paging
        if summary:
            out["summary"] = summ
        return out

    def _embedded(self, call: _Call, node: Node, spec: FieldSpec) -> Json:
        # Field expansion takes the edge parameters as modifiers: comments.limit(0).summary(true)
        params = {k: v for k, v in spec.mods if k in ("limit", "summary", "filter", "order",
                                                      "type")}
        return self.connection(call, node, spec.name, params, spec.sub)

    # nodes

    @staticmethod
    def _specs(fields: tuple[FieldSpec, ...] | None, node_type: str,
               allowed: frozenset[str]) -> tuple[FieldSpec, ...]:
        specs = fields if fields else parse_fields(_DEFAULTS[node_type])
        for spec in specs:
            if spec.name not in allowed:
                raise _no_field(spec.name, node_type)
        return specs

    def page(self, page: Page, fields: tuple[FieldSpec, ...] | None) -> Json:
        values = {"id": page.id, "name": page.name, "username": page.username,
                  "fan_count": page.fan_count,
                  "followers_count": page.fan_count + page.fan_count // 20,
                  "about": page.about, "link": page.link, "category": page.category}
        return {s.key: values[s.name] for s in self._specs(fields, "Page", _PAGE_FIELDS)}

    def post(self, call: _Call, post: FbPost, fields: tuple[FieldSpec, ...] | None) -> Json:
        out: Json = {}
        for spec in self._specs(fields, "Post", _POST_FIELDS):
            if spec.name == "id":
                out[spec.key] = post.id
            elif spec.name == "message":
                out[spec.key] = post.message
            elif spec.name in ("created_time", "updated_time"):
                out[spec.key] = _time(post.created_time)
            elif spec.name == "permalink_url":
                out[spec.key] = post.permalink_url
            elif spec.name == "shares":
                if post.shares:  # the real API leaves the field out for unshared posts
                    out[spec.key] = {"count": post.shares}
            elif spec.name == "from":
                page = self.world.pages[post.page_id]
                out[spec.key] = {"name": page.name, "id": page.id}
            else:
                out[spec.key] = self._embedded(call, post, spec)
        return out

    def comment(self, call: _Call, c: Comment, fields: tuple[FieldSpec, ...] | None) -> Json:
        out: Json = {}
        for spec in self._specs(fields, "Comment", _COMMENT_FIELDS):
            if spec.name == "id":
                out[spec.key] = c.id
            elif spec.name == "message":
                out[spec.key] = c.message
            elif spec.name == "created_time":
                out[spec.key] = _time(c.created_time)
            elif spec.name == "from":
                user = self.world.users[c.from_id]
                out[spec.key] = {"name": user.name, "id": user.id}
            elif spec.name == "parent":
                if c.parent_id is not None:  # absent on top-level comments
                    out[spec.key] = self.comment(call, self._parent(c),
                                                 spec.sub)
            elif spec.name == "comment_count":
                out[spec.key] = len(self.world.replies_of(c.id))
            elif spec.name == "permalink_url":
                post = self.world.post(c.post_id)
                assert post is not None
                out[spec.key] = f"{post.permalink_url}?comment_id={c.id.split('_', 1)[1]}"
            else:
                out[spec.key] = self._embedded(call, c, spec)
        return out

    def _parent(self, c: Comment) -> Comment:
        parent = self.world.comment(c.parent_id or "")
        assert parent is not None
        return parent

    def reaction(self, r: Reaction, fields: tuple[FieldSpec, ...] | None) -> Json:
        user = self.world.users[r.user_id]
        values = {"id": user.id, "name": user.name, "type": r.type, "profile_type": "user"}
        return {s.key: values[s.name] for s in self._specs(fields, "Reaction", _REACTION_FIELDS)}

    def node(self, call: _Call, node: Node, fields: tuple[FieldSpec, ...] | None) -> Json:
        if isinstance(node, Page):
            return self.page(node, fields)
        if isinstance(node, FbPost):
            return self.post(call, node, fields)
        return self.comment(call, node, fields)

    def posts(self, call: _Call, page: Page, edge: str, params: dict[str, str],
              fields: tuple[FieldSpec, ...] | None) -> Json:
        posts: Sequence[FbPost] = self.world.posts_of(page.id)
        # Half-open [since, until) so adjacent windows never return a post twice.
        if params.get("since"):
            since = _parse_time("since", params["since"])
            posts = [p for p in posts if p.created_time.timestamp() >= since]
        if params.get("until"):
            until = _parse_time("until", params["until"])
            posts = [p for p in posts if p.created_time.timestamp() < until]
        chunk, paging = self._paged(call, f"{page.id}/{edge}", posts, lambda p: p.id, params)
        out: Json = {"data": [self.post(call, p, fields) for p in chunk]}
        if paging is not None:
            out["paging"] = paging
        return out

    def handle(self, call: _Call, segments: list[str], params: dict[str, str]) -> Json:
        fields = parse_fields(params["fields"]) if params.get("fields", "").strip() else None
        node = self.resolve(segments[0])
        if node is None:
            raise _missing(segments[0])
        if len(segments) == 1:
            return self.node(call, node, fields)
        edge = segments[1]
        node_type = type(node).__name__.replace("FbPost", "Post")
        if _EDGES.get(edge) == "posts" and isinstance(node, Page):
            return self.posts(call, node, edge, params, fields)
        if edge == "comments" and not isinstance(node, Page):
            return self.connection(call, node, edge, params, fields)
        if edge == "reactions" and not isinstance(node, Page):
            return self.connection(call, node, edge, params, fields)
        raise _no_field(edge, node_type)


# --- usage accounting ------------------------------------------------------------

class _Usage:
    """Hourly call counts for the app and per page, reported as percent of budget."""

    def __init__(self, calls_per_hour: int) -> None:
        self.budget = calls_per_hour
        self._lock = threading.Lock()
        self._window_start = time.monotonic()
        self.app_calls = 0
        self.page_calls: Counter[str] = Counter()

    def reset(self) -> None:
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._window_start = time.monotonic()
        self.app_calls = 0
        self.page_calls.clear()

    def _roll(self) -> None:
        # A fixed window opened by the first call; the real one slides, which only
        # matters for tests that would have to wait an hour anyway.
        if time.monotonic() - self._window_start >= HOUR:
            self._clear()

    def hit(self, page_id: str | None) -> None:
        with self._lock:
            self._roll()
            self.app_calls += 1
            if page_id is not None:
                self.page_calls[page_id] += 1

    def over_budget(self) -> bool:
        with self._lock:
            return self.app_calls > self.budget

    def minutes_left(self) -> int:
        return math.ceil((HOUR - (time.monotonic() - self._window_start)) / 60)

    def _pct(self, calls: int, weight: int = 1) -> int:
        # CPU and total time are reported as smaller shares than the call count.
        return min(100, math.ceil(100 * calls / (self.budget * weight)))

    def headers(self, page_id: str | None, *, full: bool = False,
                regain: int = 0) -> dict[str, str]:
        with self._lock:
            app, page = self.app_calls, self.page_calls[page_id] if page_id else 0
        if full:
            app_usage = {"call_count": 100, "total_cputime": 100, "total_time": 100}
        else:
            app_usage = {"call_count": self._pct(app), "total_cputime": self._pct(app, 4),
                         "total_time": self._pct(app, 2)}
        buc: Json = {}
        if page_id is not None:
            counts = (dict(app_usage) if full else
                      {"call_count": self._pct(page), "total_cputime": self._pct(page, 4),
                       "total_time": self._pct(page, 2)})
            buc[page_id] = [{"type": "pages", **counts,
                             "estimated_time_to_regain_access": regain}]
        return {"x-app-usage": json.dumps(app_usage, separators=(",", ":")),
                "x-business-use-case-usage": json.dumps(buc, separators=(",", ":"))}


# --- HTTP ----------------------------------------------------------------------

class _Handler(EmulatorHandler):
    server_version = "fb_emulator"
    emulator: FbEmulator

    def send_body(self, status: int, body: bytes, headers: dict[str, str],
                  content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "private, no-cache, no-store, must-revalidate")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def drop(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send a TCP RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


class FbEmulator(LoopbackServer):
    """Serve an :class:`FbWorld` as the Graph API on a local port (see module docstring)."""

    handler = _Handler
    thread_name = "fb-emulator"

    def __init__(
        self,
        world: FbWorld | None = None,
        *,
        seed: int = 2026,
        access_token: str = "seula-demo-fb-token",
        calls_per_hour: int = 200,
        enforce_budget: bool = False,
        throttle_regain_minutes: int = 5,
        drop_token_in_next: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """``enforce_budget`` answers code 4 once the hourly budget is spent (off by
        default so long demo runs work; the headers report usage either way).
        ``drop_token_in_next`` leaves ``access_token`` out of paging URLs, which
        makes facebook-sdk's ``get_all_connections`` fail with ``KeyError``."""
        if calls_per_hour < 1:
            raise ValueError("calls_per_hour must be positive")
        self.world = world if world is not None else build_world(seed)
        self.access_token = access_token
        self.enforce_budget = enforce_budget
        self.throttle_regain_minutes = throttle_regain_minutes
        self.drop_token_in_next = drop_token_in_next
        self.versions_seen: set[str] = set()  # e.g. {"v21.0"}; "" for unprefixed requests
        self.request_log: list[tuple[str, int]] = []
        self._api = _Api(self.world)
        self._usage = _Usage(calls_per_hour)
        self._listen(host, port)
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._trace = itertools.count()

    # test controls

    def inject(self, endpoint_key: str, *faults: Fault) -> None:
        """Queue faults; each matching request consumes one, in order.

        A fault is ``"throttle_4"``/``"throttle_17"``/``"throttle_32"``/``"throttle_613"``,
        ``"expired_token"``, an HTTP status 500/502/503/504, ``"malformed"`` (200 with
        an HTML body), ``"truncated"`` (200 with the real body cut in half), ``"reset"``
        (connection dropped) or ``"deleted_post"`` (``posts``: one post silently
        missing from the page; other keys: error 100, subcode 33).
        """
        if endpoint_key not in ENDPOINT_KEYS:
            raise ValueError(f"unknown endpoint key: {endpoint_key}")
        for fault in faults:
            if not (fault in _SERVER_ERRORS or fault in _FAULT_WORDS):
                raise ValueError(f"unsupported fault: {fault!r}")
        with self._lock:
            self._faults.setdefault(endpoint_key, deque()).extend(faults)

    def delete(self, obj_id: str) -> None:
        """Delete a post, comment or Page on the platform: reading it answers code 100 from now on."""
        self._api.deleted.add(obj_id)

    def reset_usage(self) -> None:
        self._usage.reset()

    # serving

    def _fbtrace_id(self) -> str:
        digest = hashlib.sha256(f"{self.world.seed}:{next(self._trace)}".encode()).digest()
        return "A" + base64.urlsafe_b64encode(digest).decode()[:22]

    def _next_fault(self, key: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(key)
            return queue.popleft() if queue else None

    def _serve(self, req: _Handler) -> None:
        url = urlsplit(req.path)
        segments = [unquote(s) for s in url.path.split("/") if s]
        version = ""
        if segments and _VERSION_RE.fullmatch(segments[0]):
            version = segments.pop(0)
        with self._lock:
            self.versions_seen.add(version)
        if len(segments) == 1:
            key = "page"
        elif len(segments) == 2:
            key = _EDGES.get(segments[1], "unknown")
        else:
            key = "unknown"
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        token = params.pop("access_token", None)
        auth = req.headers.get("Authorization", "")
        if token is None and auth.split(" ")[0] in ("OAuth", "Bearer"):
            token = auth.split(" ", 1)[-1]
        # The world is read-only, so handler threads can share it without a lock.
        page_id = self._api.page_of(self._api.resolve(segments[0])) if segments else None
        self._usage.hit(page_id)
        fault = self._next_fault(key) if key in ENDPOINT_KEYS else None

        def send(status: int, body: bytes, headers: dict[str, str] | None = None,
                 content_type: str = "application/json; charset=UTF-8") -> None:
            with self._lock:
                self.request_log.append((key, status))
            req.send_body(status, body, headers or self._usage.headers(page_id), content_type)

        def send_error(err: GraphError, headers: dict[str, str] | None = None) -> None:
            send(err.status, _dumps(err.body(self._fbtrace_id())), headers)

        if fault == "reset":
            with self._lock:
                self.request_log.append((key, 0))
            req.drop()
            return
        if fault == "malformed":  # what an overloaded edge proxy sends instead of JSON
            send(200, b"<html><body><h1>Sorry, something went wrong.</h1></body></html>",
                 content_type="text/html; charset=utf-8")
            return
        if isinstance(fault, int):
            code, message = _SERVER_ERRORS[fault]
            send_error(GraphError(fault, code, message, transient=True))
            return
        if isinstance(fault, str) and fault in _THROTTLES:
            code, status, message = _THROTTLES[fault]
            full = self._usage.headers(page_id, full=True, regain=self.throttle_regain_minutes)
            send_error(GraphError(status, code, message, transient=True), full)
            return
        if fault == "expired_token":
            send_error(GraphError(
                400, 190, "Error validating access token: Session has expired on Monday, "
                "12-Oct-26 16:00:00 PDT. The current time is Tuesday, 13-Oct-26 02:15:00 PDT.",
                subcode=463))
            return

        if token is None or token == "":
            # The real API answers a missing token with code 104, not 190.
            send_error(GraphError(400, 104, "An access token is required to request this "
                                            "resource."))
            return
        if token != self.access_token:
            send_error(GraphError(400, 190, "Invalid OAuth access token - Cannot parse "
                                            "access token"))
            return
        if self.enforce_budget and self._usage.over_budget():
            code, status, message = _THROTTLES["throttle_4"]
            full = self._usage.headers(page_id, full=True, regain=self._usage.minutes_left())
            send_error(GraphError(status, code, message, transient=True), full)
            return
        if not segments:
            send_error(GraphError(400, 100, "Unsupported get request.",
                                  kind="GraphMethodException"))
            return
        if len(segments) > 2:
            send_error(GraphError(400, 2500, "Unknown path components: /"
                                             + "/".join(segments[2:])))
            return

        call = _Call(self.base_url, version, None if self.drop_token_in_next else token)
        try:
            if fault == "deleted_post" and key != "posts":
                raise _missing(segments[0])
            body = self._api.handle(call, segments, params)
            if fault == "deleted_post" and body.get("data"):
                # A post removed between listing and serving: the page is one short,
                # with no marker, while its cursors still span the original range.
                del body["data"][len(body["data"]) // 2]
            status, raw = 200, _dumps(body)
        except GraphError as err:
            status, raw = err.status, _dumps(err.body(self._fbtrace_id()))
        except Exception:  # a bug here must look like a server fault, not hang the client
            traceback.print_exc()
            err = GraphError(500, 1, "An unknown error has occurred.", transient=True)
            status, raw = 500, _dumps(err.body(self._fbtrace_id()))
        if fault == "truncated":
            raw = raw[: len(raw) // 2]
        send(status, raw)
