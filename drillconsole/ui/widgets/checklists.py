"""Role checklists: one tab per role (or the `--role` one and any role handed to its person); late and due-soon items
stand out; `/` finds an item."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane, Tabs

from drillconsole.drill.wording import format_clock, format_duration
from drillconsole.ui.messages import RoleViewChanged
from drillconsole.ui.tones import tone

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState
    from drillconsole.playbook.models import ChecklistItem

DUE_SOON = 20.0
"""Drill seconds before its due time from which an unchecked item is marked due soon."""


def pane_id(role: str) -> str:
    """A DOM id for a role's tab (playbook ids may hold dots)."""
    return "role-" + role.replace(".", "_")


class ChecklistTable(DataTable[object]):
    """The items of one role, numbered: the item's text wrapped to the width, then its status, phase and due time.

    The row under the cursor carries a ▶ while the table has focus, so the focused row never depends on
    colour alone; rows are rebuilt when the width changes, so the text wraps instead of being cut.
    """

    START_WIDTH = 36
    """Item column of a table not yet laid out (a hidden tab)."""

    MIN_WIDTH = 16
    """Narrowest item column (the panel never gets narrower at the minimum terminal size)."""

    def __init__(self, role: str, items: list[ChecklistItem], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, show_header=False, **kwargs)  # type: ignore[arg-type]
        self.role = role
        self._items = items
        self.needle = ""
        """Text the rows are narrowed to (the checklist filter); empty: every item."""
        self.filtering = False
        """The filter is open on this table: its highlighted row is the one Enter checks."""
        self._cells: dict[tuple[str, str], object] = {}
        self._checked: dict[str, bool] = {}
        self.item_width = 0
        """Cells of the item column, following the panel's width."""

    def on_mount(self) -> None:
        # Rows from the start, also in hidden tabs (no size until shown): they are rebuilt to the width when shown.
        self._build(self.START_WIDTH)

    def on_resize(self, event: events.Resize) -> None:
        # Mark column (3) and two cell paddings (2 each), one column kept for the scrollbar.
        width = max(self.MIN_WIDTH, event.size.width - 3 - 4 - 1)
        if width != self.item_width:
            self._build(width)

    def _build(self, width: int) -> None:
        """(Re)build the rows for an item column `width` cells wide; each row is as tall as its wrapped text."""
        row = self.cursor_row
        self.item_width = width
        self.clear(columns=True)
        self._cells.clear()
        self.add_column(" ", key="mark", width=3)
        self.add_column("Item", key="item", width=width)
        console = self.app.console
        for item in self.shown:
            lines = len(Text(item.text).wrap(console, width))
            self.add_row(self._mark(item, False), Text(item.text), height=lines + 1, key=item.id)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))
        self.post_message(self.Rebuilt())

    @property
    def shown(self) -> list[ChecklistItem]:
        """The items with a row: those whose text or id holds the filter text (any case), or all."""
        needle = self.needle.casefold()
        return [i for i in self._items if needle in i.text.casefold() or needle in i.id.casefold()]

    def narrow(self, needle: str) -> int:
        """Show only the items matching `needle` (all when empty), cursor on the first; the number shown."""
        if needle != self.needle:
            self.needle = needle
            self._build(self.item_width or self.START_WIDTH)
            if self.row_count:
                self.move_cursor(row=0)
        return self.row_count

    class Rebuilt(Message):
        """The rows were rebuilt for a new width: their cells need filling again."""

    @property
    def item_id(self) -> str | None:
        """The highlighted item."""
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def pick(self, number: int) -> bool:
        """Move the cursor to the item numbered `number` (1-based); False when there is none."""
        if not 1 <= number <= self.row_count:
            return False
        self.move_cursor(row=number - 1)
        return True

    def set_cell(self, item: str, column: str, value: object, key: object = None) -> None:
        """Update a cell in place when its value (or the `key` standing for it) changed (items filtered out: nothing)."""
        if item not in self.rows:
            return
        key = value if key is None else key
        if self._cells.get((item, column)) != key:
            self._cells[(item, column)] = key
            self.update_cell(item, column, value)

    def set_checked(self, item: str, checked: bool) -> None:
        """Record an item's checked state for its mark."""
        self._checked[item] = checked
        self._marks()

    def _mark(self, item: ChecklistItem, checked: bool) -> Text:
        index = self._items.index(item)  # the item's number stays its own while the rows are filtered
        under_cursor = item.id in self.rows and self.get_row_index(item.id) == self.cursor_row
        pointer = "▶" if (self.has_focus or self.filtering) and under_cursor else (str(index + 1) if index < 9 else " ")
        box = Text("☑" if checked else "☐", style=tone(self.app, "band-ok") if checked else "")
        return Text.assemble((pointer + " ", "bold"), box)  # the space inside the bold: screenshots keep it

    def _marks(self) -> None:
        shown = self.shown
        if self.row_count < len(shown):
            return
        for item in shown:
            self.set_cell(item.id, "mark", self._mark(item, self._checked.get(item.id, False)))

    def on_focus(self) -> None:
        self._marks()

    def on_blur(self) -> None:
        self._marks()

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self._marks()


