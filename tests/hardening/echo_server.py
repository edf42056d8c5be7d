"""What the hardening tests share: a real HTTP server on 127.0.0.1, a minimal playbook, an action context.

The server: echoes requests, or answers what no client should swallow."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from drillconsole.actions.base import ActionContext
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Playbook
from drillconsole.secrets import Redactor

DEEP = 100_000
"""Nesting of the deep JSON answer."""
HUGE = 50 * 1024 * 1024
"""Bytes the huge answer would send if a client read it all."""


@dataclass
class EchoServer:
    """Routes by a word in the path: `deep`, `huge`, `declared`, else an echo of the request (as JSON, `/` → `\\/`)."""

    received: list[dict[str, Any]] = field(default_factory=list)
    huge_sent: list[int] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> EchoServer:
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, data: bytes, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data) if length is None else length))
                self.end_headers()
                self.wfile.write(data)

            def _huge(self) -> None:
                # No Content-Length: the body runs until the connection closes, so only streaming can stop it.
                self.protocol_version = "HTTP/1.0"
                self.close_connection = True
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                sent, chunk = 0, b"[" + b"1," * 32_767 + b"1]"
                try:
                    while sent < HUGE:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                echo.huge_sent.append(sent)

            def _handle(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "huge" in self.path:
                    self._huge()
                elif "declared" in self.path:
                    self._send(200, b"", length=HUGE)  # claims 50 MiB, sends nothing
                elif "deep" in self.path:
                    self._send(200, b"[" * DEEP + b"]" * DEEP)
                else:
                    got = {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": raw.decode("utf-8", errors="replace"),
                    }
                    echo.received.append(got)
                    # Servers may escape `/` as `\/` (PHP does): the redactor must still find the secret.
                    self._send(200, json.dumps({"echo": got}).replace("/", "\\/").encode())

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def playbook(**overrides: Any) -> Playbook:
    """A minimal valid playbook, with sections replaced as given."""
    doc: dict[str, Any] = {
        "drill": {"id": "t", "title": "t", "model": "fraud-scorer", "versions": {"suspect": "42", "known_safe": "41"}},
        "roles": {"commander": {"title": "C", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "signals": [{"id": "s", "title": "s", "source": {"kind": "simulated", "baseline": 1.0}}],
        "steps": [{"id": "m", "title": "m", "phase": "baseline", "owner": "commander", "kind": "manual"}],
    }
    doc.update(overrides)
    return Playbook.model_validate(doc)


def context(pb: Playbook, env: dict[str, str] | None = None, secrets: tuple[str, ...] = ()) -> ActionContext:
    """An ActionContext without an engine (executors then use a short-lived HTTP client)."""
    redactor = Redactor()
    for value in secrets:
        redactor.add(value)
    return ActionContext(playbook=pb, state=DrillState.initial(pb), redactor=redactor, env=env)
