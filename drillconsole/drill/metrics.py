"""The after-action numbers of a drill, defined once (`docs/metrics.md`) and computed from its folded state.

The headless summary, the review screen, the report (md, html, json), `trend`
and `rerun` all show these values; none of them computes a metric itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from drillconsole.drill import summary
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Phase


@dataclass(frozen=True)
class Fidelity:
    """The last restoration-fidelity measurement."""

    version: str | None
    reference: str
    match_rate: float
    max_deviation: float
    passed: bool


@dataclass(frozen=True)
class Metrics:
    """Every headline number of one drill (seconds; None where an input is missing, see docs/metrics.md)."""

    outcome: str | None
    end_reason: str | None
    impact_t: float | None
    impact_source: str | None
    detection_t: float | None
    detected_by: str | None
    detection_trigger: str | None
    decision_t: float | None
    rollback_t: float | None
    rollback_step: str | None
    restored_t: float | None
    time_to_detect_s: float | None
    time_to_decision_s: float | None
    time_to_rollback_s: float | None
    time_to_restore_s: float | None
    time_to_restore_from_detection_s: float | None
    rollback_attempts: int
    rollback_successes: int
    rollback_success_rate: float | None
    fidelity: Fidelity | None
    false_alarms: int
    false_alarm_triggers: list[str] = field(default_factory=list)
    escalations: int = 0
    gate_latency_s: dict[str, float | None] = field(default_factory=dict)
    adherence: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


HEADLINE = (
    "time_to_detect_s",
    "time_to_decision_s",
    "time_to_rollback_s",
    "time_to_restore_s",
    "time_to_restore_from_detection_s",
    "rollback_success_rate",
    "fidelity_match_rate",
    "false_alarms",
    "escalations",
)
"""The comparable numbers of a drill, in the order every surface shows them (lower is better except the rates)."""

HIGHER_IS_BETTER = frozenset({"rollback_success_rate", "fidelity_match_rate"})


def _span(start: float | None, end: float | None) -> float | None:
    """Seconds from start to end, never negative (an end before its start is clamped to zero)."""
    if start is None or end is None:
        return None
    return round(max(0.0, end - start), 3)


def impact(state: DrillState) -> tuple[float | None, str | None]:
    """When the fault began: the first staged non-transient fault; else the first out-of-band run of a watched signal."""
    pb = state.playbook
    staged = [t for iid, t in state.injected.items() if not _transient(state, iid)]
    for step in pb.steps:
        view = state.steps[step.id]
        if step.injects_fault and view.status in ("succeeded", "undone") and view.ended_t is not None:
            staged.append(view.ended_t)
    if staged:
        return min(staged), "staged fault"
    if pb.scenario or any(s.injects_fault for s in pb.steps):
        return None, None  # a simulation whose staged deviations are all transient has no fault
    watched = {trig.signal for trig in pb.triggers}
    runs = [t for sid, t in state.left_ok.items() if sid in watched]
    if runs:
        return min(runs), "signal out of band"
    return None, None


def _transient(state: DrillState, injection_id: str) -> bool:
    return next((i.transient for i in state.playbook.scenario if i.id == injection_id), False)


def detection(state: DrillState, impact_t: float | None) -> tuple[float | None, str | None, str | None]:
    """The first trigger on an affected signal at or after impact, or the decision if a person was first."""
    trigger_t, trigger = None, None
    for t, tid, affected in state.fires:
        if impact_t is not None and t + 1e-9 >= impact_t and (affected or not state.playbook.scenario):
            trigger_t, trigger = t, tid
            break
    decision_t = state.decision["t"] if state.decision else None
    if decision_t is not None and (trigger_t is None or decision_t < trigger_t):
        return decision_t, "person", None
    if trigger_t is not None:
        return trigger_t, "trigger", trigger
    return None, None, None


def _rollback_steps(state: DrillState) -> set[str]:
    """Steps that roll back: marked `rollback: true`, or whose action changes a registry alias or a flag."""
    return {
        s.id
        for s in state.playbook.steps
        if s.rollback or (s.action is not None and s.action.type in ("registry.set_alias", "flag.set"))
    } - {s.id for s in state.playbook.steps if s.injects_fault}


def rollback(state: DrillState, restored_t: float | None) -> tuple[float | None, str | None]:
    """The rollback that took effect: the last target change by a rollback step before restore (or at all)."""
    steps = _rollback_steps(state)
    decided = state.decision["t"] if state.decision else None
    changes = [
        (t, sid)
        for t, sid in state.effective_changes
        if sid in steps and (decided is None or t + 1e-9 >= decided) and (restored_t is None or t <= restored_t + 1e-9)
    ]
    if not changes:
        return None, None
    t, sid = changes[-1]
    return t, sid


def compute(state: DrillState) -> Metrics:
    """Every metric of the drill in this state."""
    impact_t, impact_source = impact(state)
    detection_t, detected_by, trigger = detection(state, impact_t)
    decision_t = state.decision["t"] if state.decision else None
    restored_t = state.phase_t.get(Phase.restore.value)
    rollback_t, rollback_step = rollback(state, restored_t)
    steps = _rollback_steps(state)
    attempts = sum(state.steps[s].attempts for s in steps)
    successes = sum(1 for t, s in state.effective_changes if s in steps)
    successes = min(successes, attempts)
    fidelity = None
    if state.fidelity:
        last = state.fidelity[-1]
        fidelity = Fidelity(
            last.get("version"),
            str(last.get("reference")),
            float(last.get("match_rate", 0.0)),
            float(last.get("max_deviation", 0.0)),
            bool(last.get("passed")),
        )
    false = [tid for t, tid, affected in state.fires if not affected and state.playbook.scenario]
    if not state.playbook.scenario:  # a live drill: a firing before the impact began is a false alarm
        false = [tid for t, tid, _ in state.fires if impact_t is None or t + 1e-9 < impact_t]
    gates = summary.gate_rows(state)
    roles = summary.role_rows(state)
    adherence = {
        rid: {
            "on_time": r["done"] - r["late"],
            "late": r["late"],
            "missed": r["missed"],
            "late_items": r["late_items"],
            "missed_items": r["missed_items"],
        }
        for rid, r in roles.items()
    }
    return Metrics(
        outcome=state.outcome,
        end_reason=state.end_reason,
        impact_t=impact_t,
        impact_source=impact_source,
        detection_t=detection_t,
        detected_by=detected_by,
        detection_trigger=trigger,
        decision_t=decision_t,
        rollback_t=rollback_t,
        rollback_step=rollback_step,
        restored_t=restored_t,
        time_to_detect_s=_span(impact_t, detection_t),
        time_to_decision_s=_span(detection_t, decision_t),
        time_to_rollback_s=_span(decision_t, rollback_t),
        time_to_restore_s=_span(impact_t, restored_t),
        time_to_restore_from_detection_s=_span(detection_t, restored_t),
        rollback_attempts=attempts,
        rollback_successes=successes,
        rollback_success_rate=round(successes / attempts, 4) if attempts else None,
        fidelity=fidelity,
        false_alarms=len(false),
        false_alarm_triggers=false,
        escalations=len(state.escalations),
        gate_latency_s={sid: g["latency_s"] for sid, g in gates.items()},
        adherence=adherence,
    )


def headline_values(m: Metrics) -> dict[str, float | int | None]:
    """The comparable numbers (HEADLINE) of a drill."""
    rate = m.fidelity.match_rate if m.fidelity else None  # read field by field: `as_dict` deep-copies everything
    return {k: rate if k == "fidelity_match_rate" else getattr(m, k) for k in HEADLINE}
