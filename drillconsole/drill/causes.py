"""Whether each scenario injection's cause is present, and how much of it is in effect.

Kept in the fold (not in the simulator) so that resume and replay see exactly
what the live drill saw.
"""

from __future__ import annotations

import math
from typing import Protocol

from drillconsole.playbook.models import Injection, Playbook


class TargetState(Protocol):
    """What the cause rules read of the drill state (a protocol, so `state` can call them without a cycle)."""

    playbook: Playbook
    causes: dict[str, tuple[float, float, bool]]

    def live_version(self, target_id: str | None = None) -> str | None: ...

    def flag_on(self, flag: str, segment: str | None = None, target_id: str | None = None) -> bool: ...


def cause_holds(state: TargetState, injection: Injection) -> bool:
    """Whether the injection's cause is present in the live target state."""
    cause = injection.cause
    if cause is None:
        return True
    if cause.version is not None and state.live_version(cause.target) != cause.version:
        return False
    return not (cause.flag is not None and not state.flag_on(cause.flag, cause.segment, cause.target))


def activity(state: TargetState, injection: Injection, t: float) -> float:
    """How much of the injection is in effect at t (0..1): it fades over `recede` once its cause is gone."""
    last = state.causes.get(injection.id)
    if last is None:
        return 1.0
    t0, level, holds = last
    rate = (t - t0) / injection.recede if injection.recede > 0 else math.inf
    return min(1.0, level + rate) if holds else max(0.0, level - rate)


def note_target_change(state: TargetState, t: float, *, initial: bool = False) -> None:
    """Record, for every caused injection, whether its cause still holds after a change at t."""
    for injection in state.playbook.scenario:
        if injection.cause is None:
            continue
        holds = cause_holds(state, injection)
        if initial:
            state.causes[injection.id] = (t, 1.0 if holds else 0.0, holds)
            continue
        last = state.causes.get(injection.id)
        if (last[2] if last else True) != holds:
            state.causes[injection.id] = (t, activity(state, injection, t), holds)


def fault_affects(state: TargetState, signal: str, t: float) -> bool:
    """Whether a staged, non-transient fault is in effect on `signal` at t (injected and its cause not fully receded)."""
    injected: dict[str, float] = getattr(state, "injected", {})
    for injection in state.playbook.scenario:
        if injection.signal != signal or injection.transient or injection.id not in injected:
            continue
        if injected[injection.id] <= t + 1e-9 and activity(state, injection, t) > 0:
            return True
    return False
