"""The main screen: header, signals, checklists, alerts, steps with detail, timeline, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from drillconsole.drill import flow
from drillconsole.log.events import Event
from drillconsole.playbook.models import Step
from drillconsole.ui.keys import MAIN_KEYS
from drillconsole.ui.messages import RoleViewChanged, StepHighlighted
from drillconsole.ui.operator import Operator
from drillconsole.ui.widgets.alerts import Alerts
from drillconsole.ui.widgets.checklists import Checklists
from drillconsole.ui.widgets.drill_header import DrillHeader, HeaderFacts
from drillconsole.ui.widgets.signal_board import SignalBoard
from drillconsole.ui.widgets.step_detail import StepDetail
from drillconsole.ui.widgets.step_table import StepTable
from drillconsole.ui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from drillconsole.ui.app import DrillApp

NARROW = 100
"""Below this many columns the panels stack in one scrolling column."""


class MainScreen(Operator, Screen[None]):
    """The drill at a glance; its keys are inactive while a dialog is open."""

    BINDINGS = MAIN_KEYS
    app: DrillApp

    def __init__(self, role: str | None) -> None:
        super().__init__(id="main")
        self.role_fixed = role
        self._role_view: str | None = role
        self._last_second = -1
        self._advance_from: str | None = None

    def compose(self) -> ComposeResult:
        engine = self.app.engine
        state, pb = engine.state, engine.playbook
        yield DrillHeader(state, id="header")
        if pb.drill.environment == "production":
            yield Static("⚠ PRODUCTION — steps of this drill change live systems", id="production-banner")
        roles = [self.role_fixed] if self.role_fixed else list(pb.roles)
        with Container(id="body"):
            with Vertical(id="left"):
                yield SignalBoard(state, id="signals")
                with Vertical(id="checklists-box") as box:
                    box.border_title = "Checklists" + (f" — {self.role_fixed}" if self.role_fixed else "")
                    yield Checklists(state, roles, id="checklists")
            with Vertical(id="right"):
                yield Alerts(state, id="alerts")
                with Vertical(id="steps-box") as box:
                    box.border_title = "Steps"
                    yield StepTable(state, id="steps")
                    yield StepDetail(state, engine, id="step-detail")
                yield Timeline(id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StepTable).focus()
        first = self.app.engine.playbook.steps[0].id
        self.query_one(StepDetail).step_id = first
        self._size_class(self.app.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self._size_class(event.size.width)

    def _size_class(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    # --- refresh (called by the app's single interval, inside batch_update) ---------

    def show(self, now: float, events: list[Event], samples: bool) -> None:
        """Update every widget in place from the engine state."""
        app = self.app
        clock = app.engine.clock
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

    def follow_step(self, step_id: str) -> None:
        """The operator ran this step: once it is done, move the cursor on to the next step (if it is still on it)."""
        self._advance_from = step_id

    def _advance(self) -> None:
        step_id = self._advance_from
        if step_id is None:
            return
        state = self.app.engine.state
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
        return None if step_id is None else self.app.engine.playbook.step(step_id)

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
        checklists.show_role(roles[(roles.index(checklists.role) + delta) % len(roles)])

    def show_role(self, role: str) -> None:
        """Switch the checklist tab to a role (palette)."""
        self.query_one(Checklists).show_role(role)

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
        detail.show(self.app.engine.now())

    @on(RoleViewChanged)
    def _role_changed(self, event: RoleViewChanged) -> None:
        self._role_view = self.role_fixed or event.role
        self.app.refresh_now()
