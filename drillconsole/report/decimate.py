"""Signal samples as columns, decimated to a chart's pixel width: min and max per pixel column, so nothing hides.

A chart w pixels wide can show at most w columns. Keeping each column's
minimum and maximum (not its mean) means a one-sample spike still reaches its
height and a band crossing still crosses, whatever the drill's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from drillconsole.log.contract import EventType
from drillconsole.log.lines import decode as decode_line
from drillconsole.report.load import _lines, decode


@dataclass(frozen=True)
class Series:
    """Sample times (drill seconds, ascending) and one value array per signal (NaN where not sampled)."""

    t: np.ndarray
    values: dict[str, np.ndarray]


@dataclass(frozen=True)
class Envelope:
    """A signal decimated to pixel columns: per column its x (0..width-1), min and max; empty columns are left out."""

    x: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def load_series(path: Path, signals: list[str]) -> Series:
    """Every live sample of these signals (not the backfilled history), one column per signal."""
    empty = Series(np.empty(0), {s: np.empty(0) for s in signals})
    if not signals:
        return empty
    dtype = pl.Struct(
        {"t": pl.Float64, "type": pl.String, "data": pl.Struct({"values": pl.Struct({s: pl.Float64 for s in signals})})}
    )
    lines = _lines([path], pl.col("line").str.contains('"signal.sample"', literal=True))
    frame = (
        decode(lines, dtype).unnest("e").filter((pl.col("type") == EventType.SIGNAL_SAMPLE) & pl.col("t").is_not_null())
    )
    if frame.is_empty():
        return empty
    wide = frame.select("row", "t", pl.col("data").struct.field("values")).unnest("values").sort("t", "row")
    t = wide["t"].to_numpy()
    return Series(t, {s: wide[s].to_numpy().astype(np.float64, copy=False) for s in signals})


def load_history(path: Path, signals: list[str]) -> dict[str, np.ndarray]:
    """Each signal's backfilled history from before T+0, as an (n, 2) array of (t, value), oldest first.

    History sits on a few `signal.sample` lines only, so those lines alone are decoded, one by one.
    """
    wanted = set(signals)
    points: dict[str, list[tuple[float, float]]] = {}
    lines = _lines([path], pl.col("line").str.contains('"history":', literal=True))
    for line in lines.sort("row")["line"]:
        try:
            event = decode_line(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(event, dict) or event.get("type") != EventType.SIGNAL_SAMPLE:
            continue
        data = event.get("data")
        if not isinstance(data, dict):
            continue
        history = data.get("history")
        for sid, pairs in history.items() if isinstance(history, dict) else ():
            if sid in wanted and isinstance(pairs, list):
                points.setdefault(sid, []).extend(
                    (float(p[0]), float(p[1])) for p in pairs if isinstance(p, list) and len(p) == 2 and _numbers(p)
                )
    return {
        sid: np.array(sorted(pts, key=lambda p: p[0]), dtype=np.float64).reshape(-1, 2) for sid, pts in points.items()
    }


def _numbers(pair: list[object]) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in pair)


def _columns(t: np.ndarray, v: np.ndarray, end_t: float, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The drill's own samples of `v` (from T+0, not NaN), their times, and the slice of [0, end_t] each falls in."""
    keep = ~np.isnan(v) & (t >= 0)
    t, v = t[keep], v[keep]
    span = max(end_t, float(t[-1]) if t.size else 0.0, 1e-9)
    return t, v, np.minimum((t / span * width).astype(np.int64), width - 1)


def means(t: np.ndarray, v: np.ndarray, end_t: float, width: int) -> list[float | None]:
    """Mean of `v` in each of `width` equal slices of [0, end_t] (None where no sample fell).

    Values backfilled from before T+0 are left out: drawn in the first slice they would pass for the drill's start.
    """
    _, v, cols = _columns(t, v, end_t, width)
    counts = np.bincount(cols, minlength=width)
    sums = np.bincount(cols, weights=v, minlength=width)
    return [float(sums[i] / n) if n else None for i, n in enumerate(counts.tolist())]


def envelope(t: np.ndarray, v: np.ndarray, end_t: float, width: int) -> Envelope:
    """Min and max of `v` in each of `width` equal slices of [0, end_t] (samples outside are left out)."""
    t, v, cols = _columns(t, v, end_t, width)
    if t.size == 0:
        return Envelope(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])  # t is sorted, so each column is one run
    return Envelope(cols[starts], np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts))
