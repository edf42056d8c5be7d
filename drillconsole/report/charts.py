"""Signal charts over the drill: text sparklines for Markdown, deterministic inline SVG (matplotlib, Agg) for HTML."""

from __future__ import annotations

import io
import re
from typing import Any

import polars as pl

BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 60
PLOT_POINTS = 1500
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


def buckets(samples: pl.DataFrame, signal: str, end_t: float, width: int) -> list[float | None]:
    """Mean of the signal in each of `width` equal slices of [0, end_t] (None where no sample fell)."""
    s = samples.filter((pl.col("signal") == signal) & pl.col("value").is_not_null())
    if s.is_empty():
        return [None] * width
    span = max(end_t, float(s["t"].max()), 1e-9)  # type: ignore[arg-type]
    means = (
        s.with_columns(b=(pl.col("t") / span * width).floor().cast(pl.Int64).clip(0, width - 1))
        .group_by("b")
        .agg(pl.col("value").mean())
    )
    found = dict(zip(means["b"].to_list(), means["value"].to_list(), strict=False))
    return [found.get(i) for i in range(width)]


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


def _thin(s: pl.DataFrame) -> pl.DataFrame:
    """At most PLOT_POINTS points: bucket means of time and value, so a long drill stays a light SVG."""
    if s.height <= PLOT_POINTS:
        return s
    lo, hi = float(s["t"].min()), float(s["t"].max())  # type: ignore[arg-type]
    width = (hi - lo) / PLOT_POINTS or 1.0
    return (
        s.with_columns(b=((pl.col("t") - lo) / width).floor().cast(pl.Int64))
        .group_by("b")
        .agg(pl.col("t").mean(), pl.col("value").mean())
        .sort("b")
    )


def figure(samples: pl.DataFrame, signal: dict[str, Any], markers: list[dict[str, Any]], end_t: float) -> Any:
    """A matplotlib Figure (no pyplot, no GUI) of one signal with its warn/critical bands and the drill's markers."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    s = _thin(samples.filter((pl.col("signal") == signal["id"]) & pl.col("value").is_not_null()).select("t", "value"))
    fig = Figure(figsize=(8.0, 2.2), dpi=72)
    FigureCanvasSVG(fig)
    ax = fig.add_subplot(1, 1, 1)
    t, v = s["t"].to_list(), s["value"].to_list()
    ax.plot(t, v, color="#1f2d3d", linewidth=1.0, label=signal["id"])
    bounds = _band_bounds(signal.get("bands") or {})
    levels = v + [b[2] for b in bounds]
    lo, hi = (min(levels), max(levels)) if levels else (0.0, 1.0)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.1, 1.0)
    lo, hi = lo - pad, hi + pad
    for level, side, value in bounds:
        y0, y1 = (value, hi) if side == "above" else (lo, value)
        ax.axhspan(y0, y1, color=BAND_COLOR[level], linewidth=0, zorder=0, label=f"{level} {side} {value:g}")
    seen: set[str] = set()
    for m in markers:
        if m["signal"] not in (None, signal["id"]):
            continue
        color, style = MARK_STYLE.get(m["kind"], ("#000000", "-"))
        ax.axvline(m["t"], color=color, linestyle=style, linewidth=1.0, label=None if m["kind"] in seen else m["kind"])
        seen.add(m["kind"])
    ax.set_ylim(lo, hi)
    ax.set_xlim(0, max(end_t, max(t) if t else 0.0, 1.0))
    unit = f" ({signal['unit']})" if signal.get("unit") else ""
    ax.set_title(f"{signal['title']}{unit}", loc="left")
    ax.set_xlabel("drill time (s)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False)
    fig.subplots_adjust(left=0.08, right=0.78, top=0.85, bottom=0.22)
    return fig


def svg_chart(samples: pl.DataFrame, signal: dict[str, Any], markers: list[dict[str, Any]], end_t: float) -> str:
    """An inline `<svg>` of one signal's chart; byte-stable for one log (fixed hash salt, text as text, no date)."""
    import matplotlib

    rc = {
        "svg.hashsalt": f"drillconsole-{signal['id']}",
        "svg.fonttype": "none",
        "font.size": 8.0,
        "axes.titlesize": 9.0,
    }
    with matplotlib.rc_context(rc):
        fig = figure(samples, signal, markers, end_t)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return _inline(buf.getvalue(), signal["id"])


def _inline(svg: str, signal_id: str) -> str:
    """The bare `<svg>` element: no XML prolog, DOCTYPE, metadata or namespace URLs (nothing refers outside the page)."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = svg.replace("xlink:href=", "href=")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{signal_id} over the drill" ', 1).strip()
