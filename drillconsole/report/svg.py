"""Signal charts drawn straight as SVG: a full chart for signals that matter, a small multiple for the rest.

Deterministic (fixed geometry, fixed number formats) and light: one polyline
of at most two points per pixel column, whatever the drill's length.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from drillconsole.report.charts import BAND_COLOR, MARK_STYLE, MARK_SYMBOL, _band_bounds
from drillconsole.report.decimate import envelope

FULL = {"w": 720, "h": 190, "left": 64, "right": 56, "top": 22, "bottom": 30}
"""Full chart geometry: the plot area is exactly w - left - right = 600 pixel columns."""
SMALL = {"w": 236, "h": 72, "left": 4, "right": 4, "top": 16, "bottom": 4}
LINE = "#1f2d3d"


def _num(v: float) -> str:
    return f"{v:.4g}"


def _clock(t: float) -> str:
    whole = round(t)
    return (
        f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
        if whole >= 3600
        else f"{whole // 60:02d}:{whole % 60:02d}"
    )


def _ticks(span: float, n: int = 5) -> list[float]:
    """Round drill times for the time axis (1, 2 or 5 × a power of ten seconds, or whole minutes/hours)."""
    raw = span / n
    steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400]
    step = next((s for s in steps if s >= raw), steps[-1] * max(1, round(raw / steps[-1])))
    return [i * step for i in range(int(span // step) + 1)]


class _Frame:
    """Maps drill time and value to pixels for one chart."""

    def __init__(self, g: dict[str, int], span: float, lo: float, hi: float) -> None:
        self.g, self.span, self.lo, self.hi = g, span, lo, hi
        self.width = g["w"] - g["left"] - g["right"]
        self.height = g["h"] - g["top"] - g["bottom"]

    def x(self, t: float) -> float:
        return self.g["left"] + t / self.span * self.width

    def y(self, v: float) -> float:
        return self.g["top"] + (self.hi - v) / (self.hi - self.lo) * self.height


def _range(lo: float | None, hi: float | None, bounds: list[tuple[str, str, float]]) -> tuple[float, float]:
    levels = [v for v in (lo, hi) if v is not None] + [b[2] for b in bounds]
    a, b = (min(levels), max(levels)) if levels else (0.0, 1.0)
    pad = (b - a) * 0.08 or max(abs(b) * 0.1, 1.0)
    return a - pad, b + pad


def _body(
    t: np.ndarray, v: np.ndarray, signal: dict[str, Any], end_t: float, g: dict[str, int]
) -> tuple[_Frame, list[str]]:
    """The frame, band rectangles and the decimated polyline of one signal."""
    bounds = _band_bounds(signal.get("bands") or {})
    span = max(end_t, float(t[-1]) if t.size else 0.0, 1.0)
    probe = _Frame(g, span, 0.0, 1.0)
    env = envelope(t, v, span, probe.width)
    lo, hi = _range(float(env.lo.min()) if env.x.size else None, float(env.hi.max()) if env.x.size else None, bounds)
    f = _Frame(g, span, lo, hi)
    left, top = g["left"], g["top"]
    parts = []
    for level, side, value in bounds:
        y = min(max(f.y(value), top), top + f.height)
        y0, y1 = (top, y) if side == "above" else (y, top + f.height)
        parts.append(
            f'<rect x="{left}" y="{y0:.1f}" width="{f.width}" height="{y1 - y0:.1f}" fill="{BAND_COLOR[level]}">'
            f"<title>{level} {side} {_num(value)}</title></rect>"
        )
    if env.x.size:
        xs = np.repeat(env.x + left + 0.5, 2)
        ys = np.column_stack([f.y(env.lo), f.y(env.hi)]).ravel()  # type: ignore[arg-type]
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs.tolist(), ys.tolist(), strict=True))
        parts.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="1" points="{points}"/>')
    return f, parts


def full_chart(
    t: np.ndarray, v: np.ndarray, signal: dict[str, Any], markers: list[dict[str, Any]], end_t: float
) -> str:
    """A 720×190 chart: bands, the min/max envelope per pixel column, markers, value and time axes."""
    g = FULL
    f, parts = _body(t, v, signal, end_t, g)
    left, top, bottom = g["left"], g["top"], g["top"] + f.height
    unit = f" ({signal['unit']})" if signal.get("unit") else ""
    out = [
        f'<svg role="img" aria-label="{escape(signal["id"])} over the drill" viewBox="0 0 {g["w"]} {g["h"]}" '
        f'width="{g["w"]}" height="{g["h"]}" font-family="sans-serif" font-size="10">',
        f'<text x="{left}" y="14" font-size="12">{escape(signal["title"] + unit)}</text>',
        *parts,
        f'<rect x="{left}" y="{top}" width="{f.width}" height="{f.height}" fill="none" stroke="#8c959f"/>',
    ]
    for value in sorted({f.lo + (f.hi - f.lo) * k / 4 for k in range(5)}):
        out.append(f'<text x="{left - 4}" y="{f.y(value) + 3:.1f}" text-anchor="end">{_num(value)}</text>')
    for level, _, value in _band_bounds(signal.get("bands") or {}):
        y = f.y(value)
        out.append(f'<text x="{left + f.width + 4}" y="{y + 3:.1f}" fill="#6e4b00">{level} {_num(value)}</text>')
    for tick in _ticks(f.span):
        x = f.x(tick)
        out.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" stroke="#8c959f"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 15}" text-anchor="middle">T+{_clock(tick)}</text>')
    for m in markers:
        if m["signal"] not in (None, signal["id"]):
            continue
        color, style = MARK_STYLE.get(m["kind"], ("#000000", "-"))
        dash = {"--": ' stroke-dasharray="5 3"', ":": ' stroke-dasharray="1 2"'}.get(style, "")
        x = f.x(float(m["t"]))
        label = escape(f"{m['kind']} at T+{_clock(float(m['t']))}: {m['label']}")
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{color}"{dash}><title>{label}</title></line>'
            f'<text x="{x + 2:.1f}" y="{top + 9}" fill="{color}">{MARK_SYMBOL.get(m["kind"], "*")}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def small_chart(t: np.ndarray, v: np.ndarray, signal: dict[str, Any], end_t: float) -> str:
    """A 236×72 small multiple: the signal's id, its bands and its min/max envelope."""
    g = SMALL
    _, parts = _body(t, v, signal, end_t, g)
    last = v[~np.isnan(v)][-1:] if v.size else v
    value = f" · {_num(float(last[0]))}" if last.size else " · no samples"
    return (
        f'<svg role="img" aria-label="{escape(signal["id"])} over the drill" viewBox="0 0 {g["w"]} {g["h"]}" '
        f'width="{g["w"]}" height="{g["h"]}" font-family="sans-serif" font-size="10">'
        f'<text x="{g["left"]}" y="11">{escape(signal["id"])}{escape(value)}</text>{"".join(parts)}</svg>'
    )


def matters(v: np.ndarray, signal: dict[str, Any], markers: list[dict[str, Any]]) -> bool:
    """Whether a signal gets a full chart: it crossed a band, fired a trigger or carried a staged fault."""
    if any(m["signal"] == signal["id"] for m in markers):
        return True
    present = v[~np.isnan(v)]
    if present.size == 0:
        return False
    for _, side, value in _band_bounds(signal.get("bands") or {}):
        if (side == "above" and present.max() > value) or (side == "below" and present.min() < value):
            return True
    return False
