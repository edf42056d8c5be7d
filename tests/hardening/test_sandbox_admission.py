"""The real sandbox on 127.0.0.1, spoken to over raw sockets: malformed requests are refused before any body is read."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from drillconsole.sandbox.service import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(fixed_version="42", probe_rate=1.0).start()
    yield box
    box.stop()


def exchange(box: Sandbox, head: str, body: bytes = b"", *, wait_close: bool = True) -> tuple[int, dict, bool]:
    """Send raw bytes; return the status, the JSON answer and whether the server then closed the connection.

    The socket is never shut down for writing, so a server that read "until close" would hang
    until the timeout fails the test instead of answering.
    """
    with socket.create_connection(("127.0.0.1", box.port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        header, _, rest = data.partition(b"\r\n\r\n")
        lines = header.decode().split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(fields.get("content-length", "0"))
        while len(rest) < length:
            rest += sock.recv(65536)
        closed = False
        if wait_close:
            sock.settimeout(5)
            try:
                closed = sock.recv(1) == b""
            except TimeoutError:
                closed = False
        return status, json.loads(rest[:length] or b"{}"), closed


def request(method: str, path: str, host: str, *headers: str) -> str:
    return "\n".join([f"{method} {path} HTTP/1.1", f"Host: {host}", *headers, ""])


def test_content_length_must_be_present_numeric_and_small(sandbox: Sandbox) -> None:
    host = f"127.0.0.1:{sandbox.port}"
    json_type = "Content-Type: application/json"
    cases = [
        (request("POST", "/fault", host, json_type, "Content-Length: -5"), 400, "is not a non-negative integer"),
        (request("POST", "/fault", host, json_type, "Content-Length: ten"), 400, "is not a non-negative integer"),
        (request("POST", "/fault", host, json_type), 411, "Content-Length required"),
        (request("POST", "/fault", host, json_type, "Transfer-Encoding: chunked"), 411, "chunked bodies"),
        (request("POST", "/fault", host, json_type, "Content-Length: 999999999"), 413, "larger than 65536"),
    ]
    for head, status, message in cases:
        got, body, closed = exchange(sandbox, head, b'{"version": "42"}')
        assert (got, message in body["error"], closed) == (status, True, True), (head, body)
    assert httpx.get(sandbox.url + "/status").json()["faults"] == {}


def test_writes_must_be_json(sandbox: Sandbox) -> None:
    host = f"127.0.0.1:{sandbox.port}"
    body = b'{"version": "42"}'
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        head = request(
            "POST", "/fault", host, f"Content-Length: {len(body)}", *([f"Content-Type: {kind}"] if kind else [])
        )
        status, answer, _ = exchange(sandbox, head, body)
        assert status == 415 and "must be application/json" in answer["error"]
    assert httpx.get(sandbox.url + "/status").json()["faults"] == {}  # no page could inject a fault
    ok = request(
        "POST", "/fault", host, f"Content-Length: {len(body)}", "Content-Type: application/json; charset=utf-8"
    )
    status, answer, _ = exchange(sandbox, ok, body, wait_close=False)
    assert status == 200 and answer["version"] == "42"


def test_host_must_be_this_sandbox_on_loopback(sandbox: Sandbox) -> None:
    for host in ("evil.example", f"evil.example:{sandbox.port}", "127.0.0.1:1", f"10.0.0.1:{sandbox.port}"):
        status, answer, _ = exchange(sandbox, request("GET", "/status", host))
        assert status == 421, host
        assert "Host" in answer["error"]
    status, _, _ = exchange(sandbox, "GET /status HTTP/1.0\n", wait_close=False)
    assert status == 400
    for host in (f"127.0.0.1:{sandbox.port}", f"localhost:{sandbox.port}", "localhost"):
        status, answer, _ = exchange(sandbox, request("GET", "/status", host), wait_close=False)
        assert status == 200 and answer["version"] == "42"


def test_deep_json_body_is_a_400_not_a_crashed_thread(sandbox: Sandbox) -> None:
    body = b"[" * 30_000 + b"]" * 30_000
    head = request(
        "PUT",
        "/flags/new-scoring-path",
        f"127.0.0.1:{sandbox.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    )
    status, answer, _ = exchange(sandbox, head, body, wait_close=False)
    assert status == 400 and "nested deeper than 16 levels" in answer["error"]


def test_drill_clients_still_get_through(sandbox: Sandbox) -> None:
    put = httpx.put(sandbox.url + "/flags/new-scoring-path", json={"value": False, "segment": None})
    assert put.status_code == 200 and put.json()["value"] is False
    assert httpx.post(sandbox.url + "/fault", json={"version": "42", "kind": "errors"}).status_code == 200
    assert httpx.delete(sandbox.url + "/fault").status_code == 200  # no body: no content type needed
    assert httpx.get(sandbox.url + "/metrics").status_code == 200
