"""The real tweepy client, with rate limits, retries and errors handled once, here.

tweepy hard-codes its host; a transport adapter mounted on its ``requests`` session sends
the very same requests to another base URL (the local emulator) and adds the timeout that
tweepy never sets. tweepy's own ``wait_on_rate_limit`` waits without bound and never
retries a 5xx, so both are done here instead, twarc-style.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

API_HOST = "https://api.twitter.com"
log = logging.getLogger(__name__)


class CollectorError(Exception):
    """A collection could not go on; the message is one safe line (no personal data)."""


class RateLimitStop(CollectorError):
    """Waiting out a rate limit would take longer than allowed: stop now, resume later."""

    def __init__(self, endpoint: str, resume_at: datetime) -> None:
        super().__init__(f"{endpoint}: rate limit spent until {resume_at:%Y-%m-%d %H:%M:%S} UTC; run again after that")
        self.resume_at = resume_at


class MalformedResponse(CollectorError):
    """The API answered 200 with a body that is not the JSON (or the shape) it promises.

    ``body`` keeps what came, for quarantine; it never goes into the message.
    """

    MAX_BODY = 200_000

    def __init__(self, message: str, body: str = "") -> None:
        super().__init__(message)
        self.body = body[: self.MAX_BODY]


class _Transport(HTTPAdapter):
    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.base_url and request.url and request.url.startswith(API_HOST):
            request.url = self.base_url + request.url[len(API_HOST) :]
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


def make_client(bearer_token: str, base_url: str | None = None, timeout: float = 30.0) -> tweepy.Client:
    client = tweepy.Client(bearer_token=bearer_token, return_type=requests.Response, wait_on_rate_limit=False)
    client.session.mount(API_HOST, _Transport(base_url, timeout))
    return client


@dataclass
class Usage:
    """What a run cost and lost: reported per collection so a report can state completeness."""

    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_seconds: float = 0.0
    api_errors: dict[str, int] = field(default_factory=dict)


@dataclass
class _Window:
    remaining: int
    reset: float


class XApi:
    def __init__(
        self,
        client: tweepy.Client,
        *,
        max_rate_limit_wait: float = 900.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        backoff_cap: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.max_rate_limit_wait = max_rate_limit_wait
        self.max_retries = max_retries
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.clock = clock
        self.usage = Usage()
        self._windows: dict[str, _Window] = {}

    def _wait_until(self, endpoint: str, reset: float) -> None:
        wait = max(0.0, reset - self.clock()) + 1.0
        if wait > self.max_rate_limit_wait:
            raise RateLimitStop(endpoint, datetime.fromtimestamp(reset, UTC))
        if wait > 3600:
            log.warning("rate-limit reset is over an hour away: is the clock right?")
        log.info("%s: rate limit reached, waiting %.0f s", endpoint, wait)
        self.usage.rate_limit_waits += 1
        self.usage.rate_limit_seconds += wait
        self.sleep(wait)

    def _note_window(self, endpoint: str, response: requests.Response) -> None:
        try:
            self._windows[endpoint] = _Window(
                int(response.headers["x-rate-limit-remaining"]), float(response.headers["x-rate-limit-reset"])
            )
        except (KeyError, ValueError):
            pass

    def _retry(self, endpoint: str, attempt: int, what: str) -> None:
        if attempt > self.max_retries:
            raise CollectorError(f"{endpoint}: gave up after {attempt} attempts ({what})")
        self.usage.retries += 1
        delay = min(self.backoff_cap, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        log.info("%s: %s, retrying in %.1f s", endpoint, what, delay)
        self.sleep(delay)

    def call(self, endpoint: str, method: Callable[..., requests.Response], *args: Any, **params: Any) -> dict:
        """One request with every fault handled; returns the decoded JSON object."""
        attempt = 0
        while True:
            window = self._windows.get(endpoint)
            if window and window.remaining <= 0 and window.reset > self.clock():
                self._wait_until(endpoint, window.reset)  # never spend past the window
                self._windows.pop(endpoint, None)
            self.usage.requests += 1
            try:
                response = method(*args, **params)
            except tweepy.TooManyRequests as exc:
                reset = exc.reset_time if exc.reset_time else self.clock() + self.backoff_cap
                self._wait_until(endpoint, reset)
                continue
            except tweepy.TwitterServerError as exc:
                attempt += 1
                self._retry(endpoint, attempt, f"HTTP {exc.response.status_code}")
                continue
            except (requests.ConnectionError, requests.Timeout) as exc:
                attempt += 1
                self._retry(endpoint, attempt, type(exc).__name__)
                continue
            except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
                raise CollectorError(
                    f"{endpoint}: the X API refused the credentials (HTTP {exc.response.status_code}); check SEULA_X_BEARER_TOKEN"
                ) from None
            except tweepy.HTTPException as exc:
                title = _title(exc.response)
                raise CollectorError(f"{endpoint}: the X API rejected the request (HTTP {exc.response.status_code}{title})") from None
            self._note_window(endpoint, response)
            try:
                payload = response.json()
            except (requests.JSONDecodeError, ValueError):
                raise MalformedResponse(f"{endpoint}: the X API sent a body that is not valid JSON", response.text) from None
            if not isinstance(payload, dict):
                raise MalformedResponse(f"{endpoint}: the X API sent JSON that is not an object", response.text)
            for err in payload.get("errors") or []:
                kind = str(err.get("title", "error")) if isinstance(err, dict) else "error"
                self.usage.api_errors[kind] = self.usage.api_errors.get(kind, 0) + 1
            return payload

    def pages(
        self, endpoint: str, method: Callable[..., requests.Response], *args: Any, token_param: str, token: str | None, **params: Any
    ) -> Iterator[tuple[dict, str | None]]:
        """Every page from ``token`` on, each with the token of the page after it."""
        while True:
            if token:
                params[token_param] = token
            payload = self.call(endpoint, method, *args, **params)
            meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
            token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
            yield payload, token
            if not token:
                return


def _title(response: requests.Response) -> str:
    # The problem "title" names the kind of error; "detail" may quote handles, so it is left out.
    try:
        title = response.json().get("title")
    except (ValueError, AttributeError):
        return ""
    return f": {title}" if isinstance(title, str) else ""
