"""How drill facts read on screen: band states, values, thresholds, steps and gates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drillconsole.drill.wording import format_clock, format_duration

if TYPE_CHECKING:
    from drillconsole.drill.views import GateView, StepView
    from drillconsole.playbook.models import Band, Signal, Step


@dataclass(frozen=True)
class BandLook:
    """A band state as symbol, word and the TCSS variable of its colour (never colour alone)."""

    symbol: str
    word: str
    variable: str


BANDS: dict[str, BandLook] = {
    "ok": BandLook("✓", "ok", "band-ok"),
    "warn": BandLook("▲", "warn", "band-warn"),
    "critical": BandLook("✖", "CRIT", "band-critical"),
    "stale": BandLook("?", "stale", "band-stale"),
    "error": BandLook("!", "error", "band-critical"),
}


def band_look(state: str) -> BandLook:
    """The look of a band state (unknown states read as errors)."""
    return BANDS.get(state, BANDS["error"])


def format_value(signal: Signal, value: float | None) -> str:
    """The value with the signal's decimals and unit, or a dash before the first sample."""
    if value is None:
        return "—"
    unit = signal.unit
    text = f"{value:.{signal.precision}f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _bound(band: Band, signal: Signal) -> str:
    side = ">" if band.above is not None else "<"
    held = f" {format_duration(band.for_)}" if band.for_ else ""
    return f"{side}{band.threshold:g}{held}"


def thresholds(signal: Signal) -> str:
    """The warn and critical bounds, e.g. `warn <0.89 10s · crit <0.86 10s`."""
    parts = []
    if signal.bands.warn is not None:
        parts.append(f"warn {_bound(signal.bands.warn, signal)}")
    if signal.bands.critical is not None:
        parts.append(f"crit {_bound(signal.bands.critical, signal)}")
    return " · ".join(parts) or "no bands"


STEP_STATUS: dict[str, str] = {
    "pending": "· pending",
    "running": "▶ running",
    "succeeded": "✓ done",
    "failed": "✖ failed",
    "skipped": "↷ skipped",
    "undone": "↺ undone",
}


def step_status(view: StepView) -> str:
    """A step's status with a symbol (and `retrying` for a failed step that retries itself)."""
    if view.status == "failed" and view.will_retry:
        return "✖ retrying"
    return STEP_STATUS.get(view.status, view.status)


GATE_MARK = "■"
"""The gate symbol: single-width in every terminal and font (an emoji lock is double-width, or a tofu box)."""

GATE_STATUS: dict[str, str] = {
    "none": f"{GATE_MARK} gated",
    "requested": "… requested",
    "approved": "✓ approved",
    "rejected": "✖ rejected",
    "expired": f"{GATE_MARK} expired",
}


def gate_cell(step: Step, gate: GateView | None) -> str:
    """The gate column: the gate's state as a symbol and a word (blank for a step without a gate)."""
    if step.gate is None or gate is None:
        return ""
    return GATE_STATUS.get(gate.status, gate.status)


def step_duration(view: StepView, now: float) -> str:
    """How long a step took, or has been running."""
    if view.started_t is None:
        return ""
    end = view.ended_t if view.ended_t is not None else now
    return format_duration(max(0.0, end - view.started_t))


def clock(t: float | None) -> str:
    """Drill time as `T+mm:ss`, or a dash."""
    return "—" if t is None else format_clock(t)


SPARK_BARS = "▁▂▃▄▅▆▇█"


def spark(values: Sequence[float], width: int) -> list[tuple[str, float]]:
    """A one-line sparkline: `width` bars, each a block character and its height (0 lowest … 1 highest).

    The values are folded into `width` buckets by their mean, as Textual's
    Sparkline does with a mean summary (same bars, same colours).
    """
    if width <= 0:
        return []
    if not values:
        return [(SPARK_BARS[0], 0.0)] * width
    if len(values) == 1:
        return [("█", 1.0)] * width
    data = list(values)
    buckets = [data[len(data) * i // width : len(data) * (i + 1) // width] for i in range(width)]
    buckets = [b for b in buckets if b]
    low, high = min(data), max(data)
    extent = high - low or 1
    step = len(buckets) / width
    bars: list[tuple[str, float]] = []
    index = 0.0
    for _ in range(width):
        bucket = buckets[int(index)]
        ratio = (sum(bucket) / len(bucket) - low) / extent
        bar = int(ratio * (len(SPARK_BARS) - 1))
        bars.append(("█" if bar >= len(SPARK_BARS) else SPARK_BARS[bar], ratio))
        index += step
    return bars
