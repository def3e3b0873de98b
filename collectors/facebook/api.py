"""The real facebook-sdk client (3.1.0, its last release), with throttling and errors handled here.

facebook-sdk rejects Graph versions above 3.1 in its constructor, so the client is built
with "3.1" and its ``version`` attribute set afterwards to the one the engagement pins; the
SDK still builds and sends every request. Its host is fixed, so (as for X) a transport
adapter mounted on its ``requests`` session reroutes to an emulator when one is given, adds
a timeout, and keeps the last response's usage headers, which the SDK does not expose.
The SDK puts the token in the query string: it never appears in a log or message here.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import facebook
import requests
from requests.adapters import HTTPAdapter

GRAPH_HOST = "https://graph.facebook.com"
THROTTLE_CODES = {4, 17, 32, 613}
log = logging.getLogger(__name__)


class FacebookError(Exception):
    """A collection from Facebook could not go on; one safe line (no token, no personal data)."""


class MalformedPage(FacebookError):
    """Facebook answered with a body that is not the JSON it promises; ``body`` is kept for quarantine."""

    def __init__(self, message: str, body: str = "") -> None:
        super().__init__(message)
        self.body = body[:200_000]


class GoneObject(FacebookError):
    """The object does not exist (any more), or this token may no longer read it: code 100."""


class ThrottleStop(FacebookError):
    """Facebook asks for a longer pause than the engagement allows: stop now, resume later."""


class _Transport(HTTPAdapter):
    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.last_headers: dict[str, str] = {}
        self.last_body = ""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.base_url and request.url and request.url.startswith(GRAPH_HOST):
            request.url = self.base_url + request.url[len(GRAPH_HOST):]
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        response = super().send(request, **kwargs)
        self.last_headers = dict(response.headers)
        self.last_body = response.text  # the SDK does not keep it; quarantine needs it
        return response


def make_graph(token: str, version: str, base_url: str | None = None, timeout: float = 30.0) -> tuple[facebook.GraphAPI, _Transport]:
    graph = facebook.GraphAPI(access_token=token, version="3.1")
    graph.version = version if version.startswith("v") else f"v{version}"
    transport = _Transport(base_url, timeout)
    graph.session.mount(GRAPH_HOST, transport)
    return graph, transport


def regain_seconds(headers: dict[str, str]) -> float:
    """The longest wait the usage headers ask for (``estimated_time_to_regain_access``, minutes)."""
    minutes = 0.0
    try:
        for entries in json.loads(headers.get("x-business-use-case-usage") or "{}").values():
            for entry in entries:
                minutes = max(minutes, float(entry.get("estimated_time_to_regain_access", 0)))
    except (ValueError, AttributeError, TypeError):
        pass
    return minutes * 60


def app_usage(headers: dict[str, str]) -> float:
    """The highest share (percent) of the app's hourly budget used, from ``x-app-usage``."""
    try:
        usage = json.loads(headers.get("x-app-usage") or "{}")
        return float(max(usage.get(k, 0) for k in ("call_count", "total_cputime", "total_time")))
    except (ValueError, TypeError, AttributeError):
        return 0.0


@dataclass
class Usage:
    """The same figures as the X collector's ``Usage``: the collection log reads either."""

    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0  # throttling waits
    rate_limit_seconds: float = 0.0
    api_errors: dict[str, int] = field(default_factory=dict)


class GraphApi:
    def __init__(
        self, graph: facebook.GraphAPI, transport: _Transport, *, max_throttle_wait: float = 900.0,
        max_retries: int = 5, backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.graph, self.transport = graph, transport
        self.max_throttle_wait, self.max_retries, self.backoff = max_throttle_wait, max_retries, backoff
        self.sleep = sleep
        self.usage = Usage()

    def _wait(self, what: str, seconds: float) -> None:
        if seconds > self.max_throttle_wait:
            raise ThrottleStop(f"{what}: Facebook throttled the app for {seconds / 60:.0f} min; run again after that")
        self.usage.rate_limit_waits += 1
        self.usage.rate_limit_seconds += seconds
        log.info("%s: throttled, waiting %.0f s", what, seconds)
        self.sleep(seconds)
        self.transport.last_headers = {}  # those figures are from before the pause

    def call(self, what: str, path: str, **args: Any) -> dict:
        """One Graph request (``path`` without version) with every fault handled."""
        attempt = 0
        while True:
            if app_usage(self.transport.last_headers) >= 95:  # slow down before Facebook says stop
                self._wait(what, max(60.0, regain_seconds(self.transport.last_headers)))
            self.usage.requests += 1
            try:
                result = self.graph.request(f"{self.graph.version}/{path}", args)
            except facebook.GraphAPIError as exc:
                code = getattr(exc, "code", None)
                if code in THROTTLE_CODES:
                    self._wait(what, max(self.backoff * 2 ** attempt, regain_seconds(self.transport.last_headers)))
                    attempt += 1
                    continue
                if code == 190 or code == 104:
                    raise FacebookError(f"{what}: the Facebook access token is expired or invalid (code {code}); "
                                        "renew SEULA_FACEBOOK_TOKEN") from None
                if code is None and str(exc).startswith("Maintype"):  # the SDK's word for a non-JSON body
                    raise MalformedPage(f"{what}: Facebook sent a body that is not JSON", self.transport.last_body) from None
                if code in (1, 2):  # "unknown error" / "service temporarily unavailable": transient
                    attempt = self._retry(what, attempt, f"code {code}")
                    continue
                self.usage.api_errors[str(code)] = self.usage.api_errors.get(str(code), 0) + 1
                kind = GoneObject if code == 100 and _type(exc) == "GraphMethodException" else FacebookError
                raise kind(f"{what}: Facebook refused the request (code {code}: {_type(exc)})") from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                attempt = self._retry(what, attempt, type(exc).__name__)
                continue
            except ValueError:  # the SDK's response.json() on a cut or broken body
                raise MalformedPage(f"{what}: Facebook sent a body that is not valid JSON", self.transport.last_body) from None
            if not isinstance(result, dict):
                raise FacebookError(f"{what}: Facebook sent JSON that is not an object")
            return result

    def _retry(self, what: str, attempt: int, why: str) -> int:
        attempt += 1
        if attempt > self.max_retries:
            raise FacebookError(f"{what}: gave up after {attempt} attempts ({why})")
        self.usage.retries += 1
        self.sleep(min(60.0, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
        return attempt

    def pages(self, what: str, path: str, after: str | None = None, **args: Any) -> Iterator[tuple[dict, str | None]]:
        """Every page of an edge by its ``after`` cursors (never the ``next`` URL: the SDK's
        ``get_all_connections`` breaks when that URL lacks the token)."""
        while True:
            if after:
                args["after"] = after
            page = self.call(what, path, **args)
            paging = page.get("paging") if isinstance(page.get("paging"), dict) else {}
            cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
            after = cursors.get("after") if paging.get("next") else None
            yield page, after
            if not after:
                return


def _type(exc: facebook.GraphAPIError) -> str:
    return str(getattr(exc, "type", "") or "error")
