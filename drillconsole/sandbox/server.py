"""HTTP routes of the sandbox (stdlib `http.server`, one thread per request).

- `GET /healthz`, `GET /status`: liveness and what is served, faulted, flagged;
- `GET /dependents`: the version each downstream system uses (they follow the served version with a lag);
- `GET /metrics`: Prometheus text exposition;
- `POST /predict {"features": [4 numbers]}`: score with the live version;
- `POST /score {"probes": [[4 numbers], ...], "version"?}`: deterministic scores of a probe set by the
  live version (or the named one: how a drill records the known-safe reference), for fidelity;
- `GET /flags/{flag}?segment=S`, `PUT /flags/{flag} {"value", "segment"}`: the flags contract;
- `POST /fault {"version", "kind"?, "on"?}` (kind also as `?kind=`; default precision+errors),
  `DELETE /fault`: clear every fault.

Only what runs on this machine may drive it: the `Host` header must name a
loopback address with the sandbox's port (421 otherwise, which stops DNS
rebinding), and every request with a body must be `application/json` (415
otherwise), which a web page cannot send cross-origin without a preflight the
sandbox never answers. Bodies need a valid `Content-Length` (411 when missing,
400 when malformed, 413 over 64 KiB) and are never read past it or until close.
"""

from __future__ import annotations

import json
import random
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from drillconsole.limits import JsonLimitError, parse_json
from drillconsole.sandbox.dependents import Dependents
from drillconsole.sandbox.flags import FlagStore
from drillconsole.sandbox.metrics import Metrics
from drillconsole.sandbox.model import DEFAULT_FAULT, FAULT_KINDS, Faults, Outcome


class Sandbox(Protocol):
    """What the HTTP handler serves (`drillconsole.sandbox.service.Sandbox` is it)."""

    version: str | None
    faults: Faults
    flags: FlagStore
    dependents: Dependents
    metrics: Metrics

    def status(self) -> dict[str, object]: ...

    def serve(self, features: list[float], rng: random.Random) -> Outcome: ...

    def score_probes(self, probes: list[list[float]], version: str | None = None) -> tuple[str | None, list[float]]: ...

    def set_flag(self, flag: str, value: bool, segment: str | None) -> bool: ...


