"""Loading session logs into polars frames: lifecycle events decoded at once, samples only when charts need them.

A schema-2 line starts with its `seq` and `type` (a schema-1 line, keys sorted,
ends with its `type`), so a `signal.sample` line is recognised by its first (or
last) bytes without decoding it: the filter runs in the scan, and only the few
lifecycle lines (and non-canonical lines) are parsed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from drillconsole.log.contract import EventType
from drillconsole.log.lines import SAMPLE_PREFIX, SAMPLE_SUFFIX
from drillconsole.log.lines import decode as decode_line

HEADER_LIMIT = 1 << 20

_RESULT = pl.Struct({"alias": pl.String, "flag": pl.String})
DATA = pl.Struct(
    {
        "step": pl.String,
        "attempt": pl.Int64,
        "duration": pl.Float64,
        "error": pl.String,
        "result": _RESULT,
        "trigger": pl.String,
        "signal": pl.String,
        "value": pl.Float64,
        "proposes": pl.String,
        "option": pl.String,
        "rationale": pl.String,
        "expected": pl.Boolean,
        "proposed": pl.String,
        "role": pl.String,
        "item": pl.String,
        "due_t": pl.Float64,
        "late": pl.Boolean,
        "approver": pl.String,
        "reason": pl.String,
        "injection": pl.String,
        "kind": pl.String,
        "transient": pl.Boolean,
        "phase": pl.String,
        "state": pl.String,
        "outcome": pl.String,
        "match_rate": pl.Float64,
        "max_deviation": pl.Float64,
        "passed": pl.Boolean,
        "version": pl.String,
        "escalation": pl.String,
        "subject": pl.String,
        "late_s": pl.Float64,
        "message": pl.String,
        "text": pl.String,
        "owner": pl.String,
        "due": pl.String,
        "channel": pl.String,
        "expires_t": pl.Float64,
    }
)
EVENT = pl.Struct(
    {"seq": pl.Int64, "t": pl.Float64, "ts": pl.String, "type": pl.String, "actor": pl.String, "data": DATA}
)


class NotASessionLog(Exception):
    """The file does not start with a `session.started` event."""


def read_header(path: Path) -> dict[str, Any]:
    """The `session.started` event on the first line; raises OSError or NotASessionLog."""
    with open(path, "rb") as f:
        line = f.readline(HEADER_LIMIT)
        while line and not line.strip():
            line = f.readline(HEADER_LIMIT)
    try:
        event = decode_line(line)
    except (ValueError, RecursionError):
        raise NotASessionLog(str(path)) from None
    if (
        not isinstance(event, dict)
        or event.get("type") != EventType.SESSION_STARTED
        or not isinstance(event.get("data"), dict)
    ):
        raise NotASessionLog(str(path))
    return event


def last_t(path: Path) -> float | None:
    """Drill time of the last readable event, from the file's tail (a truncated last line is passed over)."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - 65536))
        tail = f.read()
    return last_t_in(tail.splitlines()[1 if size > 65536 else 0 :])


def last_t_in(lines: Sequence[str | bytes]) -> float | None:
    """Drill time of the last readable event among a log's lines (truncated or blank lines are passed over)."""
    for raw in reversed(lines):
        if not raw.strip():
            continue
        try:
            t = decode_line(raw).get("t")
        except (ValueError, AttributeError, RecursionError):
            continue
        if isinstance(t, (int, float)) and not isinstance(t, bool):
            return float(t)
    return None


def _lines(paths: list[Path], keep: pl.Expr) -> pl.DataFrame:
    """Lines of the files matching `keep`, with `log` (the path) and `row` (order within the file)."""
    names = [str(p) for p in paths]
    try:
        lf = pl.scan_lines(names, row_index_name="row", include_file_paths="log", glob=False)
        lines = lf.filter(keep).collect()
        return lines.filter(pl.col("line").str.strip_chars() != "")
    except (pl.exceptions.ComputeError, AttributeError):  # not UTF-8 (or a polars without scan_lines): file by file
        frames = []
        for name in names:
            text = Path(name).read_bytes().decode("utf-8", errors="replace")
            lines = pl.DataFrame({"line": text.split("\n")}).with_row_index("row")
            frames.append(lines.with_columns(log=pl.lit(name)).filter(keep & (pl.col("line").str.strip_chars() != "")))
        return pl.concat(frames).select("row", "line", "log")


