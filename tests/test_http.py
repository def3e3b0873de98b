"""The HTTP layer both platform clients stand on (collectors/http.py), tried against a real
socket that misbehaves, and through both real SDKs."""

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from seula.collectors.facebook.api import GoneObject, GraphApi, make_graph
from seula.collectors.http import CollectorError, MalformedResponse, Patience, RateLimitStop, Usage, mount
from seula.collectors.x.api import API_HOST, XApi, make_client
from seula.emulators.facebook.emulator import FbEmulator
from seula.emulators.x.emulator import XEmulator


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and answers none; hangs up after 3 s, so that a client without a
    timeout fails this test with a connection error instead of hanging it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn = sock.accept()[0]
                held.append(conn)
                threading.Timer(3.0, conn.close).start()
            except TimeoutError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


def test_transport_sends_the_platform_host_to_the_emulator_with_a_timeout(silent_server: str) -> None:
    session = requests.Session()
    mount(session, API_HOST, silent_server, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        session.get(f"{API_HOST}/2/tweets/search/recent?query=x")  # tweepy passes no timeout
    assert time.monotonic() - started < 5


def test_backoff_grows_is_capped_jittered_and_gives_up() -> None:
    delays: list[float] = []
    patience, usage = Patience(max_retries=6, backoff=1.0, backoff_cap=8.0, sleep=delays.append), Usage()
    attempt = 0
    for _ in range(6):
        attempt = patience.retry("search", attempt, "HTTP 503", usage)
    with pytest.raises(CollectorError, match=r"^search: gave up after 7 attempts \(HTTP 503\)$"):
        patience.retry("search", attempt, "HTTP 503", usage)
    for n, delay in enumerate(delays, start=1):
        ceiling = min(8.0, 2.0 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert usage.retries == 6 and len(set(delays)) == 6  # jittered: no two alike


def test_a_wait_longer_than_allowed_stops_with_the_time_to_resume() -> None:
    slept: list[float] = []
    patience, usage = Patience(max_wait=60, sleep=slept.append, clock=lambda: 1_800_000_000.0), Usage()
    patience.wait("likes", 30, usage)
    with pytest.raises(RateLimitStop) as stop:
        patience.wait("likes", 61, usage)
    assert slept == [30] and usage.rate_limit_waits == 1 and usage.rate_limit_seconds == 30
    assert stop.value.resume_at == datetime.fromtimestamp(1_800_000_061, UTC)
    assert str(stop.value).endswith("UTC; run again after that")


def test_both_clients_raise_one_family_of_errors() -> None:
    assert issubclass(RateLimitStop, CollectorError) and issubclass(MalformedResponse, CollectorError)
    assert issubclass(GoneObject, CollectorError)
    with XEmulator() as x, FbEmulator() as fb:
        with pytest.raises(CollectorError, match="refused the credentials"):
            api = XApi(make_client("wrong-token", x.base_url))
            api.call("users_lookup", api.client.get_users, usernames=["someone"])
        with pytest.raises(CollectorError, match="token is expired or invalid"):
            GraphApi(*make_graph("wrong-token", "v21.0", fb.base_url)).call("page", "demouutiset")


def test_the_two_platform_rooms_do_not_import_each_other() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "collectors"
    for platform, other in (("x", "facebook"), ("facebook", "x")):
        for module in (root / platform).glob("*.py"):
            assert f"collectors.{other}" not in module.read_text(), module
    for module in root.rglob("*.py"):
        assert "from emulators" not in module.read_text() and "import emulators" not in module.read_text(), module
