"""The real facebook-sdk client (3.1.0, its last release), with throttling and errors handled here.

facebook-sdk rejects Graph versions above 3.1 in its constructor, so the client is built
with "3.1" and its ``version`` attribute set afterwards to the one the engagement pins; the
SDK still builds and sends every request, on the HTTP layer both platforms share
(``collectors.http``), whose transport also keeps the usage headers read here. The SDK puts
the token in the query string: it never appears in a log or message here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import facebook
import requests

from seula.collectors.http import CollectorError, MalformedResponse, Patience, Transport, Usage, mount

GRAPH_HOST = "https://graph.facebook.com"
THROTTLE_CODES = {4, 17, 32, 613}


class GoneObject(CollectorError):
    """The object does not exist (any more), or this token may no longer read it: code 100."""


def make_graph(token: str, version: str, base_url: str | None = None, timeout: float = 30.0) -> tuple[facebook.GraphAPI, Transport]:
    graph = facebook.GraphAPI(access_token=token, version="3.1")
    graph.version = version if version.startswith("v") else f"v{version}"
    return graph, mount(graph.session, GRAPH_HOST, base_url, timeout)


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


class GraphApi:
    def __init__(self, graph: facebook.GraphAPI, transport: Transport, patience: Patience | None = None) -> None:
        self.graph, self.transport = graph, transport
        self.patience = patience or Patience()
        self.usage = Usage()

    def _wait(self, what: str, seconds: float) -> None:
        self.patience.wait(what, seconds, self.usage)
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
                    self._wait(what, max(self.patience.backoff * 2 ** attempt, regain_seconds(self.transport.last_headers)))
                    attempt += 1
                    continue
                if code == 190 or code == 104:
                    raise CollectorError(f"{what}: the Facebook access token is expired or invalid (code {code}); "
                                         "renew SEULA_FACEBOOK_TOKEN") from None
                if code is None and str(exc).startswith("Maintype"):  # the SDK's word for a non-JSON body
                    raise MalformedResponse(f"{what}: Facebook sent a body that is not JSON", self.transport.last_body) from None
                if code in (1, 2):  # "unknown error" / "service temporarily unavailable": transient
                    attempt = self.patience.retry(what, attempt, f"code {code}", self.usage)
                    continue
                self.usage.error(str(code))
                kind = GoneObject if code == 100 and _type(exc) == "GraphMethodException" else CollectorError
                raise kind(f"{what}: Facebook refused the request (code {code}: {_type(exc)})") from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                attempt = self.patience.retry(what, attempt, type(exc).__name__, self.usage)
                continue
            except ValueError:  # the SDK's response.json() on a cut or broken body
                raise MalformedResponse(f"{what}: Facebook sent a body that is not valid JSON", self.transport.last_body) from None
            if not isinstance(result, dict):
                raise CollectorError(f"{what}: Facebook sent JSON that is not an object")
            return result

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
