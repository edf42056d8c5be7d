"""Operator commands: each is checked against the rules, then becomes events.

A refused command raises `CommandError` with a one-line reason and writes
nothing; an accepted one writes its events before it returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drillconsole.engine import flow
from drillconsole.playbook.models import FlagSetAction, Phase, SetAliasAction, Step

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine

OUTCOMES = ("restored", "failed", "aborted")


class CommandError(Exception):
    """A command the rules refuse; nothing was written."""


class CommandsMixin:
    """The command surface of the engine (mixed into `Engine`)."""

    # --- helpers --------------------------------------------------------------

    def _role(self: Engine, role: str) -> None:
        if role not in self.playbook.roles:
            raise CommandError(f"unknown role '{role}'")
        if self.state.ended:
            raise CommandError("the drill has ended")

    def _step(self: Engine, step_id: str) -> Step:
        try:
            return self.playbook.step(step_id)
        except KeyError:
            raise CommandError(f"unknown step '{step_id}'") from None

    def _has(self: Engine, role: str, authority: str) -> bool:
        return authority in self.playbook.roles[role].authority

    def _done(self: Engine) -> None:
        self.progress()
        self.wake()

    def _may_execute(self: Engine, role: str, step: Step) -> None:
        if role != step.owner and not self._has(role, "execute_steps"):
            raise CommandError(f"step {step.id} is owned by {step.owner}; {role} lacks execute_steps authority")

    # --- checklist --------------------------------------------------------------

    def check(self: Engine, role: str, item: str, *, auto: bool = False) -> None:
        """Tick a checklist item of `role`."""
        self._role(role)
        key = (role, item)
        if key not in self.state.checklist:
            raise CommandError(f"role {role} has no checklist item '{item}'")
        if self.state.checklist[key].checked:
            raise CommandError(f"{role}/{item} is already checked")
        spec = next(i for i in self.playbook.roles[role].checklist if i.id == item)
        if not self.state.phase_reached(spec.phase):
            raise CommandError(
                f"{role}/{item} is for phase {spec.phase.value}; the drill is in {self.state.phase.value}"
            )
        due = self.state.item_due_t(role, item)
        late = due is not None and self.now() > due
        self.emit("checklist.checked", role, {"role": role, "item": item, "due_t": due, "late": late}, auto=auto)
        self._done()

    def uncheck(self: Engine, role: str, item: str, *, auto: bool = False) -> None:
        """Untick a checklist item of `role`."""
        self._role(role)
        check = self.state.checklist.get((role, item))
        if check is None:
            raise CommandError(f"role {role} has no checklist item '{item}'")
        if not check.checked:
            raise CommandError(f"{role}/{item} is not checked")
        self.emit("checklist.unchecked", role, {"role": role, "item": item}, auto=auto)
        self._done()

    # --- decision ---------------------------------------------------------------

    def decide(self: Engine, role: str, option: str, rationale: str, *, auto: bool = False) -> None:
        """Record the commander's decision with its rationale."""
        self._role(role)
        step = self.playbook.decision_step
        if step is None:
            raise CommandError("this playbook has no decision step")
        if not self._has(role, "declare_rollback"):
            raise CommandError(f"{role} lacks declare_rollback authority")
        if self.state.decision is not None:
            raise CommandError(f"already decided: {self.state.decision['option']}")
        options = {o.id: o for o in step.options}
        if option not in options:
            raise CommandError(f"unknown option '{option}' (choose {', '.join(options)})")
        if not rationale.strip():
            raise CommandError("a decision needs a rationale")
        if not self.state.phase_reached(Phase.detect):
            raise CommandError("nothing to decide yet: no fault has been detected")
        proposed = [self.playbook.trigger(tid).proposes for _, tid in self.state.fired_order]
        data = {
            "option": option,
            "rationale": rationale.strip(),
            "expected": options[option].expected,
            "proposed": next((p for p in proposed if p), None),
        }
        self.emit("decision.made", role, data, auto=auto)
        self._done()

    # --- gates ------------------------------------------------------------------

    def request_gate(self: Engine, role: str, step_id: str, *, auto: bool = False) -> None:
        """Ask the approvers of a gated step to approve it."""
        self._role(role)
        step = self._step(step_id)
        if step.gate is None:
            raise CommandError(f"step {step_id} has no gate")
        self._may_execute(role, step)
        self._runnable(step)
        gate = self.state.gates[step_id]
        if gate.status in ("requested", "approved"):
            raise CommandError(f"gate of {step_id} is already {gate.status}")
        expires = round(self.now() + step.gate.timeout, 3)
        self.emit(
            "gate.requested",
            role,
            {"step": step_id, "approvers": self.allowed_approvers(step), "expires_t": expires},
            auto=auto,
        )
        self._done()

    def allowed_approvers(self: Engine, step: Step) -> list[str]:
        """Roles that may approve this step's gate right now (authority, two-person rule)."""
        assert step.gate is not None
        return [
            r
            for r in step.gate.approver
            if self._has(r, "approve_gate") and not (step.gate.two_person and r == step.owner)
        ]

    def approve(self: Engine, role: str, step_id: str, phrase: str, *, auto: bool = False) -> None:
        """Approve a requested gate with the exact confirm phrase; the step then runs."""
        self._role(role)
        step = self._step(step_id)
        gate = self.state.gates.get(step_id)
        if step.gate is None or gate is None:
            raise CommandError(f"step {step_id} has no gate")
        if gate.status != "requested":
            raise CommandError(f"gate of {step_id} is not awaiting approval ({gate.status})")
        if not self._has(role, "approve_gate"):
            raise CommandError(f"{role} lacks approve_gate authority")
        if role not in step.gate.approver:
            raise CommandError(f"{role} is not an approver of {step_id} (approvers: {', '.join(step.gate.approver)})")
        if step.gate.two_person and role in (step.owner, gate.requested_by):
            raise CommandError(f"two-person rule: {role} cannot approve a step it executes or requested")
        if phrase != step.gate.phrase:
            raise CommandError("confirm phrase does not match")
        self.emit("gate.approved", role, {"step": step_id, "approver": role}, auto=auto)
        self.start_step(step, step.owner, auto=auto)
        self._done()

    def reject(self: Engine, role: str, step_id: str, reason: str, *, auto: bool = False) -> None:
        """Refuse a requested gate; the step does not run."""
        self._role(role)
        step = self._step(step_id)
        gate = self.state.gates.get(step_id)
        if step.gate is None or gate is None or gate.status != "requested":
            raise CommandError(f"no pending gate on {step_id}")
        if role not in step.gate.approver or not self._has(role, "approve_gate"):
            raise CommandError(f"{role} may not decide the gate of {step_id}")
        self.emit("gate.rejected", role, {"step": step_id, "approver": role, "reason": reason.strip()}, auto=auto)
        self._done()

    def deny(self: Engine, role: str, command: str, reason: str, *, step: str | None = None) -> None:
        """Log a command the console refused (`access.denied`): who, which command and step, why — never typed text."""
        self._role(role)
        self.emit("access.denied", role, {"command": command, "step": step, "reason": reason})

    # --- steps ------------------------------------------------------------------

    def _runnable(self: Engine, step: Step) -> None:
        reason = flow.blocker(self.state, step)
        if reason is not None:
            raise CommandError(reason)

    def run_step(self: Engine, role: str, step_id: str, *, auto: bool = False) -> str:
        """Run a step; a gated step without approval gets its gate requested instead."""
        self._role(role)
        step = self._step(step_id)
        view = self.state.steps[step_id]
        if step.kind == "decision":
            raise CommandError("a decision step is completed by deciding")
        if view.status == "failed":
            raise CommandError(f"step {step_id} failed; retry it or skip it")
        if view.status != "pending":
            raise CommandError(f"step {step_id} is {view.status}")
        self._may_execute(role, step)
        self._runnable(step)
        if step.gate is not None and self.state.gates[step_id].status != "approved":
            self.request_gate(role, step_id, auto=auto)
            return "gate requested"
        self.start_step(step, role, auto=auto)
        self._done()
        return "started"

    def retry(self: Engine, role: str, step_id: str, *, auto: bool = False) -> str:
        """Run a failed step again (a gated step needs a fresh approval)."""
        self._role(role)
        step = self._step(step_id)
        view = self.state.steps[step_id]
        if view.status != "failed" or view.will_retry:
            raise CommandError(
                f"step {step_id} has not failed" if view.status != "failed" else f"step {step_id} retries by itself"
            )
        self._may_execute(role, step)
        if step.gate is not None and self.state.gates[step_id].status != "approved":
            self.request_gate(role, step_id, auto=auto)
            return "gate requested"
        self.start_step(step, role, auto=auto, retry=True)
        self._done()
        return "started"

    def skip(self: Engine, role: str, step_id: str, reason: str, *, auto: bool = False) -> None:
        """Skip a pending or failed step, with a reason."""
        self._role(role)
        step = self._step(step_id)
        view = self.state.steps[step_id]
        if not reason.strip():
            raise CommandError("skipping needs a reason")
        if view.status not in ("pending", "failed"):
            raise CommandError(f"step {step_id} is {view.status}")
        if step.kind == "decision":
            raise CommandError("the decision cannot be skipped")
        self._may_execute(role, step)
        self.emit("step.skipped", role, {"step": step_id, "reason": reason.strip()}, auto=auto)
        self._done()

    def undo(self: Engine, role: str, step_id: str, *, auto: bool = False) -> None:
        """Reverse a succeeded step through its `undo`."""
        self._role(role)
        step = self._step(step_id)
        view = self.state.steps[step_id]
        if step.undo is None:
            raise CommandError(f"step {step_id} has no undo")
        if view.status != "succeeded":
            raise CommandError(f"step {step_id} is {view.status}; only a succeeded step can be undone")
        self._may_execute(role, step)
        action: Any = step.undo
        if action == "restore":
            r = view.result
            if isinstance(step.action, SetAliasAction):
                action = SetAliasAction(
                    type="registry.set_alias",
                    target=r["target"],
                    alias=r["alias"],
                    **{"from": r["to"], "to": r["from"]},
                )
            elif isinstance(step.action, FlagSetAction):
                action = FlagSetAction(
                    type="flag.set", target=r["target"], flag=r["flag"], value=r["from"], segment=r.get("segment")
                )
        self.emit("note.added", role, {"text": f"undo of {step_id} requested"}, auto=auto)
        self._spawn(self._run_action(step, view.attempts, undo_action=action, auto=auto))
        self.wake()

    # --- notes, end, review -------------------------------------------------------

    def note(self: Engine, role: str, text: str, *, auto: bool = False) -> None:
        """Add a note to the timeline as `role`."""
        self._role(role)
        if not text.strip():
            raise CommandError("a note needs text")
        self.emit("note.added", role, {"text": text.strip()}, auto=auto)

    def end(self: Engine, role: str, outcome: str | None = None, reason: str = "", *, auto: bool = False) -> str:
        """End the drill: restored once verification passed, otherwise aborted (or the outcome given)."""
        self._role(role)
        if not self._has(role, "end_drill"):
            raise CommandError(f"{role} lacks end_drill authority")
        if outcome is not None and outcome not in OUTCOMES:
            raise CommandError(f"unknown outcome '{outcome}' (choose {', '.join(OUTCOMES)})")
        if outcome == "restored" and not self.state.phase_reached(Phase.restore):
            raise CommandError("cannot declare restored before verification passed")
        if outcome is None:
            outcome = "restored" if self.state.phase_reached(Phase.restore) else "aborted"
        self.end_drill(role, outcome, reason or f"ended by {role}", auto=auto)
        return outcome

    def end_drill(self: Engine, actor: str, outcome: str, reason: str, *, auto: bool = False) -> None:
        """Write `session.ended` (no authority check: the engine's own ending)."""
        if self.state.ended:
            return
        self.emit("session.ended", actor, {"outcome": outcome, "reason": reason}, auto=auto)
        self.wake()

    def lesson(self: Engine, role: str, text: str, *, auto: bool = False) -> None:
        """Record a lesson learned (review)."""
        if role not in self.playbook.roles:
            raise CommandError(f"unknown role '{role}'")
        if not text.strip():
            raise CommandError("a lesson needs text")
        self.emit("review.lesson", role, {"text": text.strip()}, auto=auto)

    def action_item(self: Engine, role: str, text: str, owner: str, due: str, *, auto: bool = False) -> None:
        """Record an action item with its owner role and due date (review)."""
        if role not in self.playbook.roles or owner not in self.playbook.roles:
            raise CommandError(f"unknown role '{owner if role in self.playbook.roles else role}'")
        if not text.strip():
            raise CommandError("an action item needs text")
        self.emit("review.action", role, {"text": text.strip(), "owner": owner, "due": due}, auto=auto)
