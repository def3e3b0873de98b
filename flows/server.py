"""Prefect's temporary server for one command, started before Seula's own imports.

Without ``PREFECT_API_URL`` Prefect starts a temporary server at a command's first flow run
and waits for it: 5 s, or 14 s in a fresh data folder where it first migrates its database,
about a third of `seula demo`. Started here, as Prefect would start it (the same uvicorn
app, the same ephemeral-server settings), but before the command imports the privacy
stack and builds the emulators' worlds, its start-up runs on the other core meanwhile.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time

import httpx

class ServerError(RuntimeError):
    """Prefect's temporary server did not come up."""


_starting: tuple[subprocess.Popen[bytes], str] | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_temporary_server() -> None:
    """Start the server now and point Prefect at it (no-op with a real server configured).

    It stops when the process exits, after Prefect's own exit handlers: those, registered
    later, run first and still send the last logs and events to it."""
    global _starting
    if os.environ.get("PREFECT_API_URL") or _starting is not None:
        return
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "error", "--lifespan", "on"],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _starting = (process, f"http://127.0.0.1:{port}/api")
    os.environ["PREFECT_API_URL"] = _starting[1]  # read when the command first imports Prefect, after this
    atexit.register(_stop, process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def ready(timeout: float = 180.0) -> None:
    """Wait until a server started here answers, so no flow races a half-started one."""
    if _starting is None:
        return
    process, url = _starting
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"Prefect's temporary server exited with code {process.returncode} before it answered")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise ServerError(f"Prefect's temporary server did not answer within {timeout:.0f} s")
