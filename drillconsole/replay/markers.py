"""Timeline markers of a replayed drill: injections, triggers, decisions, gates, step results, phases."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event

MARKER_KINDS = (
    "injection",
    "transient",
    "trigger",
    "decision",
    EventType.GATE_REQUESTED,
    EventType.GATE_APPROVED,
    EventType.GATE_REJECTED,
    EventType.GATE_EXPIRED,
    EventType.STEP_SUCCEEDED,
    EventType.STEP_FAILED,
    EventType.STEP_UNDONE,
    EventType.STEP_SKIPPED,
    EventType.VERIFY_PASSED,
    EventType.VERIFY_FAILED,
    "fidelity",
    "phase",
    "end",
)
"""Every `Marker.kind`; `transient` is a scenario injection marked transient (noise, not a fault)."""


@dataclass(frozen=True, slots=True)
class Marker:
    """One notable moment on the replay timeline (`seq` is the event it comes from)."""

    t: float
    kind: str
    label: str
    seq: int = -1


def _num(value: Any) -> str:
    """A compact rendering of a logged number (or whatever was logged)."""
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _injection(d: dict[str, Any]) -> tuple[str, str]:
    kind = "transient" if d.get("transient") else "injection"
    word = "transient" if kind == "transient" else "injected"
    delta = f" {_num(d['delta'])}" if d.get("delta") is not None else ""
    return kind, f"{word} {d.get('injection')}: {d.get('kind')}{delta} on {d.get('signal')}"


def _trigger(d: dict[str, Any]) -> tuple[str, str]:
    return "trigger", f"trigger {d.get('trigger')} fired: {d.get('signal')} = {_num(d.get('value'))}"


def _decision(d: dict[str, Any]) -> tuple[str, str]:
    return "decision", f"decision: {d.get('option')}"


def _gate(word: str) -> Callable[[dict[str, Any]], tuple[str, str]]:
    def label(d: dict[str, Any]) -> tuple[str, str]:
        who = f" by {d['approver']}" if d.get("approver") else ""
        return f"gate.{word}", f"gate {word}: {d.get('step')}{who}"

    return label


def _step(word: str) -> Callable[[dict[str, Any]], tuple[str, str]]:
    def label(d: dict[str, Any]) -> tuple[str, str]:
        why = d.get("error") or d.get("reason")
        return f"step.{word}", f"step {d.get('step')} {word}" + (f": {why}" if why else "")

    return label


def _verify(word: str) -> Callable[[dict[str, Any]], tuple[str, str]]:
    def label(d: dict[str, Any]) -> tuple[str, str]:
        why = d.get("reason")
        return f"verify.{word}", f"verify {d.get('step')} {word}" + (f": {why}" if why else "")

    return label


def _fidelity(d: dict[str, Any]) -> tuple[str, str]:
    verdict = "passed" if d.get("passed") else "failed"
    return "fidelity", f"fidelity {d.get('step')} {verdict}: match {_num(d.get('match_rate'))}"


def _phase(d: dict[str, Any]) -> tuple[str, str]:
    return "phase", f"phase {d.get('phase')}"


def _ended(d: dict[str, Any]) -> tuple[str, str]:
    reason = f" ({d['reason']})" if d.get("reason") else ""
    return "end", f"ended: {d.get('outcome')}{reason}"


_LABELS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    EventType.SCENARIO_INJECTED: _injection,
    EventType.TRIGGER_FIRED: _trigger,
    EventType.DECISION_MADE: _decision,
    **{f"gate.{w}": _gate(w) for w in ("requested", "approved", "rejected", "expired")},
    **{f"step.{w}": _step(w) for w in ("succeeded", "failed", "undone", "skipped")},
    **{f"verify.{w}": _verify(w) for w in ("passed", "failed")},
    EventType.FIDELITY_MEASURED: _fidelity,
    EventType.PHASE_ENTERED: _phase,
    EventType.SESSION_ENDED: _ended,
}


def marker_of(event: Event) -> Marker | None:
    """The marker an event puts on the timeline, or None for events that are not notable."""
    label = _LABELS.get(event.type)
    if label is None:
        return None
    data = dict(event.data)
    if event.type == EventType.GATE_APPROVED and not data.get("approver"):
        data["approver"] = event.actor
    kind, text = label(data)
    return Marker(event.t, kind, text, event.seq)


def build_markers(events: Iterable[Event]) -> list[Marker]:
    """Every marker of a log, in log order."""
    return [m for m in map(marker_of, events) if m is not None]
