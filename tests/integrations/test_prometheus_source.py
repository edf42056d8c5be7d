"""The prometheus source against a local server speaking the Prometheus HTTP API."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from local_servers import LocalServer, Reply, Request, constant

from drillconsole.playbook.models import Signal
from drillconsole.signals import SourceError
from drillconsole.signals.prometheus import PrometheusSignal


def vector(*values: str, name: str = "m") -> dict[str, Any]:
    result = [{"metric": {"__name__": name, "pod": f"p{i}"}, "value": [time.time(), v]} for i, v in enumerate(values)]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


@pytest.fixture
def prom() -> Iterator[LocalServer]:
    local = LocalServer({}).start()
    yield local
    local.close()


def source(url: str, reduce: str = "single", backfill: float = 60.0) -> PrometheusSignal:
    signal = Signal.model_validate(
        {
            "id": "x",
            "title": "x",
            "interval": 2.0,
            "source": {
                "kind": "prometheus",
                "url": url + "/",
                "query": 'sum(rate(x{a="b"}[10s]))',
                "reduce": reduce,
                "backfill": backfill,
                "timeout": 1.5,
            },
        }
    )
    return PrometheusSignal(signal)


async def poll(server: LocalServer, body: Any, reduce: str = "single", status: int = 200) -> float:
    server.routes[("GET", "/api/v1/query")] = constant(status, body)
    src = source(server.url, reduce)
    try:
        return await src.poll()
    finally:
        await src.close()


async def test_instant_query_sends_the_query_and_a_server_side_timeout(prom: LocalServer) -> None:
    assert await poll(prom, vector("0.93")) == 0.93
    queries = sorted(r.query["query"] for r in prom.requests if r.path == "/api/v1/query")
    # The value, and when its series were measured (the reading's age).
    assert queries == ['sum(rate(x{a="b"}[10s]))', 'timestamp(sum(rate(x{a="b"}[10s])))']
    assert all(r.query["timeout"] == "1500ms" for r in prom.requests)


async def test_scalar_results(prom: LocalServer) -> None:
    body = {"status": "success", "data": {"resultType": "scalar", "result": [time.time(), "4"]}}
    assert await poll(prom, body) == 4.0


async def test_empty_result(prom: LocalServer) -> None:
    with pytest.raises(SourceError, match="^empty result$"):
        await poll(prom, vector())


@pytest.mark.parametrize(("reduce", "value"), [("sum", 6.0), ("avg", 2.0), ("min", 1.0), ("max", 3.0)])
async def test_multi_series_reduce(prom: LocalServer, reduce: str, value: float) -> None:
    assert await poll(prom, vector("1", "2", "3"), reduce) == value


async def test_multi_series_with_single_names_the_count(prom: LocalServer) -> None:
    with pytest.raises(SourceError) as info:
        await poll(prom, vector("1", "2", "3"))
    assert str(info.value).startswith('query returned 3 series (e.g. m{pod="p0"}); set `reduce`')


@pytest.mark.parametrize(("raw", "message"), [("NaN", "is NaN"), ("+Inf", "is +Inf"), ("-Inf", "is -Inf")])
async def test_non_finite_values_are_errors_not_clamped(prom: LocalServer, raw: str, message: str) -> None:
    with pytest.raises(SourceError, match=re.escape(message)):
        await poll(prom, vector(raw))
    with pytest.raises(SourceError, match=re.escape(message)):
        await poll(prom, vector("1", raw), "sum")


async def test_error_envelope_and_range_vectors(prom: LocalServer) -> None:
    bad = {"status": "error", "errorType": "bad_data", "error": "1:5: parse error: unexpected\nend of input"}
    with pytest.raises(SourceError) as info:
        await poll(prom, bad, status=400)
    assert str(info.value).endswith("HTTP 400: 1:5: parse error: unexpected end of input")
    matrix = {"status": "success", "data": {"resultType": "matrix", "result": []}}
    with pytest.raises(SourceError, match="not an instant vector"):
        await poll(prom, matrix)


async def test_backfill_returns_history_relative_to_now(prom: LocalServer) -> None:
    now = time.time()

    def series(request: Request) -> Reply:
        start, end, step = float(request.query["start"]), float(request.query["end"]), float(request.query["step"])
        stamps = [start + i * step for i in range(int((end - start) / step) + 1)]
        values = [[ts, "NaN" if i == 3 else f"{i}"] for i, ts in enumerate(stamps)]
        other = [[ts, "10"] for ts in stamps]
        result = [{"metric": {"pod": "a"}, "values": values}, {"metric": {"pod": "b"}, "values": other}]
        return Reply(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})

    prom.routes[("GET", "/api/v1/query_range")] = series
    src = source(prom.url, "min", backfill=60)
    points = await src.backfill()
    await src.close()
    request = prom.requests[-1]
    assert abs(float(request.query["end"]) - now) < 5 and float(request.query["end"]) - float(
        request.query["start"]
    ) == pytest.approx(60)
    assert float(request.query["step"]) == 2.0
    assert len(points) == 31
    assert all(t <= 0 for t, _ in points) and points[0][0] == pytest.approx(-60, abs=0.01)
    # min across series; at the NaN point of series a only series b counts
    assert [v for _, v in points] == [10.0 if i == 3 else float(min(i, 10)) for i in range(31)]


async def test_backfill_single_with_many_series_is_refused(prom: LocalServer) -> None:
    result = [{"metric": {"pod": p}, "values": [[time.time(), "1"]]} for p in "ab"]
    prom.routes[("GET", "/api/v1/query_range")] = constant(
        200, {"status": "success", "data": {"resultType": "matrix", "result": result}}
    )
    src = source(prom.url)
    with pytest.raises(SourceError, match="query returned 2 series"):
        await src.backfill()
    await src.close()


async def test_a_reading_is_as_old_as_its_oldest_series_sample(prom: LocalServer) -> None:
    """After an outage an instant query stamps old samples "now"; `timestamp()` tells their real age."""
    scraped = time.time() - 40.0

    def answer(request: Request) -> Reply:
        now = time.time()
        if request.query["query"].startswith("timestamp("):
            result = [{"metric": {}, "value": [now, str(scraped)]}, {"metric": {}, "value": [now, str(now)]}]
        else:
            result = [{"metric": {}, "value": [now, "0.5"]}]
        return Reply(200, {"status": "success", "data": {"resultType": "vector", "result": result}})

    prom.routes[("GET", "/api/v1/query")] = answer
    src = source(prom.url)
    try:
        reading = await src.read()
    finally:
        await src.close()
    assert reading.value == 0.5 and abs(reading.measured - scraped) < 1e-3
