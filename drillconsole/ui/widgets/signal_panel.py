"""One live signal: value with unit, band state by colour, symbol and word, sparkline, bounds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from drillconsole.durations import format_duration
from drillconsole.engine.state import SignalView
from drillconsole.playbook.models import Signal
from drillconsole.ui.present import band_look, format_value, thresholds

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
        self._reading = Static("—", classes="reading")
        self._spark = Sparkline((), summary_function=lambda values: sum(values) / len(values))
        self._bounds_text = thresholds(signal)
        self._bounds = Static(escape(self._bounds_text), classes="bounds")
        self._state = "ok"
        self._spark_t: float | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(escape(self.signal.title), classes="title")
            yield self._reading
        yield self._spark
        yield self._bounds

    @property
    def shown(self) -> bool:
        """Whether the panel has been drawn at least once."""
        return self._last is not None

    def silent_for(self, view: SignalView, now: float) -> float | None:
        """Seconds without a sample once that exceeds `stale_after` polls, else None.

        The engine marks a signal stale after failed polls; a poll that never
        returns fails nothing, so the panel itself shows such a signal as stale.
        """
        age = now - (view.last_t if view.last_t is not None else 0.0)
        limit = self.signal.stale_after * self.signal.interval + self.signal.interval
        return age if age > limit else None

    def show(self, view: SignalView, now: float) -> None:
        """Update in place, and only when a new sample or state arrived."""
        silent = self.silent_for(view, now)
        state = "stale" if silent is not None and view.state not in ("stale", "error") else view.state
        key = (view.last_t, state, view.value, view.last_error, None if silent is None else int(silent))
        if key == self._last:
            return
        self._last = key
        look = band_look(state)
        reading = escape(format_value(self.signal, view.value))
        self._reading.update(f"[b]{reading} [/b] [b ${look.variable}]{look.symbol} {look.word}[/]")
        if state != self._state:
            self.remove_class(f"-{self._state}")
            self.add_class(f"-{state}")
            self._state = state
        if view.history and (not self._spark.data or view.last_t != self._spark_t):
            self._spark_t = view.last_t
            self._spark.data = tuple(v for _, v in list(view.history)[-SPARK_POINTS:])
        bounds = thresholds(self.signal)
        if view.state in ("stale", "error") and view.last_error:
            bounds = f"{view.state}: {view.last_error}"
        elif silent is not None:
            bounds = f"no sample for {format_duration(silent)}: source not answering"
        if bounds != self._bounds_text:
            self._bounds_text = bounds
            self._bounds.update(escape(bounds))
