"""The drill console app: runs the engine in its loop, renders its state, sends its commands.

Only Textual and light modules are imported here. The first frame is the main
screen with the drill's header and signal panels, drawn from the playbook's
outline (`drillconsole.playbook.outline`) before the playbook models and the
engine are imported; a worker thread validates the playbook and prepares the
drill, then the main screen attaches to it and mounts its other regions. A
file with no outline (not a playbook's shape) gets the loading screen until
the loader says what is wrong.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen

from drillconsole import resources
from drillconsole.clock import SteeredClock
from drillconsole.drill.wording import HIDDEN
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import Event
from drillconsole.startup import settle_garbage_collector
from drillconsole.ui.host import DrillHost
from drillconsole.ui.housekeeping import close_prepared, screenshot_dir
from drillconsole.ui.launcher import ConsoleLoad, LaunchProblem, check_readable
from drillconsole.ui.messages import DrillLoaded, DrillStopped, EngineFailed, LoadFailed
from drillconsole.ui.themes import VARIABLE_DEFAULTS, install_themes

if TYPE_CHECKING:
    from textual.command import Provider

    from drillconsole.engine.seat import DrillSeat
    from drillconsole.launch import Prepared
    from drillconsole.ui.screens.main import MainScreen

REFRESH_HZ = 4.0
"""How often the widgets are refreshed from the engine state."""

SHORT = 30
"""Below this many rows dialogs drop their blank lines."""

SETTLE_S = 1.0
"""Seconds after the main screen is up before start-up's leftovers (a GC pass, the review screen's imports) run."""

_SAMPLED = frozenset({EventType.SIGNAL_SAMPLE, EventType.SIGNAL_STATE, EventType.SOURCE_ERROR})


def _drill_commands() -> type[Provider]:
    """The palette's drill commands, imported when the palette first opens."""
    from drillconsole.ui.commands import DrillCommands

    return DrillCommands


def _import_main_screen() -> None:
    """Import the main screen's regions and dialogs (in the loading worker, off the event loop)."""
    import drillconsole.ui.screens.gate
    import drillconsole.ui.screens.main
    import drillconsole.ui.screens.production
    import drillconsole.ui.widgets.alerts
    import drillconsole.ui.widgets.checklists
    import drillconsole.ui.widgets.step_detail
    import drillconsole.ui.widgets.step_table
    import drillconsole.ui.widgets.timeline  # noqa: F401


def _import_later_screens() -> None:
    """Import the review screen (and polars, for its metrics) and the palette's commands once the drill runs.

    Only the drill's end and the first ctrl+p need them: a third of the console's
    start-up imports, which the main screen no longer waits for.
    """
    import drillconsole.ui.commands
    import drillconsole.ui.screens.review  # noqa: F401


