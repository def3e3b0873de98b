"""A local HTTP server in a daemon thread: what both platform emulators stand on."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class EmulatorHandler(BaseHTTPRequestHandler):
    """What both emulators' request handlers share: keep-alive like the real APIs, quiet."""

    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    sys_version = ""
    timeout = 30  # idle keep-alive connections must not pin threads forever
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus
    # delayed ACKs would add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    emulator: Any  # set on a per-emulator subclass by LoopbackServer.start

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.emulator._serve(self)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # silence per-request stderr lines; the emulators keep a request_log


class LoopbackServer:
    """Serves ``handler`` (which sees this object as ``self.emulator``) on a loopback port."""

    handler: type[BaseHTTPRequestHandler]
    thread_name = "emulator"

    def _listen(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            return self
        handler = type("Handler", (self.handler,), {"emulator": self})
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() fast; serve_forever checks it between polls.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
