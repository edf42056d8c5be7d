"""A yes/no confirmation (`ModalScreen[bool]`), e.g. before quitting mid-drill."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Answer True only on the explicit yes button (or `y`); anything else is no."""

    BINDINGS = [("escape", "no", "No"), ("n", "no", "No"), ("y", "yes", "Yes")]

    def __init__(self, title: str, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog-screen")
        self._title, self._question, self._yes, self._no = title, question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog") as box:
            box.border_title = self._title
            yield Static(escape(self._question))
            with Horizontal(classes="buttons"):
                yield Button(f"{self._yes} (y)", variant="error", id="yes")
                yield Button(f"{self._no} (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        """Confirm."""
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        """Decline."""
        self.dismiss(False)


class ChoiceScreen(ModalScreen[str | None]):
    """One of several answers, each a button; Esc answers None."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, title: str, question: str, choices: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self._title, self._question, self._choices = title, question, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="choice-dialog") as box:
            box.border_title = self._title
            yield Static(escape(self._question))
            with Horizontal(classes="buttons"):
                for n, (key, label) in enumerate(self._choices):
                    yield Button(label, variant="primary" if n == 0 else "default", id=f"choice-{key}")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        """Answer nothing."""
        self.dismiss(None)
