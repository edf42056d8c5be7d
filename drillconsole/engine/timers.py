"""Timed rules: gate expiry, verification deadlines, automatic retries, escalations, the time limit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drillconsole.drill import evaluate
from drillconsole.log.contract import ENGINE, EventType

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine


class TimersMixin:
    """What becomes due with the passing of drill time (mixed into `Engine`)."""

    def _timer_times(self: Engine, now: float) -> list[float]:
        s, pb, times = self.state, self.playbook, []
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

    def _timers(self: Engine, now: float) -> None:
        s, pb = self.state, self.playbook
        if now >= pb.drill.time_limit:
            self.end_drill(ENGINE, "failed", f"time limit {pb.drill.time_limit:g}s reached")
            return
        for sid, gate in list(s.gates.items()):
            if gate.status == "requested" and gate.expires_t is not None and now >= gate.expires_t:
                self.emit(EventType.GATE_EXPIRED, ENGINE, {"step": sid})
        for step in pb.steps:
            view = s.steps[step.id]
            if view.status == "running" and step.kind == "verify":
                verdict, _ = evaluate.verify_progress(s, step, now)
                if verdict != "waiting":
                    self._finish_verify(step, verdict == "passed")
            elif (
                view.status == "failed"
                and view.will_retry
                and view.ended_t is not None
                and now >= view.ended_t + step.retry_delay
            ):
                self.start_step(step, step.owner, retry=True)
        for _, escalation in self._escalations_due(now, pending=False):
            self.emit(EventType.ESCALATION_RAISED, ENGINE, escalation)

    def _escalations_due(self: Engine, now: float, *, pending: bool) -> list[tuple[float, dict[str, Any]]]:
        """Escalations that are due (or, with pending, the times they will be)."""
        s, pb, out = self.state, self.playbook, []
        for esc in pb.escalations:
            candidates: list[tuple[float, str, list[str]]] = []
            if esc.kind == "gate":
                for sid, gate in s.gates.items():
                    if gate.status == "requested" and gate.requested_t is not None:
                        approvers = list(pb.step(sid).gate.approver)  # type: ignore[union-attr]
                        candidates.append((gate.requested_t + esc.after, f"gate {sid}@{gate.requested_t:g}", approvers))
            elif esc.kind == "decision" and s.decision is None and s.first_trigger_t is not None:
                candidates.append((s.first_trigger_t + esc.after, "decision", pb.roles_with("declare_rollback")))  # type: ignore[arg-type]
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
                    out.append(
                        (
                            when,
                            {
                                "escalation": esc.id,
                                "kind": esc.kind,
                                "subject": subject,
                                "late_s": late_s,
                                "late_roles": late,
                                "notify": list(esc.notify),
                                "message": message,
                            },
                        )
                    )
        return out
