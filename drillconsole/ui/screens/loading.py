"""The console's first frame: its name and the playbook it is loading, while the drill is prepared off the event loop."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Static


class LoadingScreen(Screen[None]):
    """Shown from process start until the playbook is validated and the engine built; then the main screen replaces it."""

    DEFAULT_CSS = """
    LoadingScreen { align: center middle; }
    LoadingScreen #loading { width: auto; height: auto; padding: 1 4; border: round $panel-edge; }
    LoadingScreen #loading-title { text-style: bold; color: $accent; width: auto; }
    LoadingScreen #loading-what { color: $text-muted; width: auto; }
    """

    def __init__(self, playbook_name: str) -> None:
        super().__init__(id="loading-screen")
        self._playbook_name = playbook_name

    def compose(self) -> ComposeResult:
        with Vertical(id="loading"):
            yield Static("drillconsole", id="loading-title")
            yield Static(f"loading playbook… {escape(self._playbook_name)}", id="loading-what")
