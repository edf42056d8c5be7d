"""The command processor: every operator command is checked against the drill model's rules, then becomes events.

A refused command raises `CommandError` with the one-line reason from
`drillconsole.drill.rules`; nothing but an `access.denied` record (for gate
decisions) is written. Every caller (console, script, auto player, participants)
goes through here, so no UI can bypass a gate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drillconsole.drill import rules
from drillconsole.engine.recorder import Recorder
from drillconsole.engine.steps import StepRunner
from drillconsole.errors import CommandError
from drillconsole.log.contract import EventType
from drillconsole.playbook.models import Action, FlagSetAction, SetAliasAction, Step


def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise CommandError(reason)


class CommandProcessor:
    """Operator commands: check (pure rules), then write."""

    def __init__(self, recorder: Recorder, runner: StepRunner, after: Callable[[], None]) -> None:
        self.rec = recorder
        self.runner = runner
        self._after = after

    # --- helpers --------------------------------------------------------------

    def _step(self, role: str, step_id: str) -> Step:
        self._role(role)
        _refuse(rules.step_problem(self.rec.playbook, step_id))
        return self.rec.playbook.step(step_id)

    def _role(self, role: str) -> None:
        # A person's command (team drills) may only act for a role that person holds.
        _refuse(rules.role_problem(self.rec.state, role) or rules.person_problem(self.rec.state, self.rec.person, role))

    def _deny(self, role: str, command: str, step: str, reason: str | None) -> None:
        """Log a refused gate decision (who, which gate, why), then refuse."""
        if reason is None:
            return
        self.rec.emit(EventType.ACCESS_DENIED, role, {"command": command, "step": step, "reason": reason})
        raise CommandError(reason)

    # --- checklist --------------------------------------------------------------

    def check(self, role: str, item: str, *, auto: bool = False) -> None:
        """Tick a checklist item of `role`."""
        self._role(role)
        _refuse(rules.may_check(self.rec.state, role, item))
        due = self.rec.state.item_due_t(role, item)
        late = due is not None and self.rec.now() > due
        data = {"role": role, "item": item, "due_t": due, "late": late}
        self.rec.emit(EventType.CHECKLIST_CHECKED, role, data, auto=auto)
        self._after()

    def uncheck(self, role: str, item: str, *, auto: bool = False) -> None:
        """Untick a checklist item of `role`."""
        self._role(role)
        _refuse(rules.may_check(self.rec.state, role, item, uncheck=True))
        self.rec.emit(EventType.CHECKLIST_UNCHECKED, role, {"role": role, "item": item}, auto=auto)
        self._after()

    # --- decision ---------------------------------------------------------------

    def decide(self, role: str, option: str, rationale: str, *, auto: bool = False) -> None:
        """Record the commander's decision with its rationale."""
        self._role(role)
        state = self.rec.state
        _refuse(rules.may_decide(state, role, option, rationale))
        step = self.rec.playbook.decision_step
        assert step is not None
        expected = next(o.expected for o in step.options if o.id == option)
        proposed = [self.rec.playbook.trigger(tid).proposes for _, tid in state.fired_order]
        data = {
            "option": option,
            "rationale": rationale.strip(),
            "expected": expected,
            "proposed": next((p for p in proposed if p), None),
        }
        self.rec.emit(EventType.DECISION_MADE, role, data, auto=auto)
        self._after()

    # --- gates ------------------------------------------------------------------

    def allowed_approvers(self, step: Step) -> list[str]:
        """Roles that may approve this step's gate now (authority; the owner and requester excluded under two-person)."""
        gate = self.rec.state.gates.get(step.id)
        return rules.allowed_approvers(self.rec.playbook, step, gate.requested_by if gate else None)

    def request_gate(self, role: str, step_id: str, *, auto: bool = False, undo: bool = False) -> None:
        """Ask the approvers of a gated step to approve it (or to approve its undo)."""
        step = self._step(role, step_id)
        _refuse(rules.may_request(self.rec.state, role, step, undo=undo))
        assert step.gate is not None
        expires = round(self.rec.now() + step.gate.timeout, 3)
        data: dict[str, Any] = {
            "step": step_id,
            "approvers": rules.allowed_approvers(self.rec.playbook, step, role),
            "expires_t": expires,
        }
        if undo:
            data["undo"] = True
        self.rec.emit(EventType.GATE_REQUESTED, role, data, auto=auto)
        self._after()

    def approve(
        self, role: str, step_id: str, phrase: str, *, auto: bool = False, request_seq: int | None = None
    ) -> None:
        """Approve a requested gate with the exact confirm phrase; the step (or its undo) then runs."""
        step = self._step(role, step_id)
        state, person = self.rec.state, self.rec.person
        problem = rules.may_approve(state, role, step, phrase, person=person, request_seq=request_seq)
        self._deny(role, "approve", step_id, problem)
        gate = state.gates[step_id]
        for_undo = gate.for_undo
        data: dict[str, Any] = {"step": step_id, "approver": role}
        if gate.request_seq is not None and person is not None:
            data["request_seq"] = gate.request_seq
        if step.gate is not None and step.gate.two_person and person is not None:
            data["two_person_held"] = person not in (gate.requested_person, state.holders.get(step.owner))
        self.rec.emit(EventType.GATE_APPROVED, role, data, auto=auto)
        if for_undo:
            self.runner.undo(step, step.owner, self._undo_action(step), auto=auto)
        else:
            self.runner.start(step, step.owner, auto=auto)
        self._after()

    def reject(
        self, role: str, step_id: str, reason: str, *, auto: bool = False, request_seq: int | None = None
    ) -> None:
        """Refuse a requested gate; the step does not run."""
        step = self._step(role, step_id)
        self._deny(role, "reject", step_id, rules.may_reject(self.rec.state, role, step, request_seq=request_seq))
        data = {"step": step_id, "approver": role, "reason": reason.strip()}
        self.rec.emit(EventType.GATE_REJECTED, role, data, auto=auto)
        self._after()

    def deny(self, role: str, command: str, reason: str, *, step_id: str | None = None) -> None:
        """Log a command a console refused before sending it (who, which command and step, why; never typed text)."""
        self._role(role)
        data: dict[str, Any] = {"command": command, "reason": reason}
        if step_id is not None:
            data["step"] = step_id
        self.rec.emit(EventType.ACCESS_DENIED, role, data)

    # --- steps ------------------------------------------------------------------

    def run_step(self, role: str, step_id: str, *, auto: bool = False) -> str:
        """Run a step; a gated step without approval gets its gate requested instead."""
        step = self._step(role, step_id)
        _refuse(rules.may_run(self.rec.state, role, step))
        if step.gate is not None and self.rec.state.gates[step_id].status != "approved":
            self.request_gate(role, step_id, auto=auto)
            return "gate requested"
        self.runner.start(step, role, auto=auto)
        self._after()
        return "started"

    def retry(self, role: str, step_id: str, *, auto: bool = False) -> str:
        """Run a failed step again (a gated step needs a fresh approval)."""
        step = self._step(role, step_id)
        _refuse(rules.may_retry(self.rec.state, role, step))
        if step.gate is not None and self.rec.state.gates[step_id].status != "approved":
            self.request_gate(role, step_id, auto=auto)
            return "gate requested"
        self.runner.start(step, role, auto=auto, retry=True)
        self._after()
        return "started"

    def skip(self, role: str, step_id: str, reason: str, *, auto: bool = False) -> None:
        """Skip a pending or failed step, with a reason."""
        step = self._step(role, step_id)
        _refuse(rules.may_skip(self.rec.state, role, step, reason))
        self.rec.emit(EventType.STEP_SKIPPED, role, {"step": step_id, "reason": reason.strip()}, auto=auto)
        self._after()

    def undo(self, role: str, step_id: str, *, auto: bool = False) -> str:
        """Reverse a succeeded step through its `undo`; a gated step's undo asks its approvers first."""
        step = self._step(role, step_id)
        _refuse(rules.may_undo(self.rec.state, role, step))
        if step.gate is not None:
            self.request_gate(role, step_id, auto=auto, undo=True)
            return "gate requested"
        self.runner.undo(step, role, self._undo_action(step), auto=auto)
        self._after()
        return "started"

    def _undo_action(self, step: Step) -> Action:
        """The step's undo; `restore` puts back what the step's own result says it changed."""
        action = step.undo
        assert action is not None
        if action != "restore":
            return action
        r = self.rec.state.steps[step.id].result
        if isinstance(step.action, SetAliasAction):
            return SetAliasAction(
                type="registry.set_alias", target=r["target"], alias=r["alias"], **{"from": r["to"], "to": r["from"]}
            )
        if isinstance(step.action, FlagSetAction):
            return FlagSetAction(
                type="flag.set", target=r["target"], flag=r["flag"], value=r["from"], segment=r.get("segment")
            )
        raise CommandError(f"step {step.id}: `undo: restore` needs a registry or flag action")

    # --- notes, end, review -------------------------------------------------------

    def note(self, role: str, text: str, *, auto: bool = False) -> None:
        """Add a note to the timeline as `role`."""
        self._role(role)
        _refuse(None if text.strip() else "a note needs text")
        self.rec.emit(EventType.NOTE_ADDED, role, {"text": text.strip()}, auto=auto)

    def end(self, role: str, outcome: str | None = None, reason: str = "", *, auto: bool = False) -> str:
        """End the drill: restored once verification passed, otherwise aborted (or the outcome given)."""
        self._role(role)
        _refuse(rules.may_end(self.rec.state, role, outcome))
        outcome = outcome or rules.default_outcome(self.rec.state)
        self.end_drill(role, outcome, reason or f"ended by {role}", auto=auto)
        return outcome

    def end_drill(self, actor: str, outcome: str, reason: str, *, auto: bool = False) -> None:
        """Write `session.ended` (no authority check: the engine's own ending, or quitting the console)."""
        if self.rec.state.ended:
            return
        self.rec.emit(EventType.SESSION_ENDED, actor, {"outcome": outcome, "reason": reason}, auto=auto)
        self._after()

    def lesson(self, role: str, text: str, *, auto: bool = False) -> None:
        """Record a lesson learned (review)."""
        _refuse(None if role in self.rec.playbook.roles else f"unknown role '{role}'")
        _refuse(rules.person_problem(self.rec.state, self.rec.person, role))
        _refuse(None if text.strip() else "a lesson needs text")
        self.rec.emit(EventType.REVIEW_LESSON, role, {"text": text.strip()}, auto=auto)

    def action_item(self, role: str, text: str, owner: str, due: str, *, auto: bool = False) -> None:
        """Record an action item with its owner role and due date (review)."""
        roles = self.rec.playbook.roles
        _refuse(None if role in roles and owner in roles else f"unknown role '{owner if role in roles else role}'")
        _refuse(rules.person_problem(self.rec.state, self.rec.person, role))
        _refuse(None if text.strip() else "an action item needs text")
        data = {"text": text.strip(), "owner": owner, "due": due}
        self.rec.emit(EventType.REVIEW_ACTION, role, data, auto=auto)