class DrillApp(DrillHost):
    """One drill on screen; the result is the exit code (0 restored, 1 otherwise, 2 bad input).

    Give it a `prepared` drill (tests, screenshots), or a `load` to run after
    the first frame (the command line): the loading screen shows until the
    drill is prepared, and bad input exits with 2 and `load_problems`.
    """

    CSS_PATH = "app.tcss"
    TITLE = "drillconsole"
    COMMANDS = App.COMMANDS | {_drill_commands}
    BINDINGS = [
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
        Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        prepared: Prepared | None = None,
        *,
        load: ConsoleLoad | None = None,
        role: str | None = None,
        theme: str | None = None,
        themes_dir: Path | None = None,
    ) -> None:
        super().__init__()
        if (prepared is None) == (load is None):
            raise ValueError("give exactly one of `prepared` and `load`")
        self.prepared: Prepared | None = None
        self._seat: DrillSeat | None = None
        self._load = load
        self.load_problems: list[str] = []
        """Why the drill could not be prepared (printed to stderr after the app closes)."""
        self._made: list[Prepared] = []
        self.role = role
        self.main_screen: MainScreen | None = None
        """The main screen once it shows the prepared drill."""
        self._waiting: MainScreen | None = None
        """The main screen drawn from the playbook's outline, waiting for the drill to be prepared."""
        self.engine_started = False
        self._events: list[Event] = []
        self._samples = True
        self._quitting = False
        self.theme_problems, self.drill_themes, self._wanted_theme = install_themes(
            self, theme, themes_dir or resources.themes_dir()
        )
        if prepared is not None:
            self._adopt(prepared)

    @property
    def seat(self) -> DrillSeat:
        """The console's seat at the drill: the fold to read and the commands to send (never the engine)."""
        if self._seat is None:
            raise RuntimeError("the drill is not prepared yet")
        return self._seat

    def _adopt(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self._seat = prepared.seat
        self.seat.subscribe(self._on_engine_event)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT, "-short")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    # --- lifecycle ------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """The main screen: of the prepared drill, else of the playbook's outline; the loading screen without one."""
        from drillconsole.ui.screens.main import MainScreen

        if self.prepared is None:
            from drillconsole.playbook.outline import read_outline

            assert self._load is not None
            outline = read_outline(self._load.playbook_path)
            if outline is None:
                from drillconsole.ui.screens.loading import LoadingScreen

                return LoadingScreen(self._load.playbook_path.name)
            self._waiting = MainScreen(self.role, outline)
            return self._waiting

        self.main_screen = MainScreen(self.role)
        return self.main_screen

    def on_mount(self) -> None:
        self.set_class(self.size.height < SHORT, "-short")
        # In a browser (textual serve) xterm.js can fit one row more than it shows, clipping the docked footer.
        self.set_class(self.is_web, "-web")
        self.theme = self._wanted_theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for problem in self.theme_problems:
            self.notify(problem, title="Theme", severity="error", timeout=10)
        self.set_interval(1 / REFRESH_HZ, self.refresh_now)
        if self.prepared is None:
            self.call_after_refresh(self.run_worker, self._load_drill, name="load", thread=True)
        else:
            self._begin()

    def _load_drill(self) -> None:
        """Worker thread: validate the playbook, prepare the drill and import the main screen; report by message."""
        assert self._load is not None
        try:
            prepared = self._load()
        except LaunchProblem as exc:
            self.post_message(LoadFailed(exc.lines))
            return
        self._made.append(prepared)  # so close_session can close it even if the app closed meanwhile
        _import_main_screen()
        self.post_message(DrillLoaded(prepared))

    @on(DrillLoaded)
    async def _drill_loaded(self, message: DrillLoaded) -> None:
        from drillconsole.ui.screens.main import MainScreen

        self._adopt(message.prepared)
        if self._waiting is not None:
            await self._waiting.attach()
            self.main_screen, self._waiting = self._waiting, None
            self.refresh_now()  # the header and panels show the drill at once, not at the next interval
        else:
            self.main_screen = MainScreen(self.role)
            await self.push_screen(
                self.main_screen
            )  # over the loading screen: Textual cannot switch out the base screen
        self._begin()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        self.load_problems = list(message.lines)
        self.exit(2)

    def _begin(self) -> None:
        """Start the drill once the main screen is on the terminal, or first ask for the drill id on production.

        Nothing else runs until that frame is written: the engine's first tick, the
        garbage collector's pass and the review screen's imports would each hold the
        interpreter while the main screen is laid out and drawn. The engine waits for
        a second refresh: regions mounted into the waiting screen get their size in
        the first one, and the step list fills its rows only then.
        """
        self.set_timer(SETTLE_S, self._settled)
        if self.seat.playbook.drill.environment == "production":  # a resumed production drill asks again
            from drillconsole.ui.screens.production import ProductionConfirm

            self.push_screen(ProductionConfirm(self.seat.playbook.drill), self._production_answer)
        else:
            self.call_after_refresh(self.call_after_refresh, self.start_engine)

    def _settled(self) -> None:
        """A moment after the drill started: freeze what start-up built, and import the review screen off the loop."""
        settle_garbage_collector()
        self.run_worker(_import_later_screens, name="import later screens", thread=True)

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
            outcome = await self.seat.run()
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
        now = self.seat.now()
        try:
            with self.batch_update():
                main.show(now, events, samples)
        except NoMatches:
            # The screen is being built or torn down (start-up, exit): keep the events for the next refresh.
            self._events = events + self._events
            self._samples = self._samples or samples
            return
        from drillconsole.ui.screens.gate import GateModal

        screen = self.screen
        if isinstance(screen, GateModal) and screen.is_mounted:  # pushed but not yet composed: next refresh
            gate = self.seat.state.gates[screen.step.id]
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
        from drillconsole.ui.screens.review import ReviewScreen

        role = self.main_screen.current_role() if self.main_screen else next(iter(self.seat.playbook.roles))
        self.push_screen(
            ReviewScreen(self.seat, role, self.prepared.log_path if self.prepared else None), lambda _: self.finish()
        )

    @on(EngineFailed)
    def _engine_failed(self, message: EngineFailed) -> None:
        self.notify(f"The engine stopped: {message.error}", title="Engine error", severity="error", timeout=30)

    def finish(self) -> None:
        """Close the session log and exit with 0 if the drill was restored, else 1."""
        self.close_session()
        self.exit(0 if self.seat.state.outcome == "restored" else 1)

    def close_session(self, reason: str = "console closed") -> None:
        """End an unfinished drill as aborted, then close the log (an unused log file is removed)."""
        for prepared in (self.prepared, *self._made):  # closing twice does nothing
            if prepared is not None:
                close_prepared(prepared, reason)

    def on_unmount(self) -> None:
        self.close_session()
        gc.unfreeze()  # what the console built may be collected again (tests run many apps in one process)

    # --- app-wide actions -------------------------------------------------------------

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save a screenshot: in ~/Downloads when it exists, otherwise beside the session log."""
        if path is None:
            log_dir = self.prepared.log_path.parent if self.prepared is not None else Path.cwd()
            path = str(screenshot_dir(log_dir))
        return super().deliver_screenshot(filename, path, time_format)

    def action_request_quit(self) -> None:
        """Quit; mid-drill ask first and end the drill as aborted."""
        if self._seat is None:  # still loading
            self.exit(1)
            return
        s = self.seat.state
        if not s.started or s.ended:
            self.finish()
            return
        self._confirm_quit()

    @work(group="quit", exclusive=True)
    async def _confirm_quit(self) -> None:
        from drillconsole.ui.screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            return
        question = "The drill is still running. Quit and end it as ABORTED in the session log?"
        if not await self.push_screen_wait(
            ConfirmScreen("Quit mid-drill?", question, yes="Abort and quit", no="Keep drilling")
        ):
            return
        self._quitting = True
        ender = self.main_screen.role_with("end_drill") if self.main_screen else ENGINE  # type: ignore[arg-type]
        self.seat.end_drill(ender, "aborted", "quit from the console")
        self.finish()

    def toggle_pause(self) -> None:
        """Pause or resume the drill clock."""
        clock = self.seat.clock
        if not isinstance(clock, SteeredClock):
            self.notify("this drill's clock cannot be paused", severity="error")
            return
        clock.resume() if clock.paused else clock.pause()
        self.seat.wake()
        self.notify("clock paused" if clock.paused else "clock resumed", timeout=2)
        self.refresh_now()

    def set_speed(self, speed: float) -> None:
        """Set the drill clock's speed (drill seconds per real second)."""
        clock = self.seat.clock
        if not isinstance(clock, SteeredClock):
            self.notify("this drill's clock has a fixed speed", severity="error")
            return
        clock.set_speed(speed)
        self.seat.wake()
        self.notify(f"speed {speed:g}×", timeout=2)
        self.refresh_now()


