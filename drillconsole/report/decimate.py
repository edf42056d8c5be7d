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


def envelope(t: np.ndarray, v: np.ndarray, end_t: float, width: int) -> Envelope:
    """Min and max of `v` in each of `width` equal slices of [0, end_t] (samples outside are left out)."""
    keep = ~np.isnan(v) & (t >= 0)
    t, v = t[keep], v[keep]
    if t.size == 0:
        return Envelope(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
    span = max(end_t, float(t[-1]), 1e-9)
    cols = np.minimum((t / span * width).astype(np.int64), width - 1)
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])  # t is sorted, so each column is one run
    return Envelope(cols[starts], np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts))
