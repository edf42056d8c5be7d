"""Role checklists: one tab per role (or only the `--role` one); late and due-soon items stand out."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, TabbedContent, TabPane

from drillconsole.drill.state import DrillState
from drillconsole.drill.wording import format_clock, format_duration
from drillconsole.playbook.models import ChecklistItem
from drillconsole.ui.messages import RoleViewChanged
from drillconsole.ui.tones import tone

DUE_SOON = 20.0
"""Drill seconds before its due time from which an unchecked item is marked due soon."""


def pane_id(role: str) -> str:
    """A DOM id for a role's tab (playbook ids may hold dots)."""
    return "role-" + role.replace(".", "_")


class ChecklistTable(DataTable[object]):
    """The items of one role, two lines each: the item, then its phase, due time and status."""

    ITEM_WIDTH = 36
    """Cells of the item column (text beyond it is cut with an ellipsis)."""

    def __init__(self, role: str, items: list[ChecklistItem], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, show_header=False, **kwargs)  # type: ignore[arg-type]
        self.role = role
        self._items = items
        self._cells: dict[tuple[str, str], object] = {}

    def on_mount(self) -> None:
        self.add_column(" ", key="mark", width=1)
        self.add_column("Item", key="item", width=self.ITEM_WIDTH)
        for item in self._items:
            self.add_row("☐", Text(item.text), height=2, key=item.id)

    @property
    def item_id(self) -> str | None:
        """The highlighted item."""
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def set_cell(self, item: str, column: str, value: object) -> None:
        """Update a cell in place when its value changed."""
        if self._cells.get((item, column)) != value:
            self._cells[(item, column)] = value
            self.update_cell(item, column, value)


class Checklists(Vertical):
    """The checklists the console shows; the active tab is the role the console acts as."""

    DEFAULT_CSS = """
    Checklists { height: 1fr; }
    Checklists TabbedContent { height: 1fr; }
    Checklists TabPane { padding: 0; }
    Checklists ChecklistTable { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, state: DrillState, roles: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._state = state
        self.roles = roles
        self._theme = ""

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=pane_id(self.roles[0])):
            for role in self.roles:
                with TabPane(role, id=pane_id(role)):
                    items = list(self._state.playbook.roles[role].checklist)
                    yield ChecklistTable(role, items, id=f"checklist-{pane_id(role)}")

    @property
    def active(self) -> str:
        """The DOM id of the active role tab."""
        return self.query_one(TabbedContent).active

    def table(self, role: str) -> ChecklistTable:
        """The table of a role."""
        return self.query_one(f"#checklist-{pane_id(role)}", ChecklistTable)

    @property
    def role(self) -> str:
        """The role of the active tab."""
        return next((r for r in self.roles if pane_id(r) == self.active), self.roles[0])

    def show_role(self, role: str) -> None:
        """Switch to a role's tab."""
        if role in self.roles:
            self.query_one(TabbedContent).active = pane_id(role)

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self.post_message(RoleViewChanged(self.role))

    def show(self, now: float) -> None:
        """Refresh marks, due times and statuses in place (every tab: a hidden one is current when shown)."""
        s, app = self._state, self.app
        repaint = self._theme != app.theme
        self._theme = app.theme
        for role in self.roles:
            table = self.table(role)
            if table.row_count < len(table._items):
                continue  # not mounted yet
            if repaint:
                table._cells.clear()
            for item in s.playbook.roles[role].checklist:
                check = s.checklist[(role, item.id)]
                due = s.item_due_t(role, item.id)
                table.set_cell(
                    item.id,
                    "mark",
                    Text("☑" if check.checked else "☐", style=tone(app, "band-ok") if check.checked else ""),
                )
                if due is not None:
                    when = f"due {format_clock(due)}"
                else:
                    when = f"+{format_duration(item.within)}" if item.within else "no due time"
                cell = Text(no_wrap=True, overflow="ellipsis")
                cell.append(item.text + "\n")
                status = self._status(check.checked, check.by, check.t, check.late, due, now)
                cell.append(
                    f"{item.phase.value} · {when}" + (" · " if status.plain else ""),
                    style=tone(app, "foreground", dim=True),
                )
                cell.append_text(status)
                table.set_cell(item.id, "item", cell)

    def _status(
        self, checked: bool, by: str | None, t: float | None, late: bool, due: float | None, now: float
    ) -> Text:
        app = self.app
        if checked:
            text = f"✓ {by}" + (" (late)" if late else "")
            return Text(text, style=tone(app, "late") if late else tone(app, "band-ok"))
        if due is None:
            return Text("")
        if now > due:
            return Text(f"◷ LATE {format_duration(now - due)}", style=tone(app, "late", bold=True))
        # "in …" follows "due T+mm:ss" on the same line, and fits the column where "due in …" did not.
        if due - now <= DUE_SOON:
            return Text(f"◔ in {format_duration(due - now)}", style=tone(app, "due-soon", bold=True))
        return Text(f"in {format_duration(due - now)}")
