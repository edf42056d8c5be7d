"""What a drill's state says for the after-action report: steps, gates, roles, phases, escalations, review, teardown.

Pure functions of the folded state; the report renders these, the property test
checks that the report's sections equal them for every prefix of a log.
"""

from __future__ import annotations

from typing import Any

from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import PHASES


def decision_row(state: DrillState) -> dict[str, Any] | None:
    """The decision with who made it and when, or None."""
    d = state.decision
    if d is None:
        return None
    keys = ("option", "expected", "rationale", "actor", "proposed", "t")
    return {k: d.get(k) for k in keys}


def step_rows(state: DrillState) -> list[dict[str, Any]]:
    """Per step in playbook order: status, attempts, who ran it, first start, end, duration, and why it ended so."""
    out = []
    for step in state.playbook.steps:
        v = state.steps[step.id]
        detail = v.skip_reason if v.status == "skipped" else v.error
        if step.kind == "decision" and state.decision is not None:
            detail = state.decision["option"]
        out.append(
            {
                "step": step.id,
                "title": step.title,
                "owner": step.owner,
                "gated": step.gate is not None,
                "status": v.status,
                "attempts": v.attempts,
                "actor": v.actor,
                "started_t": v.first_started_t if v.first_started_t is not None else v.started_t,
                "ended_t": v.ended_t,
                "duration_s": None if v.duration is None else round(v.duration, 3),
                "detail": detail,
            }
        )
    return out


def gate_rows(state: DrillState) -> dict[str, dict[str, Any]]:
    """Per gated step: requests, first request, approval latency and approver, owner, two-person held, expiries."""
    out = {}
    for step in state.playbook.steps:
        if step.gate is None:
            continue
        h = state.gate_history[step.id]
        latency = None if h.approved_t is None or h.asked_t is None else round(h.approved_t - h.asked_t, 3)
        held = None if h.approver is None or h.owner is None else h.approver != h.owner
        if h.two_person_held is not None:  # team drills compare people; a solo drill records the rule as not held
            held = h.two_person_held
        approver = h.approver if h.approver_person is None else f"{h.approver} ({h.approver_person})"
        out[step.id] = {
            "requests": h.requests,
            "requested_t": h.requested_t,
            "approved_t": h.approved_t,
            "approver": approver,
            "approver_person": h.approver_person,
            "expired": h.expired,
            "rejected": h.rejected,
            "rejected_by": list(h.rejected_by),
            "refused": h.refused,
            "owner": h.owner,
            "latency_s": latency,
            "two_person_held": held,
        }
    return out


def role_rows(state: DrillState) -> dict[str, dict[str, Any]]:
    """Per role: checklist items, done, done late, missed (never checked, or unchecked at the end)."""
    out = {}
    for rid, role in state.playbook.roles.items():
        items = [item.id for item in role.checklist]
        done = [i for i in items if state.checklist[(rid, i)].checked]
        late = [i for i in done if state.checklist[(rid, i)].late]
        missed = [i for i in items if i not in done]
        out[rid] = {
            "title": role.title,
            "items": len(items),
            "done": len(done),
            "late": len(late),
            "missed": len(missed),
            "late_items": late,
            "missed_items": missed,
        }
    return out


def phase_rows(state: DrillState, end_t: float | None) -> list[dict[str, Any]]:
    """Each phase entered, when, and how long the drill stayed in it."""
    entered = sorted(((t, p) for p, t in state.phase_t.items()), key=lambda x: (x[0], PHASES.index(_phase(x[1]))))
    out = []
    for i, (t, phase) in enumerate(entered):
        left = entered[i + 1][0] if i + 1 < len(entered) else end_t
        out.append({"phase": phase, "entered_t": t, "duration_s": None if left is None else round(left - t, 3)})
    return out


def escalation_rows(state: DrillState) -> list[dict[str, Any]]:
    """Every escalation raised, in order."""
    keys = ("t", "escalation", "kind", "subject", "late_s", "message")
    return [{k: e.get(k) for k in keys} for e in state.escalations]


def review_rows(state: DrillState) -> dict[str, list[dict[str, Any]]]:
    """Notes taken during the drill, lessons learned and action items."""
    return {
        "notes": [{"t": n["t"], "actor": n["actor"], "text": n.get("text", "")} for n in state.notes],
        "lessons": [{"t": x["t"], "actor": x["actor"], "text": x.get("text", "")} for x in state.lessons],
        "action_items": [
            {"t": x["t"], "actor": x["actor"], "text": x.get("text", ""), "owner": x.get("owner"), "due": x.get("due")}
            for x in state.actions
        ],
    }


def teardown_rows(state: DrillState) -> list[dict[str, Any]]:
    """Each teardown action run after the end: what, ok or failed (with the one-line reason), and when."""
    return [
        {"t": x["t"], "action": x["action"], "result": "ok" if x["ok"] else "failed", "reason": x["error"]}
        for x in state.teardown
    ]


def _phase(name: str) -> Any:
    return next(p for p in PHASES if p.value == name)
