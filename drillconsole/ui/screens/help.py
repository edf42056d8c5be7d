"""The help screen: every key of the console and what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

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
        rows = [f"[b $accent]{escape(k):<{width}}[/] {escape(d)}" for k, d in self._keys]
        rows += ["", "[b]In dialogs[/b]"]
        rows += [f"[b $accent]{escape(k):<{width}}[/] {escape(d)}" for k, d in DIALOG_KEYS]
        rows += ["", "Every action is also in the command palette (Ctrl+P)."]
        with Vertical(classes="dialog", id="help-dialog") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc / ? to close"
            with VerticalScroll():
                yield Static("\n".join(rows))

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
