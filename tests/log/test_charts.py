"""HTML charts decimated to pixel width: a one-sample spike and a band crossing survive any drill length."""

from __future__ import annotations

import re

import numpy as np

from drillconsole.report.decimate import envelope
from drillconsole.report.svg import FULL, SMALL, full_chart, matters, small_chart

SIGNAL = {"id": "lat", "title": "Latency", "unit": "ms", "bands": {"warn": {"above": 150.0}}}


def _points(svg: str) -> list[tuple[float, float]]:
    raw = re.search(r'<polyline[^>]*points="([^"]*)"', svg)
    assert raw is not None
    return [(float(a), float(b)) for a, b in (p.split(",") for p in raw.group(1).split())]


def test_a_one_sample_spike_survives_decimation() -> None:
    t = np.arange(200_000, dtype=np.float64) * 0.1  # 200,000 samples onto 600 pixel columns
    v = np.full(t.size, 100.0)
    v[123_457] = 400.0  # one sample, 0.1 s wide
    env = envelope(t, v, float(t[-1]), 600)
    assert env.x.size == 600 and env.hi.max() == 400.0 and (env.hi == 400.0).sum() == 1 and env.lo.min() == 100.0
    svg = full_chart(t, v, SIGNAL, [], float(t[-1]))
    points = _points(svg)
    assert len(points) == 1200  # two per column, never more
    top = min(y for _, y in points)
    spike_x = FULL["left"] + 0.5 + int(t[123_457] / t[-1] * 600)
    assert [x for x, y in points if y == top] == [spike_x]  # drawn at its column, at its height
    assert matters(v, SIGNAL, [])  # it crossed the warn band, so it gets a full chart


def test_a_band_crossing_stays_a_crossing_and_quiet_signals_go_small() -> None:
    t = np.arange(50_000, dtype=np.float64)
    v = 100.0 + np.sin(t / 500.0) * 10.0
    assert not matters(v, SIGNAL, [])
    assert matters(v, SIGNAL, [{"t": 5.0, "kind": "trigger", "label": "t", "signal": "lat"}])
    v[40_000:40_003] = 151.0  # three seconds over the band in a 14-hour drill
    assert matters(v, SIGNAL, [])
    svg = small_chart(t, v, SIGNAL, float(t[-1]))
    band = re.search(r'<rect x="\d+" y="([\d.]+)" width="\d+" height="([\d.]+)"', svg)
    assert band is not None
    band_bottom = float(band.group(1)) + float(band.group(2))
    points = _points(svg)
    assert len(points) <= 2 * (SMALL["w"] - SMALL["left"] - SMALL["right"])
    assert min(y for _, y in points) < band_bottom  # the line enters the band's area


def test_charts_are_deterministic_and_skip_gaps() -> None:
    t = np.arange(1000, dtype=np.float64)
    v = np.where(t % 7 == 0, np.nan, t)
    assert full_chart(t, v, SIGNAL, [], 1000.0) == full_chart(t.copy(), v.copy(), SIGNAL, [], 1000.0)
    empty = small_chart(np.empty(0), np.empty(0), SIGNAL, 10.0)
    assert "no samples" in empty and "<polyline" not in empty
