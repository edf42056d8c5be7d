"""The `prometheus` source: a PromQL instant query each interval, a range query at start for history.

Non-finite values: Prometheus sends them as the strings "NaN", "+Inf" and "-Inf".
NaN (e.g. 0/0 on a ratio with no traffic) is a SourceError, so the panel goes
stale rather than showing a number that is not one. ±Inf is a SourceError too,
never clamped: `histogram_quantile` answers +Inf when the quantile lies above
the largest finite bucket, and a clamped number would claim a precision the
data does not have — clamp in PromQL (`clamp_max(...)`) where a ceiling is
what you mean. Non-finite points of the backfill are skipped.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from drillconsole.clock import utc_now
from drillconsole.playbook.models import PrometheusSource, Signal
from drillconsole.secrets import mask
from drillconsole.signals.base import Reading, SourceError
from drillconsole.signals.http_json import RemoteSource, fetch_json, one_line, resolved

BACKFILL_POINTS = 500
"""At most this many history points per signal (the state keeps 600)."""

_REDUCERS = {
    "sum": sum,
    "avg": lambda values: sum(values) / len(values),
    "min": min,
    "max": max,
}


def sample_value(raw: Any, where: str) -> float:
    """A Prometheus sample value (a string) as a finite float, or SourceError saying NaN/+Inf/-Inf."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise SourceError(f"{where} is not a number: {one_line(str(raw), 40)}") from None
    if math.isnan(value):
        raise SourceError(f"{where} is NaN")
    if math.isinf(value):
        raise SourceError(f"{where} is {'+' if value > 0 else '-'}Inf (clamp it in PromQL if a ceiling is meant)")
    return value


def series_name(labels: dict[str, str]) -> str:
    """`name{a="1",b="2"}` for error messages."""
    name = labels.get("__name__", "")
    rest = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return one_line(f"{name}{{{rest}}}", 80)


def result_of(body: Any) -> tuple[str, Any]:
    """`(resultType, result)` of a successful API answer; SourceError for an error envelope."""
    if not isinstance(body, dict):
        raise SourceError("answer is not a Prometheus API response")
    if body.get("status") != "success":
        kind = body.get("errorType") or "error"
        raise SourceError(f"Prometheus {kind}: {one_line(str(body.get('error', 'no detail')))}")
    data = body.get("data")
    if not isinstance(data, dict) or "resultType" not in data:
        raise SourceError("answer has no data.resultType")
    return data["resultType"], data.get("result")


