"""The step list: status, owner, gate lock and duration; its cursor is the selected step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.widget import Widget
from textual.widgets import DataTable

from drillconsole.ui.messages import StepHighlighted
from drillconsole.ui.present import gate_cell, step_duration, step_status
from drillconsole.ui.tones import tone

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState

_STATUS_TONE = {
    "running": "accent",
    "succeeded": "band-ok",
    "failed": "band-critical",
    "skipped": "band-stale",
    "undone": "band-warn",
}


class StepTable(DataTable[object]):
    """One row per playbook step, updated cell by cell."""

    DEFAULT_CSS = """
    StepTable { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, state: DrillState, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self._state = state
        self._cells: dict[tuple[str, str], object] = {}
        self._theme = ""
        self._layout: list[tuple[str, str, int]] = []
        self._now: float | None = None

    def on_mount(self) -> None:
        # Mounted into a box already laid out (the main screen attaching to a prepared drill): its width is known,
        # so the rows are there for the first layout instead of a second one after the resize.
        width = self.parent.content_size.width if isinstance(self.parent, Widget) else 0
        if width > 0 and not self._layout:
            self._build(self._columns(width - 1))

    def on_resize(self, event: events.Resize) -> None:
        columns = self._columns(event.size.width - 1)  # one column kept for the scrollbar
        if columns != self._layout:
            self._build(columns)

    def _columns(self, width: int) -> list[tuple[str, str, int]]:
        """The columns that fit `width`: the title takes what is left, up to the longest title.

        Narrow terminals drop the duration, then the owner (the detail pane names both).
        """
        steps = self._state.playbook.steps
        number = len(str(len(steps)))
        owner = max(len(s.owner) for s in steps)
        longest = max(len(s.title) for s in steps)
        fixed = [("n", "#", number), ("status", "Status", 10), ("gate", "Gate", 11)]
        optional = [("owner", "Owner", owner), ("took", "Took", 5)]
        cols = fixed + optional
        room = width - sum(w + 2 for _, _, w in cols) - 2  # each cell pads one column either side
        if room < 16:
            cols = [c for c in cols if c[0] != "took"]
            room += 7
        if room < 16:
            cols = [c for c in cols if c[0] != "owner"]
            room += owner + 2
        title = max(8, min(longest, room))
        order = ["n", "step", "owner", "status", "gate", "took"]
        cols.append(("step", "Step", title))
        return sorted(cols, key=lambda c: order.index(c[0]))

    def _build(self, columns: list[tuple[str, str, int]]) -> None:
        """(Re)build the columns and rows; the cells are filled again by the next `show`."""
        row = self.cursor_row
        self._layout = columns
        self.clear(columns=True)
        self._cells = {}
        for key, label, width in columns:
            self.add_column(label, key=key, width=width)
        keys = [key for key, _, _ in columns]
        for n, step in enumerate(self._state.playbook.steps, 1):
            values = {"n": str(n), "step": Text(step.title, no_wrap=True, overflow="ellipsis"), "owner": step.owner}
            self.add_row(*(values.get(key, "") for key in keys), key=step.id)
        self.move_cursor(row=min(row, self.row_count - 1))
        if self._now is not None:
            self.show(self._now)

    @property
    def step_id(self) -> str | None:
        """The selected step."""
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def select(self, step_id: str) -> None:
        """Move the cursor to a step."""
        self.move_cursor(row=self.get_row_index(step_id))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(StepHighlighted(str(event.row_key.value)))

    def show(self, now: float) -> None:
        """Refresh status, gate and duration cells that changed."""
        self._now = now
        if self.row_count < len(self._state.playbook.steps):
            return
        if self._theme != self.app.theme:
            self._theme, self._cells = self.app.theme, {}
        s = self._state
        for step in s.playbook.steps:
            view = s.steps[step.id]
            status = Text(step_status(view), style=tone(self.app, _STATUS_TONE.get(view.status, "foreground")))
            self._set(step.id, "status", status)
            self._set(step.id, "gate", gate_cell(step, s.gates.get(step.id)))
            self._set(step.id, "took", step_duration(view, now))

    def _set(self, row: str, column: str, value: object) -> None:
        if column not in self.columns:
            return  # dropped in a narrow terminal
        if self._cells.get((row, column)) != value:
            self._cells[(row, column)] = value
            self.update_cell(row, column, value)