MAX_BODY = 64 * 1024
READ_TIMEOUT = 10.0
"""Seconds a client may take to send its request; a stalled one is dropped, not waited for."""
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BadRequest(Exception):
    """The request cannot be served; answered with `status` (400 by default) and the message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def host_problem(host: str | None, port: int, bound: str) -> str | None:
    """Why a `Host` header does not name this sandbox on loopback, or None."""
    if not host:
        return "a Host header is required"
    name, _, given = host.strip().rpartition(":") if not host.strip().endswith("]") else (host.strip(), "", "")
    if not name:  # no port in the header: `localhost`
        name, given = host.strip(), ""
    if name.lower() not in LOOPBACK | {bound}:
        return f"Host {host!r} is not this sandbox on loopback"
    if given and given != str(port):
        return f"Host {host!r} names another port"
    return None


def content_length(headers: Message, method: str) -> int:
    """The declared body length, or BadRequest: 411 missing, 400 malformed, 413 too large."""
    if headers.get("Transfer-Encoding"):
        raise BadRequest("chunked bodies are not accepted: send Content-Length", 411)
    raw = headers.get("Content-Length")
    if raw is None:
        if method in ("POST", "PUT", "PATCH"):
            raise BadRequest("Content-Length required", 411)
        return 0
    if not raw.strip().isdigit():
        raise BadRequest(f"Content-Length {raw!r} is not a non-negative integer")
    length = int(raw)
    if length > MAX_BODY:
        raise BadRequest(f"body of {length} bytes is larger than {MAX_BODY}", 413)
    return length


def make_handler(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one sandbox."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "drillconsole-sandbox"
        protocol_version = "HTTP/1.1"
        timeout = READ_TIMEOUT
        _length: int | None = 0
        """Bytes of the request body not yet read (None: unknown, the request was refused before its length)."""

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the sandbox reports through its metrics

        def _reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            if self._length != 0:
                self.send_header("Connection", "close")  # a body left unread would be taken for the next request
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _json(self) -> dict[str, Any]:
            length = self._length
            raw = self.rfile.read(length) if length else b"{}"
            self._length = 0
            try:
                body = parse_json(raw or b"{}", max_bytes=MAX_BODY, max_depth=16)
            except JsonLimitError as exc:
                raise BadRequest(str(exc)) from None
            except ValueError:
                raise BadRequest("body is not JSON") from None
            if not isinstance(body, dict):
                raise BadRequest("body must be a JSON object")
            return body

        def _admit(self, method: str) -> None:
            """Refuse what is not from this machine or not well-formed, before reading any body."""
            self._length = None
            bound, port = self.server.server_address[:2]
            problem = host_problem(self.headers.get("Host"), port, str(bound))
            if problem:
                raise BadRequest(problem, 421 if self.headers.get("Host") else 400)
            self._length = content_length(self.headers, method)
            if method in WRITES and (self._length or method != "DELETE"):
                kind = self.headers.get_content_type() if self.headers.get("Content-Type") else ""
                if kind != "application/json":
                    raise BadRequest(f"Content-Type must be application/json, not {kind or 'none'}", 415)

        def _dispatch(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            path = parts.path.rstrip("/") or "/"
            try:
                self._admit(method)
                route = _route(method, path)
                if route is None:
                    self._reply(404, {"error": f"no route {method} {path}"})
                    return
                status, body, kind = route(sandbox, self, path, query)
                self._reply(status, body, kind)
            except BadRequest as exc:
                self._reply(exc.status, {"error": str(exc)})

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

    return Handler


Reply = tuple[int, Any, str]
JSON = "application/json"


def _route(method: str, path: str):  # type: ignore[no-untyped-def]
    if path.startswith("/flags/"):
        return {"GET": _get_flag, "PUT": _put_flag}.get(method)
    return {
        ("GET", "/healthz"): lambda s, h, p, q: (200, {"ok": True, "version": s.version}, JSON),
        ("GET", "/status"): lambda s, h, p, q: (200, s.status(), JSON),
        ("GET", "/dependents"): lambda s, h, p, q: (200, {"dependents": s.dependents.snapshot()}, JSON),
        ("GET", "/metrics"): lambda s, h, p, q: (200, s.metrics.exposition(), s.metrics.content_type),
        ("POST", "/predict"): _predict,
        ("POST", "/score"): _score,
        ("POST", "/fault"): _fault,
        ("DELETE", "/fault"): _clear_faults,
    }.get((method, path))


def _predict(sandbox: Sandbox, handler: Any, path: str, query: dict[str, str]) -> Reply:
    features = handler._json().get("features")
    if not isinstance(features, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in features
    ):
        raise BadRequest("`features` must be a list of numbers")
    try:
        outcome = sandbox.serve([float(v) for v in features], random.Random())
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    time.sleep(outcome.latency)  # the simulated service time is real for HTTP callers
    if outcome.status != 200:
        return (
            outcome.status,
            {"error": "model unavailable" if outcome.status == 503 else "scoring failed", "version": sandbox.version},
            JSON,
        )
    return (
        200,
        {"score": round(outcome.score or 0.0, 6), "positive": outcome.positive, "version": sandbox.version},
        JSON,
    )


MAX_PROBES = 2000


def _score(sandbox: Sandbox, handler: Any, path: str, query: dict[str, str]) -> Reply:
    body = handler._json()
    probes, version = body.get("probes"), body.get("version")
    if not isinstance(probes, list) or not 0 < len(probes) <= MAX_PROBES:
        raise BadRequest(f"`probes` must be a list of 1 to {MAX_PROBES} feature lists")
    if version is not None and (not isinstance(version, (str, int)) or isinstance(version, bool)):
        raise BadRequest("`version` must be a version name")
    rows: list[list[float]] = []
    for row in probes:
        if not isinstance(row, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row):
            raise BadRequest("every probe must be a list of numbers")
        rows.append([float(v) for v in row])
    try:
        served, scores = sandbox.score_probes(rows, None if version is None else str(version))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if served is None:
        return 503, {"error": "no version is served (the registry alias is not readable)"}, JSON
    return 200, {"version": served, "scores": scores}, JSON


def _flag_name(path: str) -> str:
    name = unquote(path[len("/flags/") :])
    if not name or "/" in name:
        raise BadRequest("flag name missing")
    return name


def _get_flag(sandbox: Sandbox, handler: Any, path: str, query: dict[str, str]) -> Reply:
    name = _flag_name(path)
    value = sandbox.flags.get(name, query.get("segment") or None)
    if value is None:
        return 404, {"error": f"unknown flag {name}"}, JSON
    return 200, {"flag": name, "segment": query.get("segment"), "value": value}, JSON


def _put_flag(sandbox: Sandbox, handler: Any, path: str, query: dict[str, str]) -> Reply:
    name = _flag_name(path)
    body = handler._json()
    value, segment = body.get("value"), body.get("segment")
    if not isinstance(value, bool):
        raise BadRequest("`value` must be true or false")
    if segment is not None and not isinstance(segment, str):
        raise BadRequest("`segment` must be a string or null")
    if not sandbox.set_flag(name, value, segment):
        return 404, {"error": f"unknown flag {name}"}, JSON
    return 200, {"flag": name, "segment": segment, "value": sandbox.flags.get(name, segment)}, JSON


def _fault(sandbox: Sandbox, handler: Any, path: str, query: dict[str, str]) -> Reply:
    body = handler._json()
    version = body.get("version")
    if not isinstance(version, (str, int)) or isinstance(version, bool) or str(version) == "":
        raise BadRequest("`version` is required")
    kind = body.get("kind", query.get("kind"))
    kinds = DEFAULT_FAULT if kind is None else tuple(str(kind).split(","))
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise BadRequest(f"unknown fault kind {unknown[0]} (choose {', '.join(FAULT_KINDS)})")
    on = body.get("on", True)
    if not isinstance(on, bool):
        raise BadRequest("`on` must be true or false")
    now_on = sandbox.faults.set(str(version), kinds, on)
    return 200, {"version": str(version), "faults": now_on}, JSON


def _clear_faults(sandbox: Sandbox, handler: Any, path: str, query: dict[str, str]) -> Reply:
    sandbox.faults.clear()
    return 200, {"faults": {}}, JSON
