"""The main screen: header, signals, checklists, alerts, steps with detail, timeline, footer.

From the command line it is the console's first frame: made from the playbook's
outline (`drillconsole.playbook.outline`), it shows the header and the signal
panels while the playbook is validated and the drill prepared off the event
loop; `attach` then ties them to the drill and mounts the other regions. Only
the header, the panels and the footer are imported before that frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from drillconsole.log.events import Event
from drillconsole.ui.host import DrillHost
from drillconsole.ui.keys import MAIN_KEYS
from drillconsole.ui.messages import RoleViewChanged, StepHighlighted
from drillconsole.ui.offering import Offering
from drillconsole.ui.operator import Operator
from drillconsole.ui.widgets.drill_header import DrillHeader, HeaderFacts
from drillconsole.ui.widgets.key_footer import KeyFooter
from drillconsole.ui.widgets.signal_board import SignalBoard

if TYPE_CHECKING:  # the regions besides header and signals are imported when the drill is prepared
    from textual.widgets import DataTable

    from drillconsole.playbook.models import Step
    from drillconsole.playbook.outline import Outline
    from drillconsole.ui.widgets.alerts import Alerts
    from drillconsole.ui.widgets.checklists import Checklists, ChecklistTable
    from drillconsole.ui.widgets.step_detail import StepDetail
    from drillconsole.ui.widgets.step_table import StepTable
    from drillconsole.ui.widgets.timeline import Timeline

NARROW = 100
"""Below this many columns the left column narrows, signals go compact and the step list drops columns."""

WIDE = 160
"""From this many columns the left column takes a share of the width (full checklist text and step titles)."""

SHORT = 30
"""Below this many rows the step list and timeline share the height instead of the step list taking its fill."""

WAITING = "[dim]validating the playbook and preparing the drill…[/dim]"
"""What the regions that need the drill say until it is prepared."""

MIN_SIZE = (72, 20)
"""Below this size the console shows what size it needs instead of panels nobody can read."""


class MainScreen(Operator, Offering, Screen[None]):
    """The drill at a glance; its keys are inactive while a dialog is open, and offered by the roles held."""

    BINDINGS = [*MAIN_KEYS]
    app: DrillHost

    def __init__(self, role: str | None, outline: Outline | None = None) -> None:
        """The screen of the prepared drill; with an `outline`, first its header and signal panels until `attach`."""
        super().__init__(id="main")
        self._outline = outline
        self.role_fixed = role
        self._role_view: str | None = role
        self._last_second = -1
        self._advance_from: str | None = None
        self._focus_before: Widget | None = None
        self._sized: Size | None = None
        """The terminal size the layout was last chosen for."""

    @property
    def drill_ready(self) -> bool:
        """Whether the drill is prepared and every region shows it (not only the outline's header and panels)."""
        return self._outline is None

    def compose(self) -> ComposeResult:
        outline = self._outline
        environment: str
        if outline is None:
            state = self.app.seat.state
            header, board = DrillHeader(state, id="header"), SignalBoard(state, id="signals")
            environment = state.playbook.drill.environment
        else:
            header = DrillHeader(outline=outline, id="header")
            board = SignalBoard(outline=outline.signals, id="signals")
            environment = outline.environment
        # The layout classes before the widgets are styled: set after, they restyle every panel once more.
        self._layout_classes(self.app.size.width, self.app.size.height, board.count)
        yield header
        if environment == "production":
            yield Static("⚠ PRODUCTION — steps of this drill change live systems", id="production-banner")
        yield Static("", id="too-small")
        with Container(id="body"):
            with Vertical(id="left"):
                yield board
                with Vertical(id="checklists-box") as box:
                    box.border_title = "Checklists"
                    if outline is not None:
                        yield Static(WAITING, classes="waiting")
                    else:
                        checklists = self._checklists()
                        box.border_title = self._checklists_title(checklists.roles)
                        yield checklists
            with Vertical(id="right"):
                if outline is None:
                    yield self._alerts()
                with Vertical(id="steps-box") as box:
                    box.border_title = "Steps"
                    if outline is not None:
                        yield Static(WAITING, classes="waiting")
                    else:
                        yield from self._steps()
                if outline is None:
                    yield self._timeline()
        yield KeyFooter()

    def _checklists(self) -> Checklists:
        from drillconsole.ui.widgets.checklists import Checklists

        return Checklists(self.app.seat.state, self.checklist_roles(), id="checklists")

    def _alerts(self) -> Alerts:
        from drillconsole.ui.widgets.alerts import Alerts

        return Alerts(self.app.seat.state, id="alerts")

    def _steps(self) -> list[Widget]:
        from drillconsole.ui.widgets.step_detail import StepDetail
        from drillconsole.ui.widgets.step_table import StepTable

        seat = self.app.seat
        return [StepTable(seat.state, id="steps"), StepDetail(seat.state, seat, id="step-detail")]

    def _timeline(self) -> Timeline:
        from drillconsole.ui.widgets.timeline import Timeline

        return Timeline(self.app.seat.playbook, id="timeline")

    async def attach(self) -> None:
        """The drill is prepared: tie the header and panels to its fold, and mount the regions that show the rest."""
        if self._outline is None:
            return
        state = self.app.seat.state
        self.query_one(DrillHeader).bind(state)
        await self.query_one(SignalBoard).bind(state)
        await self.query(".waiting").remove()
        checklists = self._checklists()
        box = self.query_one("#checklists-box")
        box.border_title = self._checklists_title(checklists.roles)
        await box.mount(checklists)
        right, steps = self.query_one("#right"), self.query_one("#steps-box")
        await right.mount(self._alerts(), before=steps)
        await steps.mount_all(self._steps())
        await right.mount(self._timeline())
        self._outline = None
        self._ready()
        self.refresh_bindings()

    def on_mount(self) -> None:
        if self._outline is None:
            self._ready()
        else:
            self._size_class(self.app.size.width, self.app.size.height)

    def _ready(self) -> None:
        self.step_table.focus()
        first = self.app.seat.playbook.steps[0].id
        self.step_detail.step_id = first
        self._size_class(self.app.size.width, self.app.size.height)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the drill is prepared its keys show but do nothing (help and quit work); then the held roles decide."""
        if not self.drill_ready:
            return True if action == "help" else None
        return super().check_action(action, parameters)

    def on_resize(self, event: events.Resize) -> None:
        if event.size == self._sized:
            # The terminal reports its size again (it does, more than once, as the console starts): the screen
            # is laid out at that size already, and laying out two hundred panels again costs ~60 ms a time.
            event.stop()
            event.prevent_default()
            return
        self._size_class(event.size.width, event.size.height)

    def _size_class(self, width: int, height: int) -> None:
        """Pick the layout for the terminal size (the TCSS does the rest)."""
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        if too_small and not self.has_class("-too-small"):
            self._focus_before = self.focused  # hidden panels lose the focus; it comes back with the room
        elif not too_small and self.has_class("-too-small") and self._focus_before is not None:
            self.call_after_refresh(self._focus_before.focus)
        self._sized = Size(width, height)
        self._layout_classes(width, height, self.query_one(SignalBoard).count)
        footer = self.query_one(Footer)
        footer.compact = width < NARROW
        if too_small:
            self.query_one("#too-small", Static).update(
                f"[b]Terminal too small[/b]\n\nThis terminal is {width}×{height}; the console needs at least "
                f"[b]{MIN_SIZE[0]}×{MIN_SIZE[1]} [/b](columns × rows).\nEnlarge the window or make the font smaller."
                "\n\nThe drill keeps running; q quits."
            )

    def _layout_classes(self, width: int, height: int, signals: int) -> None:
        # Full signal panels (3 rows each) only when a usable checklist (12 rows) still fits below them.
        compact = width < NARROW or height < 3 * signals + 2 + 12 + 3
        self.set_class(width < NARROW, "-narrow")
        self.set_class(width >= WIDE, "-wide")
        self.set_class(height < SHORT, "-short")
        self.set_class(compact, "-compact")
        self.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "-too-small")

    # --- refresh (called by the app's single interval, inside batch_update) ---------

    def show(self, now: float, events: list[Event], samples: bool) -> None:
        """Update every widget in place from the engine state."""
        app = self.app
        clock = app.seat.clock
        facts = HeaderFacts(
            now, bool(getattr(clock, "paused", False)), float(getattr(clock, "speed", 1.0)), self.current_role()
        )
        self.query_one(DrillHeader).show(facts)
        if samples or int(now) != self._last_second:
            self._last_second = int(now)
            self.query_one(SignalBoard).show(now)
        self.step_table.show(now)
        self.step_detail.show(now)
        self.checklists.show(now)
        self.alerts.show(now)
        if events:
            self.timeline.add_events(events)
        self._advance()
        self._tabs_follow_roles()
        self.offer_changed()

    def checklist_roles(self) -> list[str]:
        """The roles whose checklists have a tab: every role, or under `--role` (a participant's one role)
        that role first and each other role its person holds now (handed over mid-drill)."""
        pb = self.app.seat.playbook
        if self.role_fixed is None:
            return list(pb.roles)
        held = set(self.held_roles())
        return [self.role_fixed, *(r for r in pb.roles if r in held and r != self.role_fixed)]

    def _checklists_title(self, roles: list[str]) -> str:
        return "Checklists" + (f" — {', '.join(roles)}" if self.role_fixed else "")

    def _tabs_follow_roles(self) -> None:
        """A role handed to this console's person gets its checklist tab; one they give up loses it."""
        checklists = self.checklists
        roles = self.checklist_roles()
        if roles != checklists.roles:
            checklists.set_roles(roles)
            self.query_one("#checklists-box").border_title = self._checklists_title(roles)

    def follow_step(self, step_id: str) -> None:
        """The operator ran this step: once it is done, move the cursor on to the next step (if it is still on it)."""
        self._advance_from = step_id

    def _advance(self) -> None:
        step_id = self._advance_from
        if step_id is None:
            return
        state = self.app.seat.state
        status = state.steps[step_id].status
        if status in ("pending", "running"):
            return  # still waiting for its gate, or running
        self._advance_from = None
        table = self.step_table
        if status in ("succeeded", "skipped") and table.step_id == step_id:  # a failure stays in view
            from drillconsole.drill import flow

            nxt = flow.next_step(state)
            if nxt is not None:
                table.select(nxt.id)

    def repaint_all(self) -> None:
        """Re-render styled text that does not follow TCSS (after a theme change)."""
        self.timeline.rebuild()

    # --- the regions (imported with the drill: the first frame needs only the header and the signals) ---------

    @property
    def step_table(self) -> StepTable:
        from drillconsole.ui.widgets.step_table import StepTable

        return self.query_one(StepTable)

    @property
    def step_detail(self) -> StepDetail:
        from drillconsole.ui.widgets.step_detail import StepDetail

        return self.query_one(StepDetail)

    @property
    def checklists(self) -> Checklists:
        from drillconsole.ui.widgets.checklists import Checklists

        return self.query_one(Checklists)

    @property
    def alerts(self) -> Alerts:
        from drillconsole.ui.widgets.alerts import Alerts

        return self.query_one(Alerts)

    @property
    def timeline(self) -> Timeline:
        from drillconsole.ui.widgets.timeline import Timeline

        return self.query_one(Timeline)

    # --- what the operator looks at ------------------------------------------------------

    def selected_step(self) -> Step | None:
        step_id = self.step_table.step_id
        return None if step_id is None else self.app.seat.playbook.step(step_id)

    def select_step(self, step_id: str) -> None:
        self.step_table.select(step_id)

    def current_role(self) -> str:
        """The role the console acts as: `--role`, else the checklist tab shown."""
        if self._role_view is None:
            self._role_view = self.checklists.role
        return self._role_view

    def checklist_target(self) -> tuple[str, str | None]:
        checklists = self.checklists
        role = checklists.role
        return role, checklists.table(role).item_id

    def cycle_role_view(self, delta: int) -> None:
        checklists = self.checklists
        roles = checklists.roles
        self.show_role(roles[(roles.index(checklists.role) + delta) % len(roles)])

    def show_role(self, role: str) -> None:
        """Switch the checklist tab to a role; a checklist that had focus hands it to the new tab's list."""
        checklists = self.checklists
        from drillconsole.ui.widgets.checklists import ChecklistTable

        had_focus = isinstance(self.focused, ChecklistTable)
        checklists.show_role(role)
        if had_focus and role in checklists.roles:
            table = checklists.table(role)
            self.call_after_refresh(table.focus)

    def switch_role(self, role: str) -> None:
        """Act as another role: its checklist tab is shown and the header names it."""
        self.show_role(role)
        if self.role_fixed is None:
            self._role_view = role
        self.app.refresh_now()

    def focus_checklist(self) -> ChecklistTable:
        """Move the focus to the current role's checklist and return it."""
        checklists = self.checklists
        table = checklists.table(checklists.role)
        self.set_focus(table)  # now, not after the next refresh: a number key typed right after must find it
        return table

    def action_filter_checklist(self) -> None:
        """`/`: find an item of the shown role's checklist by typing part of its text (any number of items)."""
        self.checklists.open_filter()

    def timeline_filter(self) -> tuple[str | None, str | None]:
        timeline = self.timeline
        return timeline.role, timeline.kind

    def set_timeline_filter(self, role: str | None, kind: str | None) -> None:
        self.timeline.set_filter(role, kind)

    @on(StepHighlighted)
    def _step_highlighted(self, event: StepHighlighted) -> None:
        if event.step_id != self._advance_from:
            self._advance_from = None  # the operator moved on by hand
        detail = self.step_detail
        detail.step_id = event.step_id
        detail.show(self.app.seat.now())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a checklist row checks (or unchecks) it (the step list's Enter is its own binding)."""
        from drillconsole.ui.widgets.checklists import ChecklistTable

        table = event.data_table
        if isinstance(table, ChecklistTable):
            event.stop()
            self.action_check_item(table.role, str(event.row_key.value))

    @on(RoleViewChanged)
    def _role_changed(self, event: RoleViewChanged) -> None:
        self._role_view = self.role_fixed or event.role
        self.app.refresh_now()
        self.offer_changed()
