"""The real tweepy client, with rate limits, retries and errors handled once, here (twarc-style),
on the HTTP layer both platforms share (``collectors.http``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
import tweepy

from seula.collectors.http import CollectorError, MalformedResponse, Patience, Usage, mount

API_HOST = "https://api.twitter.com"


def make_client(bearer_token: str, base_url: str | None = None, timeout: float = 30.0) -> tweepy.Client:
    client = tweepy.Client(bearer_token=bearer_token, return_type=requests.Response, wait_on_rate_limit=False)
    mount(client.session, API_HOST, base_url, timeout)
    return client


@dataclass
class _Window:
    remaining: int
    reset: float


class XApi:
    def __init__(self, client: tweepy.Client, patience: Patience | None = None,
                 pace: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.patience = patience or Patience()
        self.pace = pace  # waits, before each request, for a budget shared with other processes
        self.usage = Usage()
        self._windows: dict[str, _Window] = {}

    def _wait_until(self, endpoint: str, reset: float) -> None:
        self.patience.wait(endpoint, max(0.0, reset - self.patience.clock()) + 1.0, self.usage)

    def _note_window(self, endpoint: str, response: requests.Response) -> None:
        try:
            self._windows[endpoint] = _Window(
                int(response.headers["x-rate-limit-remaining"]), float(response.headers["x-rate-limit-reset"])
            )
        except (KeyError, ValueError):
            pass

    def call(self, endpoint: str, method: Callable[..., requests.Response], *args: Any, **params: Any) -> dict:
        """One request with every fault handled; returns the decoded JSON object."""
        attempt = 0
        while True:
            window = self._windows.get(endpoint)
            if window and window.remaining <= 0 and window.reset > self.patience.clock():
                self._wait_until(endpoint, window.reset)  # never spend past the window
                self._windows.pop(endpoint, None)
            if self.pace is not None:
                self.pace(endpoint)
            self.usage.requests += 1
            try:
                response = method(*args, **params)
            except tweepy.TooManyRequests as exc:
                self._wait_until(endpoint, exc.reset_time or self.patience.clock() + self.patience.backoff_cap)
                continue
            except tweepy.TwitterServerError as exc:
                attempt = self.patience.retry(endpoint, attempt, f"HTTP {exc.response.status_code}", self.usage)
                continue
            except (requests.ConnectionError, requests.Timeout) as exc:
                attempt = self.patience.retry(endpoint, attempt, type(exc).__name__, self.usage)
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
                self.usage.error(str(err.get("title", "error")) if isinstance(err, dict) else "error")
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
