"""The step list: status, owner, gate lock and duration; its cursor is the selected step."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import DataTable

from drillconsole.drill.state import DrillState
from drillconsole.ui.messages import StepHighlighted
from drillconsole.ui.present import gate_cell, step_duration, step_status
from drillconsole.ui.tones import tone

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

    def on_mount(self) -> None:
        for key, label, width in (
            ("n", "#", 1),
            ("step", "Step", 22),
            ("owner", "Owner", 12),
            ("status", "Status", 10),
            ("gate", "Gate", 11),
            ("took", "Took", 5),
        ):
            self.add_column(label, key=key, width=width)
        for n, step in enumerate(self._state.playbook.steps, 1):
            self.add_row(
                str(n), Text(step.title, no_wrap=True, overflow="ellipsis"), step.owner, "", "", "", key=step.id
            )

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
        if self._cells.get((row, column)) != value:
            self._cells[(row, column)] = value
            self.update_cell(row, column, value)