def run_console(playbook_path: Path, options: dict[str, Any], *, headless: bool = False) -> int:
    """Open the console on a playbook; returns the exit code (2 for bad input, printed once the console closed).

    The first frame comes before the playbook is validated; `headless` runs without a terminal (tests).
    """
    path = Path(playbook_path)
    speed = options.get("speed")
    if speed is not None and float(speed) <= 0:
        print(f"drillconsole: --speed must be positive, not {float(speed):g}", file=sys.stderr)
        return 2
    try:
        check_readable(path)
    except LaunchProblem as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 2
    app = DrillApp(load=ConsoleLoad(path, options), role=options.get("role"), theme=options.get("theme"))
    wanted = options.get("theme")
    if wanted is not None and wanted not in app.available_themes:  # like --role: bad input, one line, exit 2
        print(f"drillconsole: unknown theme '{wanted}' (themes: {', '.join(app.drill_themes)})", file=sys.stderr)
        return 2
    for problem in app.theme_problems:
        print(f"drillconsole: {problem}", file=sys.stderr)
    # A driver named in the environment draws without a terminal: `textual serve` sets its web driver there.
    drawn_elsewhere = bool(os.environ.get("TEXTUAL_DRIVER"))
    if not headless and not drawn_elsewhere and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal Textual has nothing to draw on (and spun at full CPU): say so and stop.
        print(
            "drillconsole: the console needs a terminal (stdin and stdout must be a TTY); "
            "without one use --headless with --auto or --script FILE",
            file=sys.stderr,
        )
        return 2
    code = app.run(headless=headless)
    app.close_session()
    if app.load_problems:
        for line in app.load_problems:
            print(line, file=sys.stderr)
        return 2
    if app.prepared is not None and app.prepared.log_path.exists():
        print(f"session log: {app.prepared.log_path}")
    return 1 if code is None else code


class DemoConsole(DrillApp):
    """The demo drill with no arguments, for `textual run --dev drillconsole.ui.app:DemoConsole`."""

    def __init__(self) -> None:
        import argparse

        parser = argparse.ArgumentParser(add_help=False)
        for flag in ("--role", "--theme", "--log-dir"):
            parser.add_argument(flag)
        parser.add_argument("--speed", type=float, default=1.0)
        args, _ = parser.parse_known_args(sys.argv[1:])
        options = {"speed": args.speed, "log_dir": Path(args.log_dir) if args.log_dir else None, "role": args.role}
        super().__init__(
            load=ConsoleLoad(resources.bundled_playbook("demo"), options), role=args.role, theme=args.theme
        )
