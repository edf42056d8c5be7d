"""What the main screen's keys do: each sends one engine command; a refusal shows as an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work

from drillconsole.drill.wording import KINDS
from drillconsole.errors import CommandError
from drillconsole.ui.acting import ActingRole
from drillconsole.ui.host import DrillHost
from drillconsole.ui.phrase import check_phrase
from drillconsole.ui.screens.confirm import ConfirmScreen
from drillconsole.ui.screens.help import HelpScreen
from drillconsole.ui.screens.prompt import TextPrompt

if TYPE_CHECKING:  # the playbook models and the modals that use them load with the drill, after the first frame
    from drillconsole.engine.seat import DrillSeat
    from drillconsole.playbook.models import Authority, Step
    from drillconsole.ui.screens.gate import GateApproval

SPEEDS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
"""Clock speeds the +/- keys step through."""


class Operator(ActingRole):
    """Mixin of MainScreen: key actions and the commands behind them (the engine enforces every rule)."""

    app: DrillHost
    role_fixed: str | None

    if TYPE_CHECKING:  # provided by MainScreen

        def selected_step(self) -> Step | None: ...
        def select_step(self, step_id: str) -> None: ...
        def current_role(self) -> str: ...
        def checklist_target(self) -> tuple[str, str | None]: ...
        def cycle_role_view(self, delta: int) -> None: ...
        def switch_role(self, role: str) -> None: ...
        def focus_checklist(self) -> Any: ...
        def set_timeline_filter(self, role: str | None, kind: str | None) -> None: ...
        def follow_step(self, step_id: str) -> None: ...
        def timeline_filter(self) -> tuple[str | None, str | None]: ...

    # --- plumbing ---------------------------------------------------------------

    @property
    def seat(self) -> DrillSeat:
        return self.app.seat

    def command(self, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """Send a command; on refusal notify the one-line reason. Returns (accepted, result)."""
        try:
            result = fn(*args)
        except CommandError as exc:
            self.app.notify(str(exc), title="Refused", severity="error")
            return False, None
        self.app.refresh_now()
        return True, result

    def _step(self, step_id: str | None) -> Step | None:
        if step_id is not None:
            self.select_step(step_id)
            return self.seat.playbook.step(step_id)
        step = self.selected_step()
        if step is None:
            self.app.notify("no step selected", severity="error")
        return step

    def role_with(self, authority: Authority) -> str:
        """The current role if it holds the authority, else the first role that does."""
        role = self.current_role()
        if authority in self.seat.playbook.roles[role].authority:
            return role
        holders = self.seat.playbook.roles_with(authority)
        return holders[0] if holders else role

    # --- steps --------------------------------------------------------------------

    @work(group="dialog")
    async def action_run_step(self, step_id: str | None = None) -> None:
        """Run the selected step as the acting role; a gated one gets its gate requested and the approval dialog."""
        step = self._step(step_id)
        if step is None or (actor := await self.step_actor("run", step)) is None:
            return
        ok, result = self.command(self.seat.run_step, actor, step.id)
        if ok:
            self.follow_step(step.id)
        if ok and result == "gate requested":
            await self.gate_dialog(step.id)

    @work(group="dialog")
    async def action_retry_step(self, step_id: str | None = None) -> None:
        """Retry the selected failed step (a gated one needs a fresh approval)."""
        step = self._step(step_id)
        if step is None or (actor := await self.step_actor("retry", step)) is None:
            return
        ok, result = self.command(self.seat.retry, actor, step.id)
        if ok:
            self.follow_step(step.id)
        if ok and result == "gate requested":
            await self.gate_dialog(step.id)

    def action_approve(self, step_id: str | None = None) -> None:
        """Open the approval dialog of the selected step, requesting its gate first if needed."""
        step = self._step(step_id)
        if step is None:
            return
        if step.gate is None:
            self.app.notify(f"step {step.id} has no gate", title="Refused", severity="error")
            return
        self._approve_step(step)

    @work(group="dialog")
    async def _approve_step(self, step: Step) -> None:
        if self.seat.state.gates[step.id].status != "requested":
            actor = await self.step_actor("request_gate", step)
            if actor is None:
                return
            ok, _ = self.command(self.seat.request_gate, actor, step.id)
            if not ok:
                return
        await self.gate_dialog(step.id)

    @work(group="dialog")
    async def open_gate(self, step_id: str) -> None:
        """The gate dialog in a worker of its own (for callers outside a worker)."""
        await self.gate_dialog(step_id)

    async def gate_dialog(self, step_id: str) -> None:
        """Show the gate modal; it stays open until an approval passes the checks, or the user cancels.

        Awaited inside the caller's worker: a dialog worker started from another worker left the
        dismissed modal half-removed and the screen stuck.
        """
        from drillconsole.ui.screens.gate import GateModal

        if isinstance(self.app.screen, GateModal):
            return
        step = self.seat.playbook.step(step_id)
        approvers, why = self.seat.allowed_approvers(step), ""
        held = self.held_roles()  # a console approves only as a role its person holds
        if not any(r in held for r in approvers):
            who = (
                f"this console acts as {self.role_fixed} (--role)"
                if self.role_fixed
                else f"you hold {', '.join(held) or 'no role'}"
            )
            why = f"{who}, who may not approve this gate (approvers: {', '.join(approvers) or 'nobody'})"
        approvers = [r for r in approvers if r in held]

        def refusal(approval: GateApproval) -> str | None:
            """Why the engine would refuse this approval (logged), or None: the dialog closes and the engine decides.

            The engine is not called from the dialog's own key handler: the step it starts would run inside it.
            """
            assert step.gate is not None
            gate = self.seat.state.gates[step_id]
            check = check_phrase(step.gate.phrase, approval.phrase)
            if not approval.approver:
                reason = why or "no role may approve this gate"
            elif gate.status != "requested":
                reason = f"gate of {step_id} is not awaiting approval ({gate.status})"
            elif approval.approver not in self.seat.allowed_approvers(step) or (
                step.gate.two_person and approval.approver == gate.requested_by
            ):
                reason = f"{approval.approver} may not approve the gate of {step_id} (two-person rule or authority)"
            elif not check.ok:  # where it differs, never what was typed
                reason = f"confirm phrase does not match ({check.reason.split(':')[0]})"
            else:
                return None
            self.deny(approval.approver or self.role_fixed or self.current_role(), "approve", reason, step_id)
            return reason

        preferred = self.role_fixed or self.current_role()
        modal = GateModal(step, self.seat.playbook, approvers, preferred, submit=refusal, why_nobody=why)
        approval = await self.app.push_screen_wait(modal)
        if approval is None:
            return
        ok, _ = self.command(self.seat.approve, approval.approver, step_id, approval.phrase)
        if ok:
            self.follow_step(step_id)

    def action_reject_gate(self, step_id: str | None = None) -> None:
        """Refuse the selected step's pending gate, with a reason."""
        step = self._step(step_id)
        if step is not None:
            self._reject(step.id)

    @work(group="dialog")
    async def _reject(self, step_id: str) -> None:
        reason = await self.app.push_screen_wait(TextPrompt("Reject gate", f"Why is {step_id} refused?", ok="Reject"))
        if reason is not None:
            self.command(self.seat.reject, self.role_fixed or self.current_role(), step_id, reason)

    @work(group="dialog")
    async def action_skip_step(self, step_id: str | None = None) -> None:
        """Skip the selected step as the acting role, asking for the reason."""
        step = self._step(step_id)
        if step is None or (actor := await self.step_actor("skip", step)) is None:
            return
        prompt = TextPrompt("Skip step", f"Why skip '{step.title}' ({step.id})?", ok="Skip")
        reason = await self.app.push_screen_wait(prompt)
        if reason is not None:
            self.command(self.seat.skip, actor, step.id, reason)

    @work(group="dialog")
    async def action_undo_step(self, step_id: str | None = None) -> None:
        """Undo the selected succeeded step as the acting role, after a confirmation."""
        step = self._step(step_id)
        if step is None or (actor := await self.step_actor("undo", step)) is None:
            return
        sure = await self.app.push_screen_wait(
            ConfirmScreen("Undo step", f"Undo '{step.title}' ({step.id})? Its undo action runs now.", yes="Undo")
        )
        if sure:
            self.command(self.seat.undo, actor, step.id)

    # --- decision, checklist, notes --------------------------------------------------

    @work(group="dialog")
    async def action_decide(self) -> None:
        """Open the decision dialog as a role with declare_rollback authority; before any trigger, say why not."""
        pb, s = self.seat.playbook, self.seat.state
        step = pb.decision_step
        role = self.current_role()
        if step is None:
            self.refuse(role, "decide", "this playbook has no decision step")
            return
        if s.decision is not None:
            self.refuse(role, "decide", f"already decided: {s.decision['option']} by {s.decision.get('actor', '?')}")
            return
        if not s.fired_order:
            self.refuse(
                role,
                "decide",
                f"nothing to decide yet: no trigger has fired (phase {s.phase.value}); "
                "the decision opens when one does",
            )
            return
        from drillconsole.playbook.models import Authority
        from drillconsole.ui.screens.decision import DecisionModal

        actor = await self.authority_actor("decide", Authority.declare_rollback, "decide on the response")
        if actor is None:
            return
        proposed = next((p for p in (pb.trigger(tid).proposes for _, tid in s.fired_order) if p), None)
        choice = await self.app.push_screen_wait(DecisionModal(list(step.options), proposed, actor))
        if choice is not None:
            self.command(self.seat.decide, actor, choice.option, choice.rationale)

    def action_check_item(self, role: str | None = None, item: str | None = None) -> None:
        """Check (or uncheck) the highlighted item as the role of its tab (the palette switches to the role)."""
        if role is None or item is None:
            role, item = self.checklist_target()
        elif role != self.current_role():
            self.switch_role(role)
        if item is None:
            self.app.notify(f"{role} has no checklist items", severity="error")
            return
        if self.seat.state.checklist[(role, item)].checked:
            self.command(self.seat.uncheck, role, item)
        else:
            self.command(self.seat.check, role, item)

    @work(group="dialog")
    async def action_note(self) -> None:
        """Add a note to the timeline as the current role."""
        role = self.current_role()
        text = await self.app.push_screen_wait(TextPrompt("Note", f"Note as {role}:", ok="Add note"))
        if text is not None:
            self.command(self.seat.note, role, text)

    # --- views, clock, end ------------------------------------------------------------

    def action_focus_checklist(self) -> None:
        """Jump to the acting role's checklist."""
        self.focus_checklist()

    def action_pick(self, number: int) -> None:
        """Number keys: pick step N in the focused step list, otherwise item N of the acting role's checklist."""
        from drillconsole.ui.widgets.step_table import StepTable

        focused = self.app.focused
        if isinstance(focused, StepTable):
            steps = self.seat.playbook.steps
            if number <= len(steps):
                focused.select(steps[number - 1].id)
            return
        table = self.focus_checklist()
        if not table.pick(number):
            self.app.notify(f"{table.role} has no checklist item {number}", severity="warning", timeout=3)

    def action_role_view(self, delta: int) -> None:
        """Switch the role tab (the role the console acts as)."""
        self.cycle_role_view(delta)

    def action_filter_role(self) -> None:
        """Cycle the timeline's role filter: all, engine, then each role."""
        role, kind = self.timeline_filter()
        choices: list[str | None] = [None, "engine", *self.seat.playbook.roles]
        self.set_timeline_filter(choices[(choices.index(role) + 1) % len(choices)], kind)

    def action_filter_kind(self) -> None:
        """Cycle the timeline's kind filter: all, then each kind of event."""
        role, kind = self.timeline_filter()
        choices: list[str | None] = [None, *KINDS]
        self.set_timeline_filter(role, choices[(choices.index(kind) + 1) % len(choices)])

    def action_pause(self) -> None:
        """Pause or resume the drill clock (the engine just waits)."""
        self.app.toggle_pause()

    def action_speed(self, delta: int) -> None:
        """Step the clock speed up or down."""
        speed = getattr(self.seat.clock, "speed", 1.0)
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        self.app.set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, index + delta))])

    @work(group="dialog")
    async def action_end_drill(self) -> None:
        """End the drill after a confirmation: restored once verified, otherwise aborted."""
        from drillconsole.playbook.models import Authority

        role = await self.authority_actor("end", Authority.end_drill, "end the drill")
        if role is None:
            return
        question = f"End the drill now as {role}? It ends as restored once verification passed, otherwise as aborted."
        if await self.app.push_screen_wait(ConfirmScreen("End drill", question, yes="End drill")):
            self.command(self.seat.end, role)

    def action_help(self) -> None:
        """Show every key."""
        from drillconsole.ui.keys import help_rows

        self.app.push_screen(HelpScreen(help_rows()))
