"""A one-line text prompt (notes, skip reasons, gate rejections); Esc cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; OK is enabled once something is typed."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, title: str, question: str, *, ok: str = "OK") -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._question = question
        self._ok = ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="prompt-dialog") as box:
            box.border_title = self._title
            yield Static(escape(self._question))
            yield Input(id="answer")
            with Horizontal(classes="buttons"):
                yield Button(self._ok, variant="primary", id="ok", disabled=True)
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        answer = self.query_one("#answer", Input)
        answer.focus()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#ok", Button).disabled = not event.value.strip()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _done(self) -> None:
        text = self.query_one("#answer", Input).value
        if text.strip():
            self.dismiss(text.strip())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
