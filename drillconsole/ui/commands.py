"""The command palette provider: every key action the held roles allow, plus themes, speeds and role views."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from drillconsole.clock import SteeredClock
from drillconsole.drill import flow, offer
from drillconsole.drill.wording import KINDS
from drillconsole.ui.host import DrillHost
from drillconsole.ui.operator import SPEEDS
from drillconsole.ui.screens.main import MainScreen

Command = tuple[str, Callable[[], object], str]


class ListedCommands(Provider):
    """A palette provider over a list of (name, callback, help); names starting with `HIDDEN` show only when searched."""

    HIDDEN: tuple[str, ...] = ()

    def _commands(self) -> list[Command]:
        """(name, callback, help) of every command, as things stand now."""
        raise NotImplementedError

    async def discover(self) -> Hits:
        """The commands shown before anything is typed."""
        for name, callback, help_text in self._commands():
            if not name.startswith(self.HIDDEN):
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy-match the query against every command."""
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class DrillCommands(ListedCommands):
    """Commands of the drill, built from the playbook, the current state and the roles this console's person holds
    (a command none of them may do is not offered, as its key is not: see `ui/offering.py`)."""

    HIDDEN = ("Check item", "Uncheck item", "Timeline", "Speed", "Reject")

    @property
    def drill_app(self) -> DrillHost:
        assert isinstance(self.app, DrillHost)  # the provider is registered by DrillApp only
        return self.app

    def main_screen(self) -> MainScreen | None:
        main = self.drill_app.main_screen
        return main if isinstance(main, MainScreen) else None

    def _commands(self) -> list[Command]:
        app = self.drill_app
        main = self.main_screen()
        if main is None:
            return []
        pb, state = app.seat.playbook, app.seat.state
        held = main.held_roles()
        tabs = main.checklist_roles()
        out: list[Command] = []
        if not state.ended:
            out += self._step_commands(held)
            if state.fired_order and state.decision is None and main.not_offered("decide") is None:
                out.append(("Decide on the response", main.action_decide, "record the decision with a rationale"))
            for rid, item in pb.checklist_items():
                if rid not in held or rid not in tabs:
                    continue
                verb = "Uncheck item" if state.checklist[(rid, item.id)].checked else "Check item"
                out.append(
                    (
                        f"{verb}: {rid}/{item.id} — {item.text}",
                        partial(main.action_check_item, rid, item.id),
                        f"{verb.split()[0].lower()} it as {rid}",
                    )
                )
        if not state.ended and held:
            out.append(("Add a note", main.action_note, "a timeline note as the current role"))
            out.append(("Find a checklist item", main.action_filter_checklist, "type part of its text (key /)"))
        for rid in tabs if main.role_fixed else [r for r in pb.roles if r in held]:
            out.append((f"Role view: {pb.roles[rid].title} ({rid})", partial(main.show_role, rid), "act as this role"))
        for theme in app.drill_themes:
            out.append((f"Theme: {theme}", partial(setattr, app, "theme", theme), "switch the colours live"))
        clock = app.seat.clock
        if isinstance(clock, SteeredClock) and not state.ended:
            paused = clock.paused
            out.append(("Resume the drill clock" if paused else "Pause the drill clock", app.toggle_pause, "key p"))
        for speed in SPEEDS:
            out.append((f"Speed: {speed:g}×", partial(app.set_speed, speed), "drill seconds per real second"))
        for role in [None, "engine", *pb.roles]:
            out.append((f"Timeline: role {role or 'all'}", partial(self._filter, role=role), "show one role's events"))
        for kind in [None, *KINDS]:
            out.append(
                (f"Timeline: kind {kind or 'all'}", partial(self._filter, kind=kind or ""), "show one kind of event")
            )
        if not state.ended and main.not_offered("end_drill") is None:
            out.append(("End the drill", main.action_end_drill, "restored once verified, otherwise aborted"))
        out.append(("Help: keys", main.action_help, "every key of the console"))
        return out

    def _step_commands(self, held: list[str]) -> list[Command]:
        """Step and gate commands that apply to each step as it stands and that a held role may give."""
        app = self.drill_app
        main = self.main_screen()
        assert main is not None
        state = app.seat.state
        out: list[Command] = []
        for step in app.seat.playbook.steps:
            name = f"{step.title} ({step.id})"
            status = state.steps[step.id].status
            gate = state.gates.get(step.id)
            ready = status == "pending" and flow.blocker(state, step) is None
            if step.kind == "decision":
                continue
            runs = offer.executes(app.seat.playbook, held, step)
            approves = offer.approves(app.seat.playbook, held, step, gate.requested_by if gate else None)
            if not runs and not approves:
                continue
            if runs and ready and (gate is None or gate.status != "requested"):
                help_text = "a gated step asks for approval first" if step.gate else "run it now"
                out.append((f"Run step: {name}", partial(main.action_run_step, step.id), help_text))
            if runs and status == "failed":
                out.append((f"Retry step: {name}", partial(main.action_retry_step, step.id), "run a failed step again"))
            if runs and status in ("pending", "failed"):
                out.append((f"Skip step: {name}", partial(main.action_skip_step, step.id), "skip it, with a reason"))
            if runs and step.undo is not None and status == "succeeded":
                out.append((f"Undo step: {name}", partial(main.action_undo_step, step.id), "reverse a succeeded step"))
            if approves and gate is not None and (gate.status == "requested" or (ready and runs)):
                out.append(
                    (
                        f"Approve gate: {name}",
                        partial(main.action_approve, step.id),
                        "type the confirm phrase as an allowed approver",
                    )
                )
            if approves and gate is not None and gate.status == "requested":
                out.append(
                    (
                        f"Reject gate: {name}",
                        partial(main.action_reject_gate, step.id),
                        "refuse the pending request, with a reason",
                    )
                )
        return out

    def _filter(self, role: str | None = "", kind: str | None = None) -> None:
        main = self.main_screen()
        if main is None:
            return
        current_role, current_kind = main.timeline_filter()
        new_role = current_role if role == "" else role
        new_kind = current_kind if kind is None else (kind or None)
        main.set_timeline_filter(new_role, new_kind)
