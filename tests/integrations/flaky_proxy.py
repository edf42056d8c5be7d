"""A loopback proxy that fails writes on purpose: answers 503, or forwards a write and drops its answer."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FlakyProxy:
    """Forwards every request to `upstream`; the first `failures` writes (POST/PUT) fail as `mode` says.

    `503`: answered 503 without forwarding (nothing changed upstream);
    `drop`: forwarded (the change lands upstream), then the connection is closed without an answer.
    """

    def __init__(self, upstream: str, mode: str, failures: int = 1) -> None:
        self.upstream, self.mode, self.failures = upstream.rstrip("/"), mode, failures
        self.writes: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _handle(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
                write = method in ("POST", "PUT")
                failing = write and len(proxy.writes) < proxy.failures
                if write:
                    proxy.writes.append(self.path)
                if failing and proxy.mode == "503":
                    self._answer(503, b'{"error": "upstream unavailable"}')
                    return
                status, body = proxy.forward(method, self.path, raw, dict(self.headers))
                if failing and proxy.mode == "drop":
                    self.close_connection = True  # the write landed; its answer never arrives
                    return
                self._answer(status, body)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def forward(self, method: str, path: str, raw: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        """Send the request upstream (Host rewritten to the upstream's) and return its answer."""
        keep = {k: v for k, v in headers.items() if k.lower() in ("content-type", "authorization")}
        request = urllib.request.Request(self.upstream + path, data=raw, method=method, headers=keep)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
