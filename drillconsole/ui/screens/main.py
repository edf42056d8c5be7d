"""The main screen: header, signals, checklists, alerts, steps with detail, timeline, footer."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static

from drillconsole.drill import flow
from drillconsole.log.events import Event
from drillconsole.playbook.models import Step
from drillconsole.ui.host import DrillHost
from drillconsole.ui.keys import MAIN_KEYS
from drillconsole.ui.messages import RoleViewChanged, StepHighlighted
from drillconsole.ui.offering import Offering
from drillconsole.ui.operator import Operator
from drillconsole.ui.widgets.alerts import Alerts
from drillconsole.ui.widgets.checklists import Checklists, ChecklistTable
from drillconsole.ui.widgets.drill_header import DrillHeader, HeaderFacts
from drillconsole.ui.widgets.key_footer import KeyFooter
from drillconsole.ui.widgets.signal_board import SignalBoard
from drillconsole.ui.widgets.step_detail import StepDetail
from drillconsole.ui.widgets.step_table import StepTable
from drillconsole.ui.widgets.timeline import Timeline

NARROW = 100
"""Below this many columns the left column narrows, signals go compact and the step list drops columns."""

WIDE = 160
"""From this many columns the left column takes a share of the width (full checklist text and step titles)."""

SHORT = 30
"""Below this many rows the step list and timeline share the height instead of the step list taking its fill."""

MIN_SIZE = (72, 20)
"""Below this size the console shows what size it needs instead of panels nobody can read."""


class MainScreen(Operator, Offering, Screen[None]):
    """The drill at a glance; its keys are inactive while a dialog is open, and offered by the roles held."""

    BINDINGS = [*MAIN_KEYS]
    app: DrillHost

    def __init__(self, role: str | None) -> None:
        super().__init__(id="main")
        self.role_fixed = role
        self._role_view: str | None = role
        self._last_second = -1
        self._advance_from: str | None = None
        self._focus_before: Widget | None = None

    def compose(self) -> ComposeResult:
        seat = self.app.seat
        state, pb = seat.state, seat.playbook
        yield DrillHeader(state, id="header")
        if pb.drill.environment == "production":
            yield Static("⚠ PRODUCTION — steps of this drill change live systems", id="production-banner")
        roles = self.checklist_roles()
        yield Static("", id="too-small")
        with Container(id="body"):
            with Vertical(id="left"):
                yield SignalBoard(state, id="signals")
                with Vertical(id="checklists-box") as box:
                    box.border_title = self._checklists_title(roles)
                    yield Checklists(state, roles, id="checklists")
            with Vertical(id="right"):
                yield Alerts(state, id="alerts")
                with Vertical(id="steps-box") as box:
                    box.border_title = "Steps"
                    yield StepTable(state, id="steps")
                    yield StepDetail(state, seat, id="step-detail")
                yield Timeline(pb, id="timeline")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(StepTable).focus()
        first = self.app.seat.playbook.steps[0].id
        self.query_one(StepDetail).step_id = first
        self._size_class(self.app.size.width, self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._size_class(event.size.width, event.size.height)

    def _size_class(self, width: int, height: int) -> None:
        """Pick the layout for the terminal size (the TCSS does the rest)."""
        signals = len(self.app.seat.playbook.signals)
        # Full signal panels (3 rows each) only when a usable checklist (12 rows) still fits below them.
        compact = width < NARROW or height < 3 * signals + 2 + 12 + 3
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.set_class(width < NARROW, "-narrow")
        self.set_class(width >= WIDE, "-wide")
        self.set_class(height < SHORT, "-short")
        self.set_class(compact, "-compact")
        if too_small and not self.has_class("-too-small"):
            self._focus_before = self.focused  # hidden panels lose the focus; it comes back with the room
        elif not too_small and self.has_class("-too-small") and self._focus_before is not None:
            self.call_after_refresh(self._focus_before.focus)
        self.set_class(too_small, "-too-small")
        footer = self.query_one(Footer)
        footer.compact = width < NARROW
        if too_small:
            self.query_one("#too-small", Static).update(
                f"[b]Terminal too small[/b]\n\nThis terminal is {width}×{height}; the console needs at least "
                f"[b]{MIN_SIZE[0]}×{MIN_SIZE[1]} [/b](columns × rows).\nEnlarge the window or make the font smaller."
                "\n\nThe drill keeps running; q quits."
            )

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
        self.query_one(StepTable).show(now)
        self.query_one(StepDetail).show(now)
        self.query_one(Checklists).show(now)
        self.query_one(Alerts).show(now)
        if events:
            self.query_one(Timeline).add_events(events)
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
        checklists = self.query_one(Checklists)
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
        table = self.query_one(StepTable)
        if status in ("succeeded", "skipped") and table.step_id == step_id:  # a failure stays in view
            nxt = flow.next_step(state)
            if nxt is not None:
                table.select(nxt.id)

    def repaint_all(self) -> None:
        """Re-render styled text that does not follow TCSS (after a theme change)."""
        self.query_one(Timeline).rebuild()

    # --- what the operator looks at ------------------------------------------------------

    def selected_step(self) -> Step | None:
        step_id = self.query_one(StepTable).step_id
        return None if step_id is None else self.app.seat.playbook.step(step_id)

    def select_step(self, step_id: str) -> None:
        self.query_one(StepTable).select(step_id)

    def current_role(self) -> str:
        """The role the console acts as: `--role`, else the checklist tab shown."""
        if self._role_view is None:
            self._role_view = self.query_one(Checklists).role
        return self._role_view

    def checklist_target(self) -> tuple[str, str | None]:
        checklists = self.query_one(Checklists)
        role = checklists.role
        return role, checklists.table(role).item_id

    def cycle_role_view(self, delta: int) -> None:
        checklists = self.query_one(Checklists)
        roles = checklists.roles
        self.show_role(roles[(roles.index(checklists.role) + delta) % len(roles)])

    def show_role(self, role: str) -> None:
        """Switch the checklist tab to a role; a checklist that had focus hands it to the new tab's list."""
        checklists = self.query_one(Checklists)
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
        checklists = self.query_one(Checklists)
        table = checklists.table(checklists.role)
        self.set_focus(table)  # now, not after the next refresh: a number key typed right after must find it
        return table

    def action_filter_checklist(self) -> None:
        """`/`: find an item of the shown role's checklist by typing part of its text (any number of items)."""
        self.query_one(Checklists).open_filter()

    def timeline_filter(self) -> tuple[str | None, str | None]:
        timeline = self.query_one(Timeline)
        return timeline.role, timeline.kind

    def set_timeline_filter(self, role: str | None, kind: str | None) -> None:
        self.query_one(Timeline).set_filter(role, kind)

    @on(StepHighlighted)
    def _step_highlighted(self, event: StepHighlighted) -> None:
        if event.step_id != self._advance_from:
            self._advance_from = None  # the operator moved on by hand
        detail = self.query_one(StepDetail)
        detail.step_id = event.step_id
        detail.show(self.app.seat.now())

    @on(DataTable.RowSelected, "ChecklistTable")
    def _item_chosen(self, event: DataTable.RowSelected) -> None:
        """Enter on a checklist row checks (or unchecks) it."""
        event.stop()
        table = event.data_table
        assert isinstance(table, ChecklistTable)
        self.action_check_item(table.role, str(event.row_key.value))

    @on(RoleViewChanged)
    def _role_changed(self, event: RoleViewChanged) -> None:
        self._role_view = self.role_fixed or event.role
        self.app.refresh_now()
        self.offer_changed()
