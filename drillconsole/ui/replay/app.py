"""The replay app: one session log on the console's panels, read-only, with a transport."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from drillconsole import resources
from drillconsole.replay import ReplaySession, Transport
from drillconsole.ui.host import ReplayHost
from drillconsole.ui.replay.commands import ReplayCommands
from drillconsole.ui.replay.screen import ReplayScreen
from drillconsole.ui.themes import VARIABLE_DEFAULTS, install_themes

REFRESH_HZ = 8.0
"""How often the panels follow the position while playing."""

UI_DIR = Path(__file__).resolve().parent.parent


class ReplayApp(ReplayHost):
    """A replayed drill; there is no engine, so nothing on screen can send a command."""

    CSS_PATH = [UI_DIR / "app.tcss", UI_DIR / "replay" / "replay.tcss"]
    TITLE = "drillconsole replay"
    COMMANDS = App.COMMANDS | {ReplayCommands}
    BINDINGS = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        session: ReplaySession,
        *,
        speed: float = 1.0,
        at: float = 0.0,
        theme: str | None = None,
        themes_dir: Path | None = None,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.session = session
        self.wall = wall
        """Wall seconds the transport plays against (injected by tests)."""
        self.transport = Transport(session, speed=speed, start=at)
        self.replay_screen: ReplayScreen | None = None
        self.theme_problems, self.drill_themes, self._wanted_theme = install_themes(
            self, theme, themes_dir or resources.themes_dir()
        )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def get_default_screen(self) -> ReplayScreen:
        """The replay screen is the app's base screen."""
        self.replay_screen = ReplayScreen(self.session, self.transport, self.wall)
        return self.replay_screen

    def on_mount(self) -> None:
        self.theme = self._wanted_theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for problem in self.theme_problems:
            self.notify(problem, title="Theme", severity="error", timeout=10)
        self.set_interval(1 / REFRESH_HZ, self._tick)

    def on_unmount(self) -> None:
        gc.unfreeze()  # what the replay froze may be collected again (tests run many apps in one process)

    def _tick(self) -> None:
        if self.replay_screen is not None:
            self.replay_screen.tick()

    def _theme_changed(self, _theme: object) -> None:
        if self.replay_screen is not None and self.replay_screen.is_mounted:
            self.replay_screen.repaint_all()

    @property
    def position(self) -> float:
        """Drill time on screen."""
        return self.replay_screen.position if self.replay_screen is not None else self.transport.position(self.wall())

    def set_speed(self, speed: float) -> None:
        """Play at any speed (palette), keeping the position."""
        self.transport.set_speed(speed, self.wall())
        if self.replay_screen is not None:
            self.replay_screen.show_position()
