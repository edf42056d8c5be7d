"""Band states, trigger conditions and verification, computed from state alone."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from drillconsole.drill.state import STATE_RANK, DrillState
from drillconsole.playbook.models import ConfidenceTrigger, Step, Trigger


def band_state(state: DrillState, signal_id: str, now: float) -> str:
    """ok / warn / critical for the signal, honouring each band's `for:` hold."""
    view = state.signals[signal_id]
    bands = state.playbook.signal(signal_id).bands
    if (
        bands.critical is not None
        and view.critical_since is not None
        and now - view.critical_since >= bands.critical.for_
    ):
        return "critical"
    if bands.warn is not None and view.warn_since is not None and now - view.warn_since >= bands.warn.for_:
        return "warn"
    return "ok"


def band_changes(state: DrillState, values: Mapping[str, float | None], now: float) -> list[tuple[str, str]]:
    """(signal, new band state) for each sampled signal whose `band_state` differs from its state now, in sample order.

    The engine asks this after every tick's samples. Only the signals the fold watches can differ
    (`DrillState.band_watch`): a signal in band, or settled in a band with its hold done, is not looked at.
    """
    changes = []
    for sid in state.band_watch:
        if values.get(sid) is None:  # not sampled this time (or no value): its state waits for a sample
            continue
        new = band_state(state, sid, now)
        if new != state.signals[sid].state:
            changes.append((sid, new))
    if len(changes) > 1:
        order = {sid: i for i, sid in enumerate(values)}
        changes.sort(key=lambda change: order[change[0]])
    return changes


@lru_cache(maxsize=32)
def z_score(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level."""
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


@dataclass(frozen=True)
class Interval:
    """Confidence interval of a windowed mean."""

    mean: float
    lower: float
    upper: float
    n: int


def windowed_interval(state: DrillState, trig: ConfidenceTrigger, now: float) -> Interval | None:
    """Mean ± z·s/√n of the samples in the trailing window, or None with too few samples."""
    values = [v for (t, v) in state.signals[trig.signal].history if t > now - trig.window]
    n = len(values)
    if n < trig.min_samples:
        return None
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = z_score(trig.confidence) * math.sqrt(var / n)
    return Interval(mean, mean - half, mean + half, n)


def trigger_condition(state: DrillState, trig: Trigger, now: float) -> tuple[bool, dict[str, Any]]:
    """Whether the trigger's condition holds now, with the numbers behind it."""
    view = state.signals[trig.signal]
    if trig.kind == "threshold":
        since = state.triggers[trig.id].breach_since
        held = 0.0 if since is None else now - since
        bound = trig.above if trig.above is not None else trig.below
        return since is not None and held >= trig.for_, {"bound": bound, "held_s": round(held, 3), "for_s": trig.for_}
    if trig.kind == "confidence_interval":
        interval = windowed_interval(state, trig, now)
        if interval is None:
            return False, {}
        detail = {
            "mean": round(interval.mean, 6),
            "lower": round(interval.lower, 6),
            "upper": round(interval.upper, 6),
            "n": interval.n,
            "confidence": trig.confidence,
        }
        if trig.above is not None:
            return interval.lower > trig.above, {**detail, "bound": trig.above, "side": "lower"}
        return interval.upper < trig.below, {**detail, "bound": trig.below, "side": "upper"}  # type: ignore[operator]
    return (view.value or 0) > 0, {"count": view.value}


def trigger_clears(state: DrillState, trig: Trigger, now: float) -> bool:
    """Whether an active trigger's condition has gone away."""
    if trig.kind == "threshold":
        return state.triggers[trig.id].breach_since is None
    return not trigger_condition(state, trig, now)[0]


def verify_progress(state: DrillState, step: Step, now: float) -> tuple[str, float | None]:
    """For a running verify step: ('passed'|'failed'|'waiting', next moment worth checking)."""
    check = step.verify
    assert check is not None
    started = state.steps[step.id].started_t or now
    limit = STATE_RANK[check.state]
    views = [state.signals[sid] for sid in check.signals]
    deadline = started + check.within
    if all(STATE_RANK.get(v.state, 3) <= limit for v in views):
        hold_from = max([started, *(v.state_since for v in views)])
        if now - hold_from >= check.hold:
            return "passed", None
        return ("failed", None) if now >= deadline else ("waiting", min(hold_from + check.hold, deadline))
    return ("failed", None) if now >= deadline else ("waiting", deadline)


def verify_states(state: DrillState, step: Step) -> dict[str, str]:
    """The band state of each signal a verify step watches."""
    assert step.verify is not None
    return {sid: state.signals[sid].state for sid in step.verify.signals}
