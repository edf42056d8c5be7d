"""The help screen: every key of the console and what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from drillconsole.ui.tones import tone

DIALOG_KEYS = [
    ("Esc", "close a dialog without doing anything (a requested gate stays pending)"),
    ("Tab / Shift+Tab", "move between fields and panels"),
    ("Enter", "confirm a dialog when its button is enabled"),
]


class HelpScreen(ModalScreen[None]):
    """Lists the keys; Esc, q or ? closes it."""

    BINDINGS = [("escape", "close", "Close"), ("question_mark", "close", "Close"), ("q", "close", "Close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self._keys = keys

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in [*self._keys, *DIALOG_KEYS]) + 2
        key_style = tone(self.app, "accent", bold=True)
        text = Text()
        for title, keys in (("", self._keys), ("In dialogs", DIALOG_KEYS)):
            if title:
                text.append(f"\n{title}\n", style="bold")
            for key, what in keys:
                text.append(f"{key:<{width}}", style=key_style)
                text.append(f"{what}\n")
        text.append("\nEvery action is also in the command palette (Ctrl+P).")
        with Vertical(classes="dialog", id="help-dialog") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc / ? to close"
            with VerticalScroll():
                yield Static(text)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
