"""The gate modal: exactly what the step will do, where, who may approve, and the typed phrase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from drillconsole.drill.wording import format_duration
from drillconsole.playbook.models import Playbook, Step
from drillconsole.ui.phrase import check_phrase
from drillconsole.ui.present import GATE_MARK
from drillconsole.ui.widgets.step_detail import action_lines


@dataclass(frozen=True)
class GateApproval:
    """Who approves, with the phrase they typed."""

    approver: str
    phrase: str


Submit = Callable[[GateApproval], str | None]
"""Check an approval before the dialog closes: None when it may go to the engine, else why not (logged)."""


class GateModal(ModalScreen[GateApproval | None]):
    """Approve a requested gate; it closes only when the approval went through, on Esc, or on Cancel."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(
        self,
        step: Step,
        playbook: Playbook,
        approvers: list[str],
        preferred: str | None,
        *,
        submit: Submit,
        why_nobody: str = "",
    ) -> None:
        super().__init__(classes="dialog-screen")
        assert step.gate is not None
        self.step = step
        self._playbook = playbook
        self._approvers = approvers
        self._preferred = preferred if preferred in approvers else (approvers[0] if approvers else None)
        self._submit = submit
        self._why_nobody = why_nobody or "no role may approve this gate"
        self.refusal = ""
        self._settling = False
        """The last refusal shown (empty until Enter was pressed on a phrase or approver the engine refused)."""

    def compose(self) -> ComposeResult:
        step, gate, drill = self.step, self.step.gate, self._playbook.drill
        assert gate is not None
        env = drill.environment
        # A space after bold text goes inside the tag: SVG screenshots and some browsers draw bold wider and eat it.
        env_markup = "[bold reverse $production] PRODUCTION [/]" if env == "production" else f"[b]{escape(env)} [/b]"
        with Vertical(classes="dialog", id="gate-dialog") as box:
            box.border_title = f"{GATE_MARK} Approve gated step"
            yield Static(f"[b]{escape(step.title)}[/b]  [dim]{escape(step.id)} · owner {escape(step.owner)}[/dim]")
            yield Static("\n".join(action_lines(step.action, self._playbook)) if step.action else "")
            yield Static(f"Environment: {env_markup}· model {escape(drill.model)}")
            rule = "(two-person rule: not the step owner)" if gate.two_person else ""
            yield Static(f"Allowed approvers now: [b]{escape(', '.join(self._approvers) or 'nobody')} [/b]{rule}")
            yield Static("", id="gate-expiry")
            with Horizontal(classes="field"):
                yield Label("Approver ")
                options = [(self._playbook.roles[r].title + f" ({r})", r) for r in self._approvers]
                if options:
                    yield Select(options, value=self._preferred, allow_blank=False, id="approver")
                else:
                    yield Static(f"[b $band-critical]{escape(self._why_nobody)}[/]")
            yield Static(f"Type the confirm phrase exactly:  [b $accent]{escape(gate.phrase)}[/]")
            yield Input(placeholder="confirm phrase", id="phrase")
            yield Static("[dim]nothing typed yet[/dim]", id="phrase-match")
            yield Static("", id="gate-refusal")
            with Horizontal(classes="buttons"):
                yield Button("Approve and run (Enter)", variant="error", id="approve")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        phrase = self.query_one("#phrase", Input)
        phrase.focus()

    @on(Input.Changed, "#phrase")
    def _typed(self, event: Input.Changed) -> None:
        """Say at each key press whether the phrase matches, and where it differs."""
        assert self.step.gate is not None
        check = check_phrase(self.step.gate.phrase, event.value)
        if check.ok:
            line = "[b $band-ok]✓ matches[/] — Enter approves and runs the step"
        elif not event.value:
            line = "[dim]nothing typed yet[/dim]"
        elif check.reason.startswith("correct so far"):
            line = f"[$text-muted]… {escape(check.reason)}[/]"
        else:
            line = f"[b $band-critical]✖ {escape(check.reason)}[/]\n  typed: {check.markup}"
        self.query_one("#phrase-match", Static).update(line)
        self.query_one("#approve", Button).variant = "error" if check.ok else "default"

    def _refuse(self, reason: str) -> None:
        self.refusal = reason
        self.query_one("#gate-refusal", Static).update(
            f"[b reverse $band-critical] REFUSED [/] {escape(reason)} — nothing ran; the attempt is logged."
        )

    @on(Input.Submitted, "#phrase")
    @on(Button.Pressed, "#approve")
    def _approve(self, event: Input.Submitted | Button.Pressed) -> None:
        """Try the approval; a refusal stays on screen with its reason and the dialog stays open."""
        event.stop()
        assert self.step.gate is not None
        phrase = self.query_one("#phrase", Input).value
        approver = str(self.query_one("#approver", Select).value) if self._approvers else ""
        self._settling = (
            True  # the approval settles the gate: the refresh must not close the dialog as "settled elsewhere"
        )
        refused = self._submit(GateApproval(approver, phrase))
        self._settling = refused is None
        if refused is None:
            self.dismiss(GateApproval(approver, phrase))
        else:
            self._refuse(refused)
            self.query_one("#phrase", Input).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without approving: the request stays pending until it expires."""
        self.app.notify(f"Approval of {self.step.id} cancelled; its gate stays requested until it expires.", timeout=6)
        self._settling = True
        self.dismiss(None)

    def gate_changed(self, status: str, expires_in: float | None) -> None:
        """Called by the app each refresh: close if the request expired or was settled elsewhere."""
        if self._settling:
            return
        if status != "requested":
            word = "expired" if status == "expired" else f"is now {status}"
            self.app.notify(f"Gate of {self.step.id} {word}; nothing ran.", severity="warning", timeout=8)
            self._settling = True
            self.dismiss(None)
            return
        if expires_in is not None:
            self.query_one("#gate-expiry", Static).update(f"Request expires in [b]{format_duration(expires_in)}[/b]")
