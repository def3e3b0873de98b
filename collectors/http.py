"""What the two platform clients share under their SDKs: the wire, the patience, the figures a
collection log records, and one family of errors.

Both SDKs (tweepy, facebook-sdk) hard-code their host and never set a timeout. A transport
adapter mounted on the SDK's own ``requests`` session sends the very same requests to another
base URL (a local emulator) when one is given, adds the timeout, and keeps the last response's
headers and body, which the SDKs do not expose. Neither SDK's own waiting is used: tweepy's
``wait_on_rate_limit`` waits without bound and never retries a 5xx, facebook-sdk has none.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)


class CollectorError(Exception):
    """A collection could not go on; the message is one safe line (no token, no personal data)."""


class RateLimitStop(CollectorError):
    """Waiting out a platform's limit would take longer than the engagement allows: stop now, resume later."""

    def __init__(self, what: str, resume_at: datetime) -> None:
        super().__init__(f"{what}: rate limit spent until {resume_at:%Y-%m-%d %H:%M:%S} UTC; run again after that")
        self.resume_at = resume_at


class MalformedResponse(CollectorError):
    """The API answered with a body that is not the JSON (or the shape) it promises.

    ``body`` keeps what came, for quarantine; it never goes into the message.
    """

    MAX_BODY = 200_000

    def __init__(self, message: str, body: str = "") -> None:
        super().__init__(message)
        self.body = body[: self.MAX_BODY]


@dataclass
class Usage:
    """What a run cost and lost, per collection, so that a report can state completeness."""

    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_seconds: float = 0.0
    api_errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str, n: int = 1) -> None:
        self.api_errors[kind] = self.api_errors.get(kind, 0) + n


class Transport(HTTPAdapter):
    """Mounted for ``host`` on an SDK's session: reroutes to ``base_url``, adds the timeout, keeps the last answer."""

    def __init__(self, host: str, base_url: str | None, timeout: float) -> None:
        super().__init__()
        self.host = host
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.last_headers: dict[str, str] = {}
        self.last_body = ""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.base_url and request.url and request.url.startswith(self.host):
            request.url = self.base_url + request.url[len(self.host):]
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        response = super().send(request, **kwargs)
        self.last_headers = dict(response.headers)
        self.last_body = response.text  # for quarantine: the SDKs drop it on a decoding error
        return response


def mount(session: requests.Session, host: str, base_url: str | None, timeout: float) -> Transport:
    transport = Transport(host, base_url, timeout)
    session.mount(host, transport)
    return transport


@dataclass
class Patience:
    """How long a client waits for a platform, and how often it tries again.

    Transient faults (5xx, connection errors) are retried with capped exponential backoff and
    jitter, so parallel runs do not retry in step. A rate limit is waited out only up to
    ``max_wait``; beyond it the run stops, and a later run resumes from its checkpoints.
    """

    max_wait: float = 900.0
    max_retries: int = 5
    backoff: float = 1.0
    backoff_cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def retry(self, what: str, attempt: int, why: str, usage: Usage) -> int:
        """Sleep before another attempt, or give up after ``max_retries``; returns the attempts made."""
        attempt += 1
        if attempt > self.max_retries:
            raise CollectorError(f"{what}: gave up after {attempt} attempts ({why})")
        usage.retries += 1
        delay = min(self.backoff_cap, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        log.info("%s: %s, retrying in %.1f s", what, why, delay)
        self.sleep(delay)
        return attempt

    def wait(self, what: str, seconds: float, usage: Usage) -> None:
        """Wait out a limit of ``seconds``, or stop the run if that is longer than allowed."""
        if seconds > self.max_wait:
            raise RateLimitStop(what, datetime.fromtimestamp(self.clock() + seconds, UTC))
        if seconds > 3600:
            log.warning("%s: the limit resets over an hour from now: is the clock right?", what)
        log.info("%s: rate limit reached, waiting %.0f s", what, seconds)
        usage.rate_limit_waits += 1
        usage.rate_limit_seconds += seconds
        self.sleep(seconds)
