"""The decision modal: the options (the proposed one marked) and a rationale."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from drillconsole.playbook.models import DecisionOption


@dataclass(frozen=True)
class DecisionChoice:
    """The option chosen and why."""

    option: str
    rationale: str


class DecisionModal(ModalScreen[DecisionChoice | None]):
    """Record the decision as a role with declare_rollback authority; Esc cancels."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, options: list[DecisionOption], proposed: str | None, role: str) -> None:
        super().__init__(classes="dialog-screen")
        self._options = options
        self._proposed = proposed
        self._role = role

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="decision-dialog") as box:
            box.border_title = "Decide on the response"
            yield Static(
                f"Deciding as [b]{escape(self._role)}[/b]. The triggers propose "
                f"[b]{escape(self._proposed or 'nothing')}[/b]."
            )
            with RadioSet(id="options"):
                for option in self._options:
                    mark = "  ★ proposed" if option.id == self._proposed else ""
                    label = f"{option.title} ({option.id}){mark}"
                    yield RadioButton(label, value=option.id == self._proposed, id=f"option-{option.id}")
            yield Static("", id="option-description")
            yield Static("Rationale (required):")
            yield Input(placeholder="why this option", id="rationale")
            with Horizontal(classes="buttons"):
                yield Button("Decide", variant="primary", id="decide", disabled=True)
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()
        self._describe()

    def _chosen(self) -> str | None:
        pressed = self.query_one(RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            return None
        return pressed.id.removeprefix("option-")

    def _describe(self) -> None:
        chosen = next((o for o in self._options if o.id == self._chosen()), None)
        self.query_one("#option-description", Static).update(
            f"[dim]{escape(chosen.description)}[/dim]" if chosen else ""
        )

    @on(RadioSet.Changed)
    @on(Input.Changed, "#rationale")
    def _changed(self) -> None:
        self._describe()
        ready = self._chosen() is not None and bool(self.query_one("#rationale", Input).value.strip())
        self.query_one("#decide", Button).disabled = not ready

    @on(Input.Submitted, "#rationale")
    @on(Button.Pressed, "#decide")
    def _decide(self) -> None:
        option = self._chosen()
        rationale = self.query_one("#rationale", Input).value
        if option is not None and rationale.strip():
            self.dismiss(DecisionChoice(option, rationale))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without deciding."""
        self.dismiss(None)
