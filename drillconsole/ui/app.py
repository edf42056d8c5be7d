"""The drill console app: runs the engine in its loop, renders its state, sends its commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App
from textual.binding import Binding

from drillconsole import resources
from drillconsole.launch import Prepared
from drillconsole.log.events import ENGINE, Event
from drillconsole.ui.commands import DrillCommands
from drillconsole.ui.event_text import HIDDEN
from drillconsole.ui.messages import DrillStopped, EngineFailed
from drillconsole.ui.screens.confirm import ConfirmScreen
from drillconsole.ui.screens.gate import GateModal
from drillconsole.ui.screens.main import MainScreen
from drillconsole.ui.screens.production import ProductionConfirm
from drillconsole.ui.screens.review import ReviewScreen
from drillconsole.ui.themes import DEFAULT_THEME, VARIABLE_DEFAULTS, load_themes

REFRESH_HZ = 4.0
"""How often the widgets are refreshed from the engine state."""

_SAMPLED = frozenset({"signal.sample", "signal.state", "source.error"})


class DrillApp(App[int]):
    """One drill on screen; the result is the exit code (0 restored, 1 otherwise)."""

    CSS_PATH = "app.tcss"
    TITLE = "drillconsole"
    COMMANDS = App.COMMANDS | {DrillCommands}
    BINDINGS = [
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
        Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, prepared: Prepared, *, role: str | None = None, theme: str | None = None,
                 themes_dir: Path | None = None, steady: bool = False) -> None:
        super().__init__()
        self.prepared = prepared
        self.engine: Any = prepared.engine
        self.role = role
        self.steady = steady
        """Snapshot mode: no cursor blink, nothing that moves by itself."""
        self.main_screen: MainScreen | None = None
        self.engine_started = False
        self._events: list[Event] = []
        self._samples = True
        self._quitting = False
        loaded = load_themes(themes_dir or resources.themes_dir())
        self.theme_problems = list(loaded.problems)
        self.drill_themes = [t.name for t in loaded.themes]
        for t in loaded.themes:
            self.register_theme(t)
        wanted = theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            if theme is not None:
                self.theme_problems.append(f"unknown theme '{theme}' (themes: {', '.join(self.drill_themes)})")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self._wanted_theme = wanted
        self.engine.subscribe(self._on_engine_event)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    # --- lifecycle ------------------------------------------------------------------

    def get_default_screen(self) -> MainScreen:
        """The main screen is the app's base screen (one screen less to lay out at start)."""
        self.main_screen = MainScreen(self.role)
        return self.main_screen

    def on_mount(self) -> None:
        self.theme = self._wanted_theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for problem in self.theme_problems:
            self.notify(problem, title="Theme", severity="error", timeout=10)
        self.set_interval(1 / REFRESH_HZ, self.refresh_now)
        if self.engine.playbook.drill.environment == "production" and not self.engine.state.started:
            self.push_screen(ProductionConfirm(self.engine.playbook.drill, blink=not self.steady), self._production_answer)
        else:
            self.start_engine()

    def _production_answer(self, confirmed: bool | None) -> None:
        if confirmed:
            self.start_engine()
        else:
            self.exit(2)

    def start_engine(self) -> None:
        """Run the engine loop as a worker in the app's event loop."""
        if not self.engine_started:
            self.engine_started = True
            self.run_worker(self._run_engine(), name="engine", group="engine", exit_on_error=False)

    async def _run_engine(self) -> None:
        try:
            outcome = await self.engine.run()
        except Exception as exc:  # an engine bug must be visible, not a silent dead clock
            self.post_message(EngineFailed(f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(DrillStopped(outcome))

    def _on_engine_event(self, event: Event) -> None:
        """Engine listener (called inside the engine loop): only note what changed."""
        if event.type in _SAMPLED:
            self._samples = True
        if event.type not in HIDDEN:
            self._events.append(event)

    def refresh_now(self) -> None:
        """Bring every widget up to the engine state (the interval, and right after a command)."""
        main = self.main_screen
        if main is None or not main.is_mounted:
            return
        events, self._events = self._events, []
        samples, self._samples = self._samples, False
        now = self.engine.now()
        with self.batch_update():
            main.show(now, events, samples)
        screen = self.screen
        if isinstance(screen, GateModal):
            gate = self.engine.state.gates[screen.step.id]
            screen.gate_changed(gate.status, None if gate.expires_t is None else max(0.0, gate.expires_t - now))

    def _theme_changed(self, _theme: object) -> None:
        if self.main_screen is not None and self.main_screen.is_mounted:
            self.main_screen.repaint_all()
            self.refresh_now()

    @on(DrillStopped)
    def _drill_stopped(self, message: DrillStopped) -> None:
        self.refresh_now()
        if self._quitting:
            return
        self.notify(f"The drill ended: {message.outcome}", title="Drill over", timeout=8)
        role = self.main_screen.current_role() if self.main_screen else next(iter(self.engine.playbook.roles))
        self.push_screen(ReviewScreen(self.engine, role, blink=not self.steady), lambda _: self.finish())

    @on(EngineFailed)
    def _engine_failed(self, message: EngineFailed) -> None:
        self.notify(f"The engine stopped: {message.error}", title="Engine error", severity="error", timeout=30)

    def finish(self) -> None:
        """Close the session log and exit with 0 if the drill was restored, else 1."""
        self.close_session()
        self.exit(0 if self.engine.state.outcome == "restored" else 1)

    def close_session(self, reason: str = "console closed") -> None:
        """End an unfinished drill as aborted, then close the log (an unused log file is removed)."""
        log = self.prepared.log
        if log.closed:
            return
        if self.engine.state.started and not self.engine.state.ended:
            self.engine.end_drill(ENGINE, "aborted", reason)
        log.close()
        path = self.prepared.log_path
        if not self.engine.state.started and path.exists() and path.stat().st_size == 0:
            path.unlink()

    def on_unmount(self) -> None:
        self.close_session()

    # --- app-wide actions -------------------------------------------------------------

    def action_request_quit(self) -> None:
        """Quit; mid-drill ask first and end the drill as aborted."""
        s = self.engine.state
        if not s.started or s.ended:
            self.finish()
            return
        self._confirm_quit()

    @work(group="quit", exclusive=True)
    async def _confirm_quit(self) -> None:
        if isinstance(self.screen, ConfirmScreen):
            return
        question = "The drill is still running. Quit and end it as ABORTED in the session log?"
        if not await self.push_screen_wait(ConfirmScreen("Quit mid-drill?", question, yes="Abort and quit", no="Keep drilling")):
            return
        self._quitting = True
        ender = self.main_screen.role_with("end_drill") if self.main_screen else ENGINE  # type: ignore[arg-type]
        self.engine.end_drill(ender, "aborted", "quit from the console")
        self.finish()

    def toggle_pause(self) -> None:
        """Pause or resume the drill clock."""
        clock = self.engine.clock
        if not hasattr(clock, "pause"):
            self.notify("this drill's clock cannot be paused", severity="error")
            return
        clock.resume() if clock.paused else clock.pause()
        self.engine.wake()
        self.notify("clock paused" if clock.paused else "clock resumed", timeout=2)
        self.refresh_now()

    def set_speed(self, speed: float) -> None:
        """Set the drill clock's speed (drill seconds per real second)."""
        clock = self.engine.clock
        if not hasattr(clock, "set_speed"):
            self.notify("this drill's clock has a fixed speed", severity="error")
            return
        clock.set_speed(speed)
        self.engine.wake()
        self.notify(f"speed {speed:g}×", timeout=2)
        self.refresh_now()


def run_console(playbook_path: Path, options: dict[str, Any]) -> int:
    """Open the console on a playbook; returns the exit code (2 for bad input)."""
    from drillconsole.ui.launcher import LaunchProblem, prepare_console

    try:
        prepared = prepare_console(Path(playbook_path), options)
    except LaunchProblem as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 2
    app = DrillApp(prepared, role=options.get("role"), theme=options.get("theme"))
    for problem in app.theme_problems:
        print(f"drillconsole: {problem}", file=sys.stderr)
    code = app.run()
    app.close_session()
    print(f"session log: {prepared.log_path}")
    return 1 if code is None else code


class DemoConsole(DrillApp):
    """The demo drill with no arguments, for `textual run --dev drillconsole.ui.app:DemoConsole`."""

    def __init__(self) -> None:
        from drillconsole.ui.launcher import prepare_console

        parser = argparse.ArgumentParser(add_help=False)
        for flag in ("--role", "--theme", "--log-dir"):
            parser.add_argument(flag)
        parser.add_argument("--speed", type=float, default=1.0)
        args, _ = parser.parse_known_args(sys.argv[1:])
        options = {"speed": args.speed, "log_dir": Path(args.log_dir) if args.log_dir else None, "role": args.role}
        super().__init__(prepare_console(resources.bundled_playbook("demo"), options), role=args.role, theme=args.theme)
