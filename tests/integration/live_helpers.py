"""Small helpers of the integration tests: reading session logs, a webhook receiver, an MLflow fault proxy."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def events(log_dir: Path) -> list[dict[str, Any]]:
    """Events of the one session log under `log_dir`."""
    logs = sorted(log_dir.rglob("*.jsonl"))
    assert len(logs) == 1, f"expected one session log under {log_dir}, found {logs}"
    return [json.loads(line) for line in logs[0].read_text().splitlines() if line.strip()]


def wait_event(log_dir: Path, kind: str, timeout: float = 120, **match: Any) -> dict[str, Any]:
    """The first event of a type (with these data values) in a running drill's log, waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list(log_dir.rglob("*.jsonl")):
            try:
                found = of_type(events(log_dir), kind, **match)
            except ValueError:  # a line being written
                found = []
            if found:
                return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {kind} {match or ''} in the log within {timeout:g}s")


def wall(event: dict[str, Any]) -> float:
    """An event's wall-clock time as Unix seconds (its `ts`)."""
    from datetime import datetime

    return datetime.fromisoformat(event["ts"].replace("Z", "+00:00")).timestamp()


def log_bytes(log_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(log_dir.rglob("*.jsonl")))


def of_type(evs: list[dict[str, Any]], kind: str, **match: Any) -> list[dict[str, Any]]:
    """Events of a type whose data has the given values."""
    return [e for e in evs if e["type"] == kind and all(e["data"].get(k) == v for k, v in match.items())]


def samples(evs: list[dict[str, Any]], signal: str) -> list[tuple[float, float | None]]:
    """(t, value) of every polled sample of a signal (backfill history excluded)."""
    return [
        (e["t"], e["data"]["values"][signal])
        for e in evs
        if e["type"] == "signal.sample" and signal in e["data"]["values"]
    ]


@dataclass
class Received:
    """One request a local server got."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    dropped: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(handler_cls: type[BaseHTTPRequestHandler], port: int = 0) -> LocalServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_cls)
    server.daemon_threads = True
    local = LocalServer(server)
    server.local = local  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return local


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def webhook_receiver() -> LocalServer:
    """Records every POST (a Slack-compatible webhook) and answers 200 ok."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            raw = _read_body(self)
            self.server.local.received.append(
                Received("POST", self.path, dict(self.headers), json.loads(raw or b"null"))
            )  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return serve(Handler)


def mlflow_proxy(upstream: str, mode: str, hang: float = 8.0, port: int = 0) -> LocalServer:
    """Forwards to MLflow, except: `post500` answers the alias POST with 500 (echoing the Authorization header,
    as a careless server might), `get500` answers every request with 500, `hang` holds the alias POST unanswered,
    `drop` forwards the first alias POST (it lands) and closes the connection without its answer."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the drill gave up (`hang`)
                self.wfile.write(body)

        def _forward(self, method: str, raw: bytes | None) -> None:
            request = urllib.request.Request(
                upstream + self.path, data=raw, method=method, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    self._answer(response.status, response.read())
            except urllib.error.HTTPError as exc:
                self._answer(exc.code, exc.read())

        def _handle(self, method: str) -> None:
            raw = _read_body(self) if method == "POST" else None
            self.server.local.received.append(Received(method, self.path, dict(self.headers), raw))  # type: ignore[attr-defined]
            failing = mode == "get500" or (
                method == "POST" and self.path.startswith("/api/2.0/mlflow/registered-models/alias")
            )
            if mode == "drop" and self.server.local.dropped:  # type: ignore[attr-defined]
                failing = False  # only the first write loses its answer
            if failing and mode == "drop":
                upstream_request = urllib.request.Request(
                    upstream + self.path, data=raw, method="POST", headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(upstream_request, timeout=10):
                    pass  # the write lands in MLflow; its answer never reaches the drill
                self.server.local.dropped += 1  # type: ignore[attr-defined]
                self.close_connection = True
                return
            if failing and mode in ("post500", "get500"):
                message = f"INTERNAL_ERROR: database is locked (request had {self.headers.get('Authorization')})"
                self._answer(500, json.dumps({"error_code": "INTERNAL_ERROR", "message": message}).encode())
            elif failing and mode == "hang":
                time.sleep(hang)
                self._answer(504, b"{}")
            else:
                self._forward(method, raw)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return serve(Handler, port)
