"""The replay screen: the console's panels, read-only, showing the fold of the log up to the position."""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Static

from drillconsole.drill.wording import KINDS
from drillconsole.replay import ReplaySession, TimeFormatError, Transport, parse_time
from drillconsole.startup import settle_garbage_collector
from drillconsole.ui.messages import StepHighlighted
from drillconsole.ui.present import clock
from drillconsole.ui.replay.keys import REPLAY_KEYS, help_rows
from drillconsole.ui.replay.mirror import ApproverRules, StateMirror
from drillconsole.ui.replay.panels import ReplayAlerts, ReplayHeader
from drillconsole.ui.replay.scrubber import Scrubber
from drillconsole.ui.replay.timeline_feed import TimelineFeed
from drillconsole.ui.replay.transport_bar import TransportBar
from drillconsole.ui.screens.help import HelpScreen
from drillconsole.ui.screens.main import NARROW
from drillconsole.ui.screens.prompt import TextPrompt
from drillconsole.ui.widgets.checklists import Checklists
from drillconsole.ui.widgets.drill_header import HeaderFacts
from drillconsole.ui.widgets.key_footer import KeyFooter
from drillconsole.ui.widgets.signal_board import SignalBoard
from drillconsole.ui.widgets.step_detail import StepDetail
from drillconsole.ui.widgets.step_table import StepTable
from drillconsole.ui.widgets.timeline import Timeline

BUILD_SLICE = 200
"""Events folded into the seek snapshots per slice (a few ms each for a 200-signal drill)."""
BUILD_EVERY = 1 / 60
"""Seconds between slices."""


def banner(warning: str) -> str:
    """The warning banner's text: what is wrong with the log, and what the replay shows instead."""
    title = "LOG NOT INTACT" if warning.startswith("chain broken") else "UNFINISHED DRILL"
    return f"⚠ {title} — {warning}"