class PrometheusSignal(RemoteSource):
    """Polls one PromQL expression and folds a multi-series answer per `reduce`."""

    def __init__(self, signal: Signal, context: object | None = None) -> None:
        assert isinstance(signal.source, PrometheusSource)
        super().__init__(signal, context)
        self.source = signal.source

    def _reduce(self, values: list[float], names: list[str]) -> float:
        if not values:
            raise SourceError("empty result")
        if self.source.reduce == "single":
            if len(values) > 1:
                raise SourceError(
                    f"query returned {len(values)} series (e.g. {names[0]}); set `reduce` to sum, avg, min or max"
                )
            return values[0]
        return float(_REDUCERS[self.source.reduce](values))

    async def _get(self, endpoint: str, params: dict[str, str], budget: float) -> tuple[str, Any]:
        base, headers = resolved(self.source.url, self.source.headers)
        url = base.rstrip("/") + endpoint
        # Prometheus stops evaluating after its own timeout too, so a slow query does not pile up server-side.
        params = {**params, "timeout": f"{max(1, round(self.source.timeout * 1000))}ms"}
        body = await fetch_json(
            self.http,
            url,
            mask(self.source.url).rstrip("/") + endpoint,
            headers=headers,
            params=params,
            timeout=self.source.timeout,
            budget=budget,
        )
        return result_of(body)

    async def read(self) -> Reading:
        """The value, measured when its oldest series was last scraped.

        An instant query answers with the evaluation time and the last sample within
        the lookback window (5 minutes), so after an outage it returns pre-outage values
        stamped "now". `timestamp(QUERY)` gives each series' real sample time for a plain
        selector (the evaluation time for a computed expression, whose range window
        already excludes old samples), and the oldest one is the reading's age.
        """
        budget = self.budget()
        answers: list[tuple[str, Any] | BaseException] = await asyncio.gather(
            self._get("/api/v1/query", {"query": self.source.query}, budget),
            self._get("/api/v1/query", {"query": f"timestamp({self.source.query})"}, budget),
            return_exceptions=True,
        )
        value_answer, stamp_answer = answers
        if isinstance(value_answer, BaseException):
            raise value_answer
        kind, result = value_answer
        value = self._value(kind, result)
        measured = _evaluated_at(kind, result)
        if not isinstance(stamp_answer, BaseException) and stamp_answer[0] == "vector":
            stamps = [_series_stamp(series) for series in stamp_answer[1] or []]
            known = [t for t in stamps if t is not None]
            if known:
                measured = min(known)
        return Reading(value, measured)

    def _value(self, kind: str, result: Any) -> float:
        if kind == "scalar":
            return sample_value(_pair(result)[1], "scalar result")
        if kind != "vector":
            raise SourceError(
                f"query returns a {kind}, not an instant vector (drop the range selector or wrap it in a function)"
            )
        if not isinstance(result, list):
            raise SourceError("vector result is not a list")
        values, names = [], []
        for series in result:
            labels = series.get("metric") if isinstance(series, dict) else None
            name = series_name(labels if isinstance(labels, dict) else {})
            values.append(
                sample_value(_pair(series.get("value") if isinstance(series, dict) else None)[1], f"series {name}")
            )
            names.append(name)
        return self._reduce(values, names)

    async def backfill(self) -> list[tuple[float, float]]:
        """History before the drill: `[(t ≤ 0 relative to now, value)]` from a range query."""
        span = self.source.backfill
        if span <= 0:
            return []
        end = utc_now().timestamp()
        step = max(self.signal.interval, span / BACKFILL_POINTS)
        params = {"query": self.source.query, "start": f"{end - span:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        kind, result = await self._get("/api/v1/query_range", params, self.source.timeout)
        if kind != "matrix" or not isinstance(result, list):
            raise SourceError(f"range query returned a {kind}, not a matrix")
        by_time: dict[float, list[float]] = {}
        for series in result:
            points = series.get("values") if isinstance(series, dict) else None
            for point in points if isinstance(points, list) else []:
                ts, raw = _pair(point)
                try:
                    at = float(ts)
                    value = sample_value(raw, "point")
                except (SourceError, TypeError, ValueError):
                    continue  # a NaN/Inf or malformed point leaves a gap in the history, nothing more
                if math.isfinite(at):
                    by_time.setdefault(at, []).append(value)
        if self.source.reduce == "single" and len(result) > 1:
            raise SourceError(f"query returned {len(result)} series; set `reduce` to sum, avg, min or max")
        points = []
        for ts in sorted(by_time):
            values = by_time[ts]
            value = values[0] if self.source.reduce == "single" else float(_REDUCERS[self.source.reduce](values))
            points.append((round(min(ts - end, 0.0), 3), value))
        return points


def _evaluated_at(kind: str, result: Any) -> float:
    """The evaluation time Prometheus stamped on an instant answer (now, by its clock)."""
    pairs = [result] if kind == "scalar" else [s.get("value") for s in result if isinstance(s, dict)]
    for pair in pairs:
        try:
            return float(_pair(pair)[0])
        except (SourceError, TypeError, ValueError):
            continue
    return utc_now().timestamp()


def _series_stamp(series: Any) -> float | None:
    """The sample time a `timestamp(...)` series carries as its value, or None when malformed."""
    try:
        stamp = float(_pair(series.get("value"))[1])
    except (SourceError, AttributeError, TypeError, ValueError):
        return None
    return stamp if math.isfinite(stamp) else None


def _pair(value: Any) -> tuple[Any, Any]:
    """A `[timestamp, "value"]` pair; SourceError if the answer is malformed."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise SourceError("malformed sample in the answer")
    return value[0], value[1]
