"""One live signal: value with unit, band state by colour, symbol and word, sparkline, bounds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from drillconsole.engine.state import SignalView
from drillconsole.playbook.models import Signal
from drillconsole.ui.present import BANDS, band_look, format_value, thresholds

SPARK_POINTS = 90
"""Samples the sparkline draws (it folds them into the cells it has)."""


class SignalPanel(Widget):
    """A three-line panel; its CSS class `-<state>` colours the edge and the sparkline."""

    DEFAULT_CSS = """
    SignalPanel {
        height: 3;
        border-left: thick $band-ok;
        padding: 0 0 0 1;
        &.-warn { border-left: thick $band-warn; }
        &.-critical { border-left: thick $band-critical; }
        &.-stale, &.-error { border-left: thick $band-stale; }
        Horizontal { height: 1; }
        .title { width: 1fr; text-style: bold; }
        .reading { width: auto; }
        .bounds { color: $text-muted; height: 1; }
        Sparkline { height: 1; margin-right: 1; }
        Sparkline > .sparkline--max-color { color: $band-ok; }
        Sparkline > .sparkline--min-color { color: $band-ok 40%; }
        &.-warn Sparkline > .sparkline--max-color { color: $band-warn; }
        &.-critical Sparkline > .sparkline--max-color { color: $band-critical; }
        &.-stale Sparkline > .sparkline--max-color, &.-error Sparkline > .sparkline--max-color { color: $band-stale; }
    }
    """

    def __init__(self, signal: Signal, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.signal = signal
        self._last: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(escape(self.signal.title), classes="title")
            yield Static("—", classes="reading")
        yield Sparkline((), summary_function=lambda values: sum(values) / len(values))
        yield Static(escape(thresholds(self.signal)), classes="bounds")

    def show(self, view: SignalView) -> None:
        """Update in place, and only when a new sample or state arrived."""
        key = (view.last_t, view.state, view.value, view.last_error)
        if key == self._last:
            return
        self._last = key
        look = band_look(view.state)
        reading = escape(format_value(self.signal, view.value))
        self.query_one(".reading", Static).update(f"[b]{reading}[/b]  [b ${look.variable}]{look.symbol} {look.word}[/]")
        for state in BANDS:
            self.set_class(state == view.state, f"-{state}")
        points = tuple(v for _, v in list(view.history)[-SPARK_POINTS:])
        self.query_one(Sparkline).data = points
        bounds = thresholds(self.signal)
        if view.state in ("stale", "error") and view.last_error:
            bounds = f"{view.state}: {view.last_error}"
        self.query_one(".bounds", Static).update(escape(bounds))
