"""Reading what dependents report: a model version or a record count, from an `http_json` field or a Prometheus series.

Simulated dependents are not read here: what they report is a pure function of
the fold (`drill/downstream.py`). Every remote answer goes through the bounded
fetch of the signal sources, so limits and secret masking are the same.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from drillconsole.playbook.downstream import HttpJsonVersion, PrometheusVersion
from drillconsole.secrets import mask
from drillconsole.signals.base import SourceError
from drillconsole.signals.http_json import fetch_json, one_line, pick, resolved
from drillconsole.signals.prometheus import result_of

ReadError = SourceError


@asynccontextmanager
async def _client(http: Any) -> AsyncIterator[Any]:
    """The engine's shared client, or a short-lived one when the drill has none (a simulated drill reading a live dependent)."""
    if http is not None:
        yield http
        return
    import httpx

    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False) as client:
        yield client


def _as_version(value: Any, where: str) -> str:
    """A version as text: a string, or a whole number (`41.0` reads as `41`)."""
    if isinstance(value, bool) or value is None:
        raise ReadError(f"{where}: not a version")
    if isinstance(value, str):
        if not value or len(value) > 64:
            raise ReadError(f"{where}: not a version")
        return one_line(value, 64)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:g}" if float(value).is_integer() else str(value)
    raise ReadError(f"{where}: not a version")


async def _series(http: Any, source: PrometheusVersion) -> list[tuple[dict[str, str], str]]:
    base, headers = resolved(source.url, source.headers)
    url = base.rstrip("/") + "/api/v1/query"
    shown = mask(source.url).rstrip("/") + "/api/v1/query"
    body = await fetch_json(
        http, url, shown, headers=headers, params={"query": source.query}, timeout=source.timeout, budget=source.timeout
    )
    kind, result = result_of(body)
    if kind != "vector" or not isinstance(result, list):
        raise ReadError(f"query returns a {kind}, not an instant vector")
    out = []
    for series in result:
        if not isinstance(series, dict) or not isinstance(series.get("value"), list) or len(series["value"]) != 2:
            raise ReadError("malformed series in the answer")
        metric = series.get("metric")
        labels: dict[str, Any] = metric if isinstance(metric, dict) else {}
        out.append(({str(k): str(v) for k, v in labels.items()}, str(series["value"][1])))
    return out


async def _picked(http: Any, source: HttpJsonVersion) -> Any:
    """The value at the source's path in its JSON answer."""
    base, headers = resolved(source.url, source.headers)
    body = await fetch_json(
        http, base, mask(source.url), headers=headers, timeout=source.timeout, budget=source.timeout
    )
    return pick(body, source.path)


async def read_version(http: Any, source: HttpJsonVersion | PrometheusVersion) -> str:
    """The version a live dependent reports; ReadError (one line, no secrets) when it cannot be read."""
    async with _client(http) as client:
        return await _read_version(client, source)


async def _read_version(http: Any, source: HttpJsonVersion | PrometheusVersion) -> str:
    if isinstance(source, HttpJsonVersion):
        return _as_version(await _picked(http, source), source.path)
    series = await _series(http, source)
    if source.label is not None:
        # A `*_info`-style series: the live one has value 1, the version is a label.
        live = [labels.get(source.label) for labels, value in series if value not in ("0", "NaN")]
        if len(live) != 1 or live[0] is None:
            raise ReadError(f"expected one series with label `{source.label}`, got {len(live)}")
        return _as_version(live[0], source.label)
    if len(series) != 1:
        raise ReadError(f"expected one series, got {len(series)}")
    try:
        return _as_version(float(series[0][1]), "value")
    except ValueError:
        raise ReadError("series value is not a number") from None


async def read_count(http: Any, source: HttpJsonVersion | PrometheusVersion) -> int:
    """A record count (summed over series); ReadError when it cannot be read or is not a finite, non-negative number."""
    async with _client(http) as client:
        return await _read_count(client, source)


async def _read_count(http: Any, source: HttpJsonVersion | PrometheusVersion) -> int:
    if isinstance(source, HttpJsonVersion):
        raw: Any = await _picked(http, source)
        values = [raw]
    else:
        values = [value for _, value in await _series(http, source)]
    total = 0.0
    for value in values:
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise ReadError(f"count {one_line(str(value), 40)} is not a non-negative number")
        total += number
    return round(total)
