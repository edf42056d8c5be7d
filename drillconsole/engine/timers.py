"""Timed rules: gate expiry, verification deadlines, automatic retries, escalations, the time limit."""

from __future__ import annotations

from typing import Any

from drillconsole.drill import evaluate
from drillconsole.engine.recorder import Recorder
from drillconsole.engine.steps import StepRunner
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.playbook.models import Authority


class Timers:
    """What becomes due with the passing of drill time."""

    def __init__(self, recorder: Recorder, runner: StepRunner) -> None:
        self.rec = recorder
        self.runner = runner

    def next_times(self, now: float) -> list[float]:
        """Every moment at which a timed rule may fire."""
        s, pb, times = self.rec.state, self.rec.playbook, [self.rec.playbook.drill.time_limit]
        for gate in s.gates.values():
            if gate.status == "requested" and gate.expires_t is not None:
                times.append(gate.expires_t)
        for step in pb.steps:
            view = s.steps[step.id]
            if view.status == "running" and step.kind == "verify":
                _, t = evaluate.verify_progress(s, step, now)
                if t is not None:
                    times.append(t)
            if view.status == "failed" and view.will_retry and view.ended_t is not None:
                times.append(view.ended_t + step.retry_delay)
        times += [t for t, _ in self._escalations_due(now, pending=True)]
        return times

    def fire(self, now: float) -> None:
        """Apply every timed rule that is due at `now`."""
        rec, s, pb = self.rec, self.rec.state, self.rec.playbook
        if now >= pb.drill.time_limit:
            if not s.ended:
                reason = f"time limit {pb.drill.time_limit:g}s reached"
                rec.emit(EventType.SESSION_ENDED, ENGINE, {"outcome": "failed", "reason": reason})
            return
        for sid, gate in list(s.gates.items()):
            if gate.status == "requested" and gate.expires_t is not None and now >= gate.expires_t:
                self._expire(sid, now)
        for step in pb.steps:
            view = s.steps[step.id]
            if view.status == "running" and step.kind == "verify":
                verdict, _ = evaluate.verify_progress(s, step, now)
                if verdict != "waiting":
                    self.runner.finish_verify(step, verdict == "passed")
            elif (
                view.status == "failed"
                and view.will_retry
                and view.ended_t is not None
                and now >= view.ended_t + step.retry_delay
            ):
                self.runner.start(step, step.owner, retry=True)
        for _, escalation in self._escalations_due(now, pending=False):
            rec.emit(EventType.ESCALATION_RAISED, ENGINE, escalation)

    def _expire(self, step_id: str, now: float) -> None:
        """A gate nobody approved in time: expired, escalated at once, and the step failed so fallbacks and people see it."""
        rec, s = self.rec, self.rec.state
        gate, step = s.gates[step_id], rec.playbook.step(step_id)
        waited = round(now - (gate.requested_t or now), 3)
        approvers = list(step.gate.approver) if step.gate else []
        rec.emit(EventType.GATE_EXPIRED, ENGINE, {"step": step_id})
        message = f"gate of {step.title} expired unapproved after {waited:g}s"
        escalation = {
            "escalation": "gate-expired",
            "kind": "gate",
            "subject": f"gate {step_id}",
            "late_s": waited,
            "late_roles": approvers,
            "notify": [r for r in rec.playbook.roles if r not in approvers],
            "message": message,
        }
        rec.emit(EventType.ESCALATION_RAISED, ENGINE, escalation)
        if s.steps[step_id].status == "pending" and not gate.for_undo:
            view = s.steps[step_id]
            failed = {"step": step_id, "attempt": view.attempts, "error": message, "will_retry": False}
            rec.emit(EventType.STEP_FAILED, ENGINE, failed)

    def _escalations_due(self, now: float, *, pending: bool) -> list[tuple[float, dict[str, Any]]]:
        """Escalations that are due (or, with pending, the times they will be)."""
        s, pb = self.rec.state, self.rec.playbook
        out: list[tuple[float, dict[str, Any]]] = []
        for esc in pb.escalations:
            candidates: list[tuple[float, str, list[str]]] = []
            if esc.kind == "gate":
                for sid, gate in s.gates.items():
                    if gate.status == "requested" and gate.requested_t is not None:
                        step_gate = pb.step(sid).gate
                        approvers = list(step_gate.approver) if step_gate else []
                        candidates.append((gate.requested_t + esc.after, f"gate {sid}@{gate.requested_t:g}", approvers))
            elif esc.kind == "decision" and s.decision is None and s.first_trigger_t is not None:
                deciders = [str(r) for r in pb.roles_with(Authority.declare_rollback)]
                candidates.append((s.first_trigger_t + esc.after, "decision", deciders))
            elif esc.kind == "checklist":
                for (rid, item), check in s.checklist.items():
                    due = s.item_due_t(rid, item)
                    if not check.checked and due is not None:
                        candidates.append((due + esc.after, f"{rid}/{item}", [rid]))
            for when, subject, late in candidates:
                if (esc.id, subject) in s.escalated:
                    continue
                if pending and when > now:
                    out.append((when, {}))
                elif not pending and now >= when:
                    late_s = round(now - when + esc.after, 3)
                    message = (
                        esc.message.format(subject=subject.split("@")[0], late=f"{late_s:g}s") if esc.message else ""
                    )
                    escalation = {
                        "escalation": esc.id,
                        "kind": esc.kind,
                        "subject": subject,
                        "late_s": late_s,
                        "late_roles": late,
                        "notify": list(esc.notify),
                        "message": message,
                    }
                    out.append((when, escalation))
        return out