def _coerce(value: Any, dtype: pl.DataType) -> Any:
    """`value` if it fits `dtype` (structs field by field), else None."""
    if isinstance(dtype, pl.Struct):
        if not isinstance(value, dict):
            return None
        return {f.name: _coerce(value.get(f.name), f.dtype) for f in dtype.fields}
    if isinstance(dtype, pl.List):
        return [_coerce(v, dtype.inner) for v in value] if isinstance(value, list) else None
    if isinstance(value, bool):
        return value if dtype == pl.Boolean else None
    if dtype == pl.String:
        return value if isinstance(value, str) else None
    if dtype == pl.Int64:
        return value if isinstance(value, int) else None
    if dtype == pl.Float64:
        return float(value) if isinstance(value, (int, float)) and abs(value) < float("inf") else None
    return None


def decode(lines: pl.DataFrame, dtype: pl.Struct) -> pl.DataFrame:
    """Columns `log`, `row`, `e` (the line decoded as `dtype`); lines that are not JSON objects are dropped."""
    try:
        return lines.select("log", "row", pl.col("line").str.json_decode(dtype).alias("e"))
    except pl.exceptions.PolarsError:  # a malformed or oddly typed line: decode line by line
        rows = []
        for log, row, line in lines.select("log", "row", "line").iter_rows():
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(obj, dict):
                rows.append({"log": log, "row": row, "e": _coerce(obj, dtype)})
        schema = {"log": pl.String, "row": lines.schema["row"], "e": dtype}
        return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def lifecycle_lines(paths: list[Path]) -> pl.DataFrame:
    """The lines of the logs that are not canonical samples (`log`, `row`, `line`)."""
    line = pl.col("line")
    return _lines(paths, ~(line.str.contains(SAMPLE_PREFIX) | line.str.ends_with(SAMPLE_SUFFIX)))


def load_events(paths: list[Path], lines: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every event but canonical samples, one row each, flat columns, ordered by `log` and `row`.

    `lines`: the logs' `lifecycle_lines`, when the caller has them already (a big log is scanned once).
    """
    lines = lifecycle_lines(paths) if lines is None else lines
    return (
        decode(lines, EVENT)
        .unnest("e")
        .unnest("data")
        .with_columns(
            result_alias=pl.col("result").struct.field("alias"),
            result_flag=pl.col("result").struct.field("flag"),
        )
        .drop("result")
        .filter(pl.col("type").is_not_null() & pl.col("t").is_not_null() & (pl.col("type") != EventType.SIGNAL_SAMPLE))
        .sort("log", "row", maintain_order=True)
    )


@dataclass(frozen=True)
class Loaded:
    """One log, ready for the metrics: its header event, its lifecycle events, and when it last said anything."""

    path: Path
    header: dict[str, Any]
    events: pl.DataFrame
    end_t: float | None
    lines: list[str]
    """The raw lines of those lifecycle events, in order (for the drill model's fold)."""


def load_log(path: Path, header: dict[str, Any] | None = None) -> Loaded:
    """Load one log (its header may be read already); raises OSError (unreadable) or NotASessionLog."""
    header = header if header is not None else read_header(path)
    lines = lifecycle_lines([path])
    events = load_events([path], lines)
    ends = [t for t in (last_t(path), events["t"].max() if events.height else None) if t is not None]
    raw = lines.sort("row").get_column("line").to_list()
    return Loaded(path, header, events, max(ends) if ends else None, raw)  # type: ignore[type-var]
