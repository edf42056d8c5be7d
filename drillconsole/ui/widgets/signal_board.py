"""All signal panels, scrolling when a playbook watches more than fit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from drillconsole.drill.state import DrillState
from drillconsole.ui.widgets.signal_panel import SignalPanel


class SignalBoard(VerticalScroll):
    """One SignalPanel per signal of the playbook, mounted once."""

    DEFAULT_CSS = """
    SignalBoard {
        border: round $panel-edge;
        border-title-color: $accent;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, state: DrillState, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._state = state
        self.border_title = "Signals"
        self._subtitle = ""
        self.can_focus = False
        self._panels = [SignalPanel(s, id=f"signal-{s.id.replace('.', '_')}") for s in state.playbook.signals]

    def compose(self) -> ComposeResult:
        yield from self._panels

    def show(self, now: float) -> None:
        """Refresh every panel from the state (each repaints only on change)."""
        # Which panels are in view, from their heights and the scroll offset: asking the compositor for an
        # offscreen panel's region, or repainting one, makes it map every widget again (ms per hundred).
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        y = 0
        for panel in self._panels:
            height = panel.outer_size.height
            if not panel.shown or (y < bottom and y + height > top):  # scrolled-away panels catch up when shown
                panel.show(self._state.signals[panel.signal.id], now)
            y += height
        counts = [v.state for v in self._state.signals.values()]
        bad = sum(1 for c in counts if c != "ok")
        subtitle = f"{bad} not ok" if bad else "all ok"
        if subtitle != self._subtitle:  # setting it repaints, even to the same text
            self._subtitle = self.border_subtitle = subtitle
