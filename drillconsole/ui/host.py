"""What the console's screens, keys and palette may ask of the app, declared apart from the app itself.

`DrillApp` (and the participant's console) is the one `DrillHost`; `ReplayApp`
is the one `ReplayHost`. Screens and commands are typed against these bases, so
none of them imports the app that imports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from drillconsole.engine.seat import DrillSeat


class ThemedHost(App[int]):
    """An app of drillconsole: its bundled themes, and a speed its palette can set."""

    drill_themes: list[str]

    def set_speed(self, speed: float) -> None:
        """Play the drill (or its replay) at `speed`."""
        raise NotImplementedError


class DrillHost(ThemedHost):
    """The live console: its seat at the drill, the main screen, and the app-wide actions the keys reach."""

    main_screen: Screen[Any] | None

    @property
    def seat(self) -> DrillSeat:
        """The fold to read and the commands to send (never the engine)."""
        raise NotImplementedError

    def refresh_now(self) -> None:
        """Bring every widget up to the drill's state now."""
        raise NotImplementedError

    def toggle_pause(self) -> None:
        """Pause or resume the drill clock."""
        raise NotImplementedError


class ReplayHost(ThemedHost):
    """The replay: the screen that plays it."""

    replay_screen: Screen[Any] | None
