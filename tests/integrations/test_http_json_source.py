"""The http_json source against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from local_servers import LocalServer, Reply, constant, sequence

from drillconsole.playbook.models import Signal
from drillconsole.signals import SourceError
from drillconsole.signals.http_json import HttpJsonSignal

DOC = {
    "metrics": {"precision": 0.93, "label": "good", "ok": True, "none": None},
    "items": [{"value": 1.5}, {"value": 2.5}],
    "count": 7,
}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer({("GET", "/m"): constant(200, DOC)}).start()
    yield local
    local.close()


def source(
    url: str, path: str, *, interval: float = 1.0, timeout: float = 1.0, headers: dict[str, str] | None = None
) -> HttpJsonSignal:
    signal = Signal.model_validate(
        {
            "id": "x",
            "title": "x",
            "interval": interval,
            "source": {"kind": "http_json", "url": url, "path": path, "timeout": timeout, "headers": headers or {}},
        }
    )
    return HttpJsonSignal(signal)


@pytest.mark.parametrize(
    ("path", "value"), [("metrics.precision", 0.93), ("items.1.value", 2.5), ("items.-1.value", 2.5), ("count", 7.0)]
)
async def test_dotted_paths_with_list_indices(server: LocalServer, path: str, value: float) -> None:
    src = source(server.url + "/m", path)
    try:
        assert await src.poll() == value
    finally:
        await src.close()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("metrics.label", "`metrics.label` is a string, not a number"),
        ("metrics.ok", "`metrics.ok` is a boolean, not a number"),
        ("metrics.none", "`metrics.none` is null, not a number"),
        ("metrics.recall", "no `metrics.recall` in the answer"),
        ("items.5.value", "`items.5`: index out of range (list of 2)"),
        ("items.first", "`items` is a list; `first` is not an index"),
        ("count.value", "`count` is int, not an object or list"),
    ],
)
async def test_unusable_values_are_one_line_source_errors(server: LocalServer, path: str, message: str) -> None:
    src = source(server.url + "/m", path)
    with pytest.raises(SourceError) as info:
        await src.poll()
    await src.close()
    assert str(info.value) == message


async def test_nan_and_infinity_tokens_are_refused() -> None:
    local = LocalServer(
        {("GET", "/nan"): constant(200, b'{"v": NaN}'), ("GET", "/inf"): constant(200, b'{"v": -Infinity}')}
    ).start()
    try:
        with pytest.raises(SourceError, match="`v` is NaN"):
            await source(local.url + "/nan", "v").poll()
        with pytest.raises(SourceError, match=r"`v` is -Inf"):
            await source(local.url + "/inf", "v").poll()
    finally:
        local.close()


async def test_headers_resolve_env_at_poll_time_and_errors_never_show_the_secret(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = source(
        server.url + "/m?key=${env:PROBE_KEY}",
        "metrics.precision",
        headers={"Authorization": "Bearer ${env:PROBE_TOKEN}"},
    )
    with pytest.raises(SourceError, match="environment variable PROBE_KEY is not set"):
        await src.poll()
    monkeypatch.setenv("PROBE_KEY", "k-123456")
    monkeypatch.setenv("PROBE_TOKEN", "t-secret-987")
    assert await src.poll() == 0.93
    assert server.requests[-1].headers["Authorization"] == "Bearer t-secret-987"
    assert server.requests[-1].query["key"] == "k-123456"
    server.routes[("GET", "/m")] = constant(503, {"error": "overloaded"})
    with pytest.raises(SourceError) as info:
        await src.poll()
    await src.close()
    assert "k-123456" not in str(info.value) and "t-secret-987" not in str(info.value)
    assert str(info.value).startswith("GET ") and "?key=***" in str(info.value)


async def test_retries_inside_one_poll_recover_from_transient_5xx(server: LocalServer) -> None:
    server.routes[("GET", "/m")] = sequence(Reply(503, {}), Reply(502, {}), Reply(200, DOC))
    src = source(server.url + "/m", "count", interval=2.0)
    try:
        assert await src.poll() == 7.0
    finally:
        await src.close()
    assert len(server.requests) == 3


async def test_retries_stay_inside_the_interval(server: LocalServer) -> None:
    server.routes[("GET", "/m")] = constant(503, {"error": "down"})
    src = source(server.url + "/m", "count", interval=0.5)
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        await src.poll()
    elapsed = time.monotonic() - started
    await src.close()
    assert elapsed < 0.5, f"one poll took {elapsed:.2f}s with a 0.5s interval"
    assert str(info.value).startswith("GET ") and "HTTP 503" in str(info.value)
    assert 1 <= len(server.requests) <= 3


async def test_timeout_is_explicit_per_request(server: LocalServer) -> None:
    server.routes[("GET", "/m")] = constant(200, DOC, delay=1.0)
    src = source(server.url + "/m", "count", interval=0.3, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"timed out after 0\.2s"):
        await src.poll()
    await src.close()
    assert time.monotonic() - started < 0.9


async def test_connection_refused_and_not_json() -> None:
    local = LocalServer({("GET", "/text"): constant(200, b"<html>hi</html>")}).start()
    url = local.url
    try:
        with pytest.raises(SourceError, match="answer is not JSON"):
            await source(url + "/text", "a").poll()
    finally:
        local.close()
    with pytest.raises(SourceError, match="connection refused"):
        await source(url + "/text", "a", interval=0.2).poll()
