"""All signal panels, scrolling when a playbook watches more than fit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from drillconsole.engine.state import DrillState
from drillconsole.ui.widgets.signal_panel import SignalPanel


class SignalBoard(VerticalScroll):
    """One SignalPanel per signal of the playbook, mounted once."""

    DEFAULT_CSS = """
    SignalBoard {
        border: round $panel-lighten-2;
        border-title-color: $accent;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, state: DrillState, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._state = state
        self.border_title = "Signals"
        self.can_focus = False
        self._panels = [SignalPanel(s, id=f"signal-{s.id.replace('.', '_')}") for s in state.playbook.signals]

    def compose(self) -> ComposeResult:
        yield from self._panels

    def show(self, now: float) -> None:
        """Refresh every panel from the state (each repaints only on change)."""
        view = self.region
        for panel in self._panels:
            if not panel.shown or panel.region.overlaps(view):  # scrolled-away panels catch up when shown
                panel.show(self._state.signals[panel.signal.id], now)
        counts = [v.state for v in self._state.signals.values()]
        bad = sum(1 for c in counts if c != "ok")
        self.border_subtitle = f"{bad} not ok" if bad else "all ok"
