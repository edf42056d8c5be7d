"""Real HTTP servers on 127.0.0.1 for the source and action tests (no mocked transports)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Playbook


@dataclass
class Request:
    """What the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Reply:
    """What a route answers: status, JSON-able body (or raw bytes), and a delay before answering."""

    status: int = 200
    body: Any = None
    delay: float = 0.0


Route = Callable[[Request], Reply]


@dataclass
class LocalServer:
    """A threaded HTTP server whose routes are plain functions; records every request."""

    routes: dict[tuple[str, str], Route]
    requests: list[Request] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> LocalServer:
        local = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                request = Request(
                    method, parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}, dict(self.headers), body
                )
                local.requests.append(request)
                route = local.routes.get((method, parts.path))
                reply = route(request) if route else Reply(404, {"error": "no route"})
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def constant(status: int = 200, body: Any = None, delay: float = 0.0) -> Route:
    return lambda request: Reply(status, body, delay)


def sequence(*replies: Reply) -> Route:
    """Answers the replies in order, then keeps answering the last one."""
    queue = list(replies)

    def route(request: Request) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return route


def playbook(**overrides: Any) -> Playbook:
    """A minimal valid playbook, with targets/steps/signals replaced as given."""
    doc: dict[str, Any] = {
        "drill": {"id": "t", "title": "t", "model": "fraud-scorer", "versions": {"suspect": "42", "known_safe": "41"}},
        "roles": {"commander": {"title": "C", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "signals": [{"id": "s", "title": "s", "source": {"kind": "simulated", "baseline": 1.0}}],
        "steps": [{"id": "m", "title": "m", "phase": "baseline", "owner": "commander", "kind": "manual"}],
    }
    doc.update(overrides)
    return Playbook.model_validate(doc)


def context(pb: Playbook, env: dict[str, str] | None = None, secrets: tuple[str, ...] = ()) -> Any:
    """An ActionContext without an engine (executors then use a short-lived HTTP client)."""
    from drillconsole.actions import ActionContext
    from drillconsole.secrets import Redactor

    redactor = Redactor()
    for value in secrets:
        redactor.add(value)
    return ActionContext(playbook=pb, state=DrillState.initial(pb), redactor=redactor, env=env)
