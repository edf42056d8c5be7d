"""Signal charts over the drill: text sparklines for Markdown, and the bands, markers and styles the SVG charts share (`svg.py`)."""

from __future__ import annotations

from typing import Any

BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 60
MARK_SYMBOL = {"injection": "i", "spike": "s", "trigger": "t", "decision": "d", "rollback": "r"}
MARK_STYLE = {
    "injection": ("#555555", "--"),
    "spike": ("#999999", ":"),
    "trigger": ("#d9822b", "-"),
    "decision": ("#2b6cd9", "-"),
    "rollback": ("#2f9e44", "-"),
}
BAND_COLOR = {"warn": "#fcefc2", "critical": "#f8cfcf"}
"""Opaque fills drawn warn first, so the critical band covers the warn band where they overlap."""


def sparkline(values: list[float | None]) -> str:
    """One character per value, ▁ (lowest) to █ (highest); a space where there is no value."""
    present = [v for v in values if v is not None]
    if not present:
        return " " * len(values)
    lo, hi = min(present), max(present)
    scale = (len(BARS) - 1) / (hi - lo) if hi > lo else 0.0
    return "".join(" " if v is None else BARS[round((v - lo) * scale)] for v in values)


def marker_row(markers: list[dict[str, Any]], signal: str, end_t: float, width: int) -> str:
    """Marker symbols under a sparkline: this signal's injections and triggers, and the decision and rollback."""
    row = [" "] * width
    span = max(end_t, 1e-9)
    for m in markers:
        if m["signal"] in (None, signal):
            i = min(width - 1, max(0, int(m["t"] / span * width)))
            row[i] = MARK_SYMBOL.get(m["kind"], "*")
    return "".join(row).rstrip()


def _band_bounds(bands: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(level, side, threshold) of each band."""
    out = []
    for level in ("warn", "critical"):
        band = bands.get(level)
        if isinstance(band, dict):
            for side in ("above", "below"):
                if isinstance(band.get(side), (int, float)):
                    out.append((level, side, float(band[side])))
    return out


def describe_bands(bands: dict[str, Any]) -> str:
    """`warn below 0.89, critical below 0.86`, or `no bands`."""
    parts = [f"{level} {side} {value:g}" for level, side, value in _band_bounds(bands)]
    return ", ".join(parts) or "no bands"
