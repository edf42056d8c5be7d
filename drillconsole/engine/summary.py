"""The headline times of a drill, from its state (the full report folds the log with polars)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drillconsole.drill.state import DrillState
from drillconsole.drill.wording import format_duration


@dataclass(frozen=True)
class Headline:
    """Seconds from fault to trigger, trigger to decision, decision to rollback; None if never reached."""

    outcome: str | None
    time_to_detect: float | None
    time_to_decision: float | None
    time_to_rollback: float | None


def fault_t(state: DrillState) -> float | None:
    """When the fault was injected: first non-transient injection or fault-injecting step."""
    pb = state.playbook
    times = [t for iid, t in state.injected.items() if not next(i for i in pb.scenario if i.id == iid).transient]
    times += [state.steps[s.id].ended_t for s in pb.steps if s.injects_fault and state.steps[s.id].ended_t is not None]  # type: ignore[misc]
    return min(times) if times else None


def rollback_t(state: DrillState) -> float | None:
    """When the rollback step succeeded."""
    for step in state.playbook.steps:
        view = state.steps[step.id]
        if step.rollback and view.status in ("succeeded", "undone"):
            return view.ended_t
    return None


def headline(state: DrillState) -> Headline:
    """The three headline times of the drill."""
    fault, trigger = fault_t(state), state.first_trigger_t
    decision = state.decision["t"] if state.decision else None
    rollback = rollback_t(state)

    def span(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(b - a, 3)

    return Headline(state.outcome, span(fault, trigger), span(trigger, decision), span(decision, rollback))


def summary_lines(state: DrillState, log_path: Path) -> list[str]:
    """The short summary a headless run prints."""
    h = headline(state)
    reason = f" ({state.end_reason})" if state.end_reason and state.outcome != "restored" else ""
    return [
        f"outcome:           {h.outcome or 'unfinished'}{reason}",
        f"time to detect:    {format_duration(h.time_to_detect)}",
        f"time to decision:  {format_duration(h.time_to_decision)}",
        f"time to rollback:  {format_duration(h.time_to_rollback)}",
        f"session log:       {log_path}",
    ]
