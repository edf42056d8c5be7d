"""All signal panels, scrolling when a playbook watches more than fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from drillconsole.ui.widgets.signal_panel import SignalPanel

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState
    from drillconsole.playbook.models import Signal
    from drillconsole.playbook.outline import SignalOutline


class SignalBoard(VerticalScroll):
    """One SignalPanel per signal of the playbook, mounted once."""

    DEFAULT_CSS = """
    SignalBoard {
        border: round $panel-edge;
        border-title-color: $accent;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(
        self, state: DrillState | None = None, *, outline: Sequence[SignalOutline] = (), **kwargs: object
    ) -> None:
        """The panels of the drill's signals; before the drill is prepared, of the playbook's `outline` until `bind`."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._state: DrillState | None = None
        self.border_title = "Signals"
        self._subtitle = ""
        self.can_focus = False
        self._panels = [_panel(s) for s in (state.playbook.signals if state is not None else outline)]
        if state is not None:
            self._tie(state)

    def compose(self) -> ComposeResult:
        yield from self._panels

    @property
    def count(self) -> int:
        """How many panels the board holds."""
        return len(self._panels)

    async def bind(self, state: DrillState) -> None:
        """Show the drill's fold from now on; panels of an outline that differs from the playbook are made again."""
        signals = state.playbook.signals
        if [p.signal_id for p in self._panels] != [s.id for s in signals]:
            await self.remove_children()
            self._panels = [_panel(s) for s in signals]
            await self.mount_all(self._panels)
        self._tie(state)

    def _tie(self, state: DrillState) -> None:
        for panel, signal in zip(self._panels, state.playbook.signals, strict=True):
            panel.bind(signal)
        self._state = state

    def show(self, now: float) -> None:
        """Refresh every panel from the state (each repaints only on change)."""
        if self._state is None:
            return
        # Which panels are in view, from their heights and the scroll offset: asking the compositor for an
        # offscreen panel's region, or repainting one, makes it map every widget again (ms per hundred).
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        y = 0
        for panel in self._panels:
            height = panel.outer_size.height
            if not panel.shown or (y < bottom and y + height > top):  # scrolled-away panels catch up when shown
                panel.show(self._state.signals[panel.signal_id], now)
            y += height
        counts = [v.state for v in self._state.signals.values()]
        bad = sum(1 for c in counts if c != "ok")
        subtitle = f"{bad} not ok" if bad else "all ok"
        if subtitle != self._subtitle:  # setting it repaints, even to the same text
            self._subtitle = self.border_subtitle = subtitle


def _panel(signal: Signal | SignalOutline) -> SignalPanel:
    return SignalPanel(signal, id=f"signal-{signal.id.replace('.', '_')}")
