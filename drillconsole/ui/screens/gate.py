"""The gate modal: exactly what the step will do, where, who may approve, and the typed phrase."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from drillconsole.drill.wording import format_duration
from drillconsole.playbook.models import Playbook, Step
from drillconsole.ui.present import GATE_MARK
from drillconsole.ui.widgets.step_detail import action_lines


@dataclass(frozen=True)
class GateApproval:
    """Who approves, with the phrase they typed."""

    approver: str
    phrase: str


class GateModal(ModalScreen[GateApproval | None]):
    """Approve a requested gate; Esc cancels and the request stays pending until it expires."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(
        self, step: Step, playbook: Playbook, approvers: list[str], preferred: str | None, *, blink: bool = True
    ) -> None:
        super().__init__(classes="dialog-screen")
        assert step.gate is not None
        self.step = step
        self._playbook = playbook
        self._approvers = approvers
        self._preferred = preferred if preferred in approvers else (approvers[0] if approvers else None)
        self._blink = blink

    def compose(self) -> ComposeResult:
        step, gate, drill = self.step, self.step.gate, self._playbook.drill
        assert gate is not None
        env = drill.environment
        env_markup = "[bold reverse $production] PRODUCTION [/]" if env == "production" else f"[b]{escape(env)}[/b]"
        with Vertical(classes="dialog", id="gate-dialog") as box:
            box.border_title = f"{GATE_MARK} Approve gated step"
            yield Static(f"[b]{escape(step.title)}[/b]  [dim]{escape(step.id)} · owner {escape(step.owner)}[/dim]")
            yield Static("\n".join(action_lines(step.action, self._playbook)) if step.action else "")
            yield Static(f"Environment: {env_markup} · model {escape(drill.model)}")
            rule = " (two-person rule: not the step owner)" if gate.two_person else ""
            yield Static(f"Allowed approvers now: [b]{escape(', '.join(self._approvers) or 'nobody')}[/b]{rule}")
            yield Static("", id="gate-expiry")
            with Horizontal(classes="field"):
                yield Label("Approver ")
                options = [(self._playbook.roles[r].title + f" ({r})", r) for r in self._approvers]
                if options:
                    yield Select(options, value=self._preferred, allow_blank=False, id="approver")
                else:
                    yield Static("[b $band-critical]no role may approve this gate[/]")
            yield Static(f"Type the confirm phrase exactly:  [b $accent]{escape(gate.phrase)}[/]")
            yield Input(placeholder="confirm phrase", id="phrase")
            with Horizontal(classes="buttons"):
                yield Button("Approve and run", variant="error", id="approve", disabled=True)
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        phrase = self.query_one("#phrase", Input)
        phrase.cursor_blink = self._blink
        phrase.focus()

    @on(Input.Changed, "#phrase")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#approve", Button).disabled = not self._ready()

    def _ready(self) -> bool:
        assert self.step.gate is not None
        return bool(self._approvers) and self.query_one("#phrase", Input).value == self.step.gate.phrase

    @on(Input.Submitted, "#phrase")
    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        if not self._ready():
            return
        approver = self.query_one("#approver", Select).value
        self.dismiss(GateApproval(str(approver), self.query_one("#phrase", Input).value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without approving."""
        self.dismiss(None)

    def gate_changed(self, status: str, expires_in: float | None) -> None:
        """Called by the app each refresh: close if the request expired or was settled elsewhere."""
        if status != "requested":
            word = "expired" if status == "expired" else f"is now {status}"
            self.app.notify(f"Gate of {self.step.id} {word}; nothing ran.", severity="warning", timeout=8)
            self.dismiss(None)
            return
        if expires_in is not None:
            self.query_one("#gate-expiry", Static).update(f"Request expires in [b]{format_duration(expires_in)}[/b]")
