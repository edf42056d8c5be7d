"""Before a production drill starts: type the drill id to confirm; the clock starts only after."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from drillconsole.playbook.models import Drill


class ProductionConfirm(ModalScreen[bool]):
    """True only when the exact drill id was typed and Start pressed."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, drill: Drill) -> None:
        super().__init__(classes="dialog-screen")
        self._drill = drill

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog production", id="production-dialog") as box:
            box.border_title = "⚠ PRODUCTION DRILL"
            yield Static(f"[bold reverse $production] PRODUCTION [/] [b]{escape(self._drill.title)}[/b]")
            yield Static("Steps of this drill act on live systems. Nothing starts until you confirm.")
            yield Static(f"Type the drill id to start:  [b $accent]{escape(self._drill.id)}[/]")
            yield Input(id="drill-id")
            with Horizontal(classes="buttons"):
                yield Button("Start the drill", variant="error", id="start", disabled=True)
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        typed = self.query_one("#drill-id", Input)
        typed.focus()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#start", Button).disabled = event.value != self._drill.id

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        if self.query_one("#drill-id", Input).value == self._drill.id:
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Do not start."""
        self.dismiss(False)