class ReplayScreen(Screen[None]):
    """A drill as it stood at the replay position; keys move the position, none can change the drill."""

    BINDINGS = [*REPLAY_KEYS]

    def __init__(self, session: ReplaySession, transport: Transport, wall: Callable[[], float]) -> None:
        super().__init__(id="replay")
        self.session = session
        self.transport = transport
        self.wall = wall
        self.mirror = StateMirror(session.playbook)
        self.position = transport.position(wall())
        """Drill time the panels show."""
        self._idle_ticks = 0
        self._ready = False

    def compose(self) -> ComposeResult:
        state, pb = self.mirror.state, self.session.playbook
        yield ReplayHeader(state, self.session.path.name, id="header")
        if self.session.warning:
            tampered = self.session.warning.startswith("chain broken")
            yield Static(banner(self.session.warning), id="replay-warning", classes="-tampered" if tampered else "")
        if pb.drill.environment == "production":
            yield Static("⚠ PRODUCTION drill — replayed read-only, nothing is sent anywhere", id="production-banner")
        with Container(id="body"):
            with Vertical(id="left"):
                yield SignalBoard(state, id="signals")
                with Vertical(id="checklists-box") as box:
                    box.border_title = "Checklists"
                    yield Checklists(state, list(pb.roles), id="checklists")
            with Vertical(id="right"):
                yield ReplayAlerts(state, id="alerts")
                with Vertical(id="steps-box") as box:
                    box.border_title = "Steps"
                    yield StepTable(state, id="steps")
                    yield StepDetail(state, ApproverRules(self.mirror), id="step-detail")
                yield Timeline(self.session.playbook, id="timeline")
        yield TransportBar(self.session, id="transport")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.header = self.query_one(ReplayHeader)
        self.signals = self.query_one(SignalBoard)
        self.steps = self.query_one(StepTable)
        self.detail = self.query_one(StepDetail)
        self.checklists = self.query_one(Checklists)
        self.alerts = self.query_one(ReplayAlerts)
        self.timeline = self.query_one(Timeline)
        self.feed = TimelineFeed(self.timeline, self.session.events)
        self.transport_bar = self.query_one(TransportBar)
        self.steps.focus()
        self.detail.step_id = self.session.playbook.steps[0].id
        self._size_class(self.app.size.width)
        self._ready = True
        self.call_after_refresh(self.show_position)
        # The snapshots seeks start from are folded in slices once the first frame is up, between key presses.
        self._builder = self.set_interval(BUILD_EVERY, self._build_checkpoints)

    def _build_checkpoints(self) -> None:
        if self.session.build_checkpoints(BUILD_SLICE):
            self._builder.stop()
            # The log's events and the snapshots are all built: freeze them, so no later collection walks them
            # in the middle of playback.
            settle_garbage_collector()

    def on_resize(self, event: events.Resize) -> None:
        self._size_class(event.size.width)
        self.call_after_refresh(self.show_position)  # the header fits what it shows to the width

    def _size_class(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    # --- showing the position -------------------------------------------------------

    def tick(self) -> None:
        """The app's interval: follow the position while playing; catch scrolled signal panels up while paused."""
        if not self._ready:
            return
        if self.transport.playing:
            self.show_position()
            return
        self._idle_ticks += 1
        if self._idle_ticks % 8 == 0:
            self.signals.show(self.position)

    def show_position(self) -> None:
        """Bring every panel to the transport's position, in one repaint."""
        if not self._ready:
            return
        t = self.transport.position(self.wall())
        with self.app.batch_update():
            self.show_at(t)

    def show_at(self, t: float) -> None:
        """Show the state folded from every event up to drill time t (widgets update in place)."""
        session = self.session
        self.mirror.load(session.peek_at(t))
        self.position = t
        playing, speed = self.transport.playing, self.transport.speed
        self.header.show(HeaderFacts(t, not playing, speed, None))
        self.signals.show(t)
        self.steps.show(t)
        self.detail.show(t)
        self.checklists.show(t)
        self.alerts.show(t)
        self.feed.to(session.index_at(t) + 1)
        self.transport_bar.show(t, playing, speed)

    def repaint_all(self) -> None:
        """Re-render styled text that does not follow TCSS (after a theme change)."""
        self.timeline.rebuild()
        self.transport_bar.repaint()
        self.show_position()

    # --- transport ------------------------------------------------------------------------

    def seek(self, t: float) -> float:
        """Go to drill time t (clamped to the log) and show it."""
        t = self.transport.seek(t, self.wall())
        self.show_position()
        return t

    def action_play_pause(self) -> None:
        """Play or pause."""
        self.transport.toggle(self.wall())
        self.show_position()

    def action_speed(self, delta: int) -> None:
        """One step up or down the speed ladder."""
        now = self.wall()
        self.transport.faster(now) if delta > 0 else self.transport.slower(now)
        self.show_position()

    def action_step_event(self, direction: int) -> None:
        """To the next or previous event (signal samples skipped)."""
        self.transport.step_event(direction, self.wall())
        self.show_position()

    def action_step_phase(self, direction: int) -> None:
        """To the next or previous phase entry."""
        self.transport.step_phase(direction, self.wall())
        self.show_position()

    def action_to_start(self) -> None:
        """To the start of the drill."""
        self.seek(0.0)

    def action_to_end(self) -> None:
        """To the last event of the log."""
        self.seek(self.session.duration)

    def action_jump(self) -> None:
        """Ask for a drill time and go there."""
        question = f"Go to drill time (0 to {clock(self.session.duration)}): 83, 1:23 or T+01:23"
        self.app.push_screen(TextPrompt("Go to time", question, ok="Go"), self.jump_to)

    def jump_to(self, text: str | None) -> None:
        """Go to a typed drill time; a time that does not parse is an error and the position stays."""
        if text is None:
            return
        try:
            t = parse_time(text)
        except TimeFormatError as exc:
            self.app.notify(str(exc), title="Go to time", severity="error")
            return
        if t > self.session.duration:
            self.app.notify(
                f"{clock(t)} is past the log's last event; showing {clock(self.session.duration)}",
                title="Go to time",
                severity="warning",
            )
        self.seek(t)

    @on(Scrubber.Seek)
    def _scrubbed(self, event: Scrubber.Seek) -> None:
        self.seek(event.t)

    # --- reading aids ---------------------------------------------------------------------

    @on(StepHighlighted)
    def _step_highlighted(self, event: StepHighlighted) -> None:
        self.detail.step_id = event.step_id
        self.detail.show(self.position)

    def action_filter_role(self) -> None:
        """Cycle the timeline's role filter: all, engine, then each role."""
        choices: list[str | None] = [None, "engine", *self.session.playbook.roles]
        timeline = self.timeline
        timeline.set_filter(choices[(choices.index(timeline.role) + 1) % len(choices)], timeline.kind)

    def action_filter_kind(self) -> None:
        """Cycle the timeline's kind filter: all, then each kind of event."""
        choices: list[str | None] = [None, *KINDS]
        timeline = self.timeline
        timeline.set_filter(timeline.role, choices[(choices.index(timeline.kind) + 1) % len(choices)])

    def action_help(self) -> None:
        """Show the replay's keys."""
        self.app.push_screen(HelpScreen(help_rows()))