class ChecklistFilter(Input):
    """The filter line of the checklists: typing narrows the shown role's items; ↑ ↓ move among the matches."""

    BINDINGS = [
        Binding("enter", "submit", "Check match"),
        Binding("escape", "close", "Close find"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
    ]

    class Closed(Message):
        """Escape: the filter closes and every item shows again."""

    class Moved(Message):
        """↑ or ↓ in the filter: move the highlight among the matches."""

        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    def action_close(self) -> None:
        self.post_message(self.Closed())

    def action_move(self, delta: int) -> None:
        self.post_message(self.Moved(delta))


class Checklists(Vertical):
    """The checklists the console shows; the active tab is the role the console acts as."""

    DEFAULT_CSS = """
    Checklists { height: 1fr; }
    Checklists TabbedContent { height: 1fr; }
    Checklists TabPane { padding: 0; }
    Checklists ChecklistTable { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; }
    Checklists #checklist-find { height: 1; display: none; }
    Checklists #checklist-find.-open { display: block; }
    Checklists ChecklistFilter, Checklists ChecklistFilter:focus { width: 1fr; height: 1; border: none; padding: 0 1; }
    Checklists #checklist-find-label { width: auto; height: 1; padding: 0 0 0 1; text-style: bold; }
    Checklists #checklist-matches { width: auto; height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, state: DrillState, roles: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._state = state
        self.roles = roles
        self._theme = ""
        self._now: float | None = None

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=pane_id(self.roles[0])):
            for role in self.roles:
                with TabPane(role, id=pane_id(role)):
                    items = list(self._state.playbook.roles[role].checklist)
                    yield ChecklistTable(role, items, id=f"checklist-{pane_id(role)}")
        with Horizontal(id="checklist-find"):
            yield Static("Find /", id="checklist-find-label")
            yield ChecklistFilter(placeholder="find an item · Enter checks · Esc closes", id="checklist-filter")
            yield Static("", id="checklist-matches")

    def on_mount(self) -> None:
        # The tab strip is no focus stop: ] and [ switch roles, and Tab goes from list to list.
        self.query_one(Tabs).can_focus = False

    @property
    def active(self) -> str:
        """The DOM id of the active role tab."""
        return self.query_one(TabbedContent).active

    def table(self, role: str) -> ChecklistTable:
        """The table of a role."""
        return self.query_one(f"#checklist-{pane_id(role)}", ChecklistTable)

    def _pane(self, role: str) -> TabPane:
        items = list(self._state.playbook.roles[role].checklist)
        return TabPane(role, ChecklistTable(role, items, id=f"checklist-{pane_id(role)}"), id=pane_id(role))

    def set_roles(self, roles: list[str]) -> None:
        """Show these roles' tabs, in this order: a role handed over mid-drill gets its tab, one given up loses it.

        The first role's tab always stays (it is the console's own); the tab shown stays unless it went.
        """
        if roles == self.roles or not roles:
            return
        tabs = self.query_one(TabbedContent)
        for role in self.roles:
            if role not in roles:
                tabs.remove_pane(pane_id(role))
        shown = [r for r in self.roles if r in roles]
        for n, role in enumerate(roles):
            if role not in shown:
                pane = self._pane(role)
                after = next((r for r in reversed(roles[:n]) if r in shown), None)
                if after is not None:
                    tabs.add_pane(pane, after=pane_id(after))
                elif shown:
                    tabs.add_pane(pane, before=pane_id(shown[0]))
                else:
                    tabs.add_pane(pane)
                shown.append(role)
        self.roles = list(roles)

    @property
    def role(self) -> str:
        """The role of the active tab."""
        return next((r for r in self.roles if pane_id(r) == self.active), self.roles[0])

    def show_role(self, role: str) -> None:
        """Switch to a role's tab."""
        if role in self.roles:
            self.query_one(TabbedContent).active = pane_id(role)

    # --- the filter (`/`) -------------------------------------------------------------

    @property
    def filter_open(self) -> bool:
        return self.query_one("#checklist-find").has_class("-open")

    def open_filter(self) -> None:
        """Show the filter line under the shown role's checklist and put the cursor in it."""
        box, line = self.query_one("#checklist-find"), self.query_one(ChecklistFilter)
        if not box.has_class("-open"):
            line.value = ""
            box.add_class("-open")
        self.table(self.role).filtering = True
        self._matches(self.table(self.role))
        line.focus()

    def close_filter(self) -> ChecklistTable:
        """Hide the filter line; every item shows again, the highlight stays on the item it was on."""
        self.query_one("#checklist-find").remove_class("-open")
        for table in self.query(ChecklistTable):
            item, table.filtering = table.item_id, False
            table.narrow("")
            if item is not None:
                table.move_cursor(row=[i.id for i in table.shown].index(item))
        return self.table(self.role)

    def _matches(self, table: ChecklistTable) -> None:
        count, total = table.row_count, len(table._items)
        text = f"{count} of {total}" if table.needle else f"{total} items"
        self.query_one("#checklist-matches", Static).update(text if count or not table.needle else "no match")

    @on(Input.Changed, "#checklist-filter")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        table = self.table(self.role)
        table.narrow(event.value.strip())
        self._matches(table)

    @on(ChecklistFilter.Moved)
    def _move(self, event: ChecklistFilter.Moved) -> None:
        event.stop()
        table = self.table(self.role)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + event.delta)))

    @on(ChecklistFilter.Closed)
    def _escape(self, event: ChecklistFilter.Closed) -> None:
        event.stop()
        self.close_filter().focus()

    @on(Input.Submitted, "#checklist-filter")
    def _enter(self, event: Input.Submitted) -> None:
        """Enter: the single (or highlighted) match is checked or unchecked as Enter on its row does."""
        event.stop()
        table = self.table(self.role)
        if table.row_count == 0:
            self.app.notify(f"no item of {table.role} matches {event.value.strip()!r}", severity="warning", timeout=3)
            return
        table = self.close_filter()
        table.focus()
        # RowSelected, the screen's one path for checking an item, sent from the table itself: a message sent
        # from this handler would stop bubbling here, at its sender.
        table.call_later(table.action_select_cursor)

    @on(ChecklistTable.Rebuilt)
    def _rebuilt(self, event: ChecklistTable.Rebuilt) -> None:
        event.stop()
        if self._now is not None:
            self.show(self._now)

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        if self.filter_open:  # the filter narrows the role it was opened on: it does not follow to another tab
            typing = self.screen.focused is self.query_one(ChecklistFilter)
            table = self.close_filter()
            if typing:
                table.focus()
        self.post_message(RoleViewChanged(self.role))

    def show(self, now: float) -> None:
        """Refresh marks, due times and statuses in place (every tab: a hidden one is current when shown)."""
        self._now = now
        s, app = self._state, self.app
        repaint = self._theme != app.theme
        self._theme = app.theme
        for role in self.roles:
            try:
                table = self.table(role)
            except NoMatches:
                continue  # a tab just added: its table fills itself once mounted (Rebuilt)
            if table.row_count < len(table.shown):
                continue  # not mounted yet
            if repaint:
                table._cells.clear()  # the mark and the item are drawn again in the new colours
            for item in s.playbook.roles[role].checklist:
                check = s.checklist[(role, item.id)]
                due = s.item_due_t(role, item.id)
                table.set_checked(item.id, check.checked)
                if due is not None:
                    when = f"due {format_clock(due)}"
                else:
                    when = f"+{format_duration(item.within)}" if item.within else "no due time"
                # The item wraps; its status line does not, and comes first: what is cut at the end is never lateness.
                status = self._status(check.checked, check.by, check.t, check.late, due, now)
                line = status.copy()
                line.no_wrap, line.overflow = True, "ellipsis"
                line.append(
                    (" · " if status.plain else "") + f"{item.phase.value} · {when}",
                    style=tone(app, "foreground", dim=True),
                )
                table.set_cell(item.id, "item", Group(Text(item.text), line), key=(line.plain, status.style))

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
