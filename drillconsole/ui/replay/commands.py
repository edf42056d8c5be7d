"""The replay's command palette: every replay key's action, speeds, phases, markers and themes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from drillconsole.replay import SPEEDS
from drillconsole.ui.commands import ListedCommands
from drillconsole.ui.host import ReplayHost
from drillconsole.ui.present import clock
from drillconsole.ui.replay.screen import ReplayScreen

Command = tuple[str, Callable[[], object], str]


class ReplayCommands(ListedCommands):
    """Transport commands, and a 'Go to' command for every marker of the log."""

    HIDDEN = ("Go to T", "Speed", "Timeline")  # markers and speeds appear when searched

    def _commands(self) -> list[Command]:
        app = self.app
        if not isinstance(app, ReplayHost) or not isinstance(app.replay_screen, ReplayScreen):
            return []
        screen = app.replay_screen
        out: list[Command] = [
            ("Play / pause", screen.action_play_pause, "play the replay or hold it"),
            ("Next event", partial(screen.action_step_event, 1), "skip to the next event (samples skipped)"),
            ("Previous event", partial(screen.action_step_event, -1), "back to the previous event"),
            ("Next phase", partial(screen.action_step_phase, 1), "skip to the next phase entry"),
            ("Previous phase", partial(screen.action_step_phase, -1), "back to the previous phase entry"),
            ("Go to the start", screen.action_to_start, "T+00:00"),
            ("Go to the end", screen.action_to_end, f"the last event, {clock(screen.session.duration)}"),
            ("Go to time…", screen.action_jump, "type a drill time"),
            ("Timeline: cycle role filter", screen.action_filter_role, "show one role's events"),
            ("Timeline: cycle kind filter", screen.action_filter_kind, "show one kind of event"),
            ("Help: keys", screen.action_help, "every key of the replay"),
        ]
        for speed in SPEEDS:
            out.append((f"Speed: {speed:g}×", partial(app.set_speed, speed), "drill seconds per second"))
        for marker in screen.session.markers:
            out.append((f"Go to {clock(marker.t)} {marker.label}", partial(screen.seek, marker.t), marker.kind))
        for theme in app.drill_themes:
            out.append((f"Theme: {theme}", partial(setattr, app, "theme", theme), "switch the colours live"))
        return out
