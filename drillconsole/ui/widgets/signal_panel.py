"""One live signal: value with unit, band state by colour, symbol and word, sparkline, bounds."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.color import Color
from textual.content import Content
from textual.markup import escape
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widget import Widget

from drillconsole.ui.present import band_look, format_value, spark, thresholds

if TYPE_CHECKING:
    from drillconsole.drill.views import SignalView
    from drillconsole.playbook.models import Signal
    from drillconsole.playbook.outline import SignalOutline

SPARK_POINTS = 90
"""Samples the sparkline draws (it folds them into the cells it has)."""


class SignalPanel(Widget):
    """Three lines — title and reading, sparkline, bounds — drawn by one widget of fixed size.

    One widget rather than five: a board of fifty signals stays cheap to lay
    out, and a new sample repaints the panel without a layout pass. Its CSS
    class `-<state>` colours the edge and the sparkline.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "signal-panel--bounds",
        "signal-panel--spark-min",
        "signal-panel--spark-max",
    }

    DEFAULT_CSS = """
    SignalPanel {
        height: 3;
        border-left: thick $band-ok;
        padding: 0 0 0 1;
        & > .signal-panel--bounds { color: $text-muted; }
        & > .signal-panel--spark-max { color: $band-ok; }
        & > .signal-panel--spark-min { color: $band-ok 40%; }
        &.-warn { border-left: thick $band-warn; & > .signal-panel--spark-max { color: $band-warn; } }
        &.-critical { border-left: thick $band-critical; & > .signal-panel--spark-max { color: $band-critical; } }
        &.-stale, &.-error { border-left: thick $band-stale; & > .signal-panel--spark-max { color: $band-stale; } }
        &.-waiting { border-left: thick $band-stale; }
    }
    """

    def __init__(self, signal: Signal | SignalOutline, **kwargs: object) -> None:
        """A panel of a validated signal, or of its outline (title and a dash) until `bind` gives the signal."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.signal_id = signal.id
        self.signal: Signal | None = None
        self._last: tuple[object, ...] | None = None
        self._title = Content.styled(signal.title, "bold")
        self._reading = Content("—")
        self._thresholds = ""
        self._bounds_text = ""
        self._state = "waiting"
        """`waiting` until the first sample (the edge is grey and the sparkline blank: no band is claimed yet)."""
        self.add_class("-waiting")
        self._spark_t: float | None = None
        self._spark_data: tuple[float, ...] = ()
        self._lines: dict[int, tuple[tuple[object, ...], Strip]] = {}

    def bind(self, signal: Signal) -> None:
        """The validated signal: its title, decimals, unit and bounds from now on."""
        self.signal = signal
        self._title = Content.styled(signal.title, "bold")
        self._thresholds = thresholds(signal)
        if self._last is None:
            self._bounds_text = self._thresholds
        self._lines.clear()
        self.refresh()

    @property
    def shown(self) -> bool:
        """Whether the panel has been drawn at least once."""
        return self._last is not None

    def show(self, view: SignalView, now: float) -> None:
        """Update in place, and only when a new sample or state arrived (the engine decides what is stale)."""
        state = view.state
        key = (view.last_t, state, view.value, view.last_error)
        if key == self._last:
            return
        self._last = key
        assert self.signal is not None, "bind the signal before showing its samples"
        look = band_look(state)
        reading = escape(format_value(self.signal, view.value))
        self._reading = Content.from_markup(f"[b]{reading} [/b] [b ${look.variable}]{look.symbol} {look.word}[/]")
        if state != self._state:
            self.remove_class(f"-{self._state}")
            self.add_class(f"-{state}")
            self._state = state
        if view.history and (not self._spark_data or view.last_t != self._spark_t):
            self._spark_t = view.last_t
            self._spark_data = tuple(v for _, v in list(view.history)[-SPARK_POINTS:])
        self._bounds_text = (
            f"{state}: {view.last_error}" if state in ("stale", "error") and view.last_error else self._thresholds
        )
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """One of the three lines, drawn again only when what it shows (or its width, or the theme) changed."""
        width, style = self.content_size.width, self.visual_style
        if y == 1 and not self._spark_data:
            return Strip.blank(width, style.rich_style)  # no samples yet: no sparkline, not a flat one
        if y == 1:
            low = self._component_color("signal-panel--spark-min")
            high = self._component_color("signal-panel--spark-max")
            key: tuple[object, ...] = (self._spark_data, width, low, high, style)
        elif y in (0, 2):
            key = (self._reading if y == 0 else self._bounds_text, width, style)
        else:
            return Strip.blank(width, style.rich_style)
        cached = self._lines.get(y)
        if cached is not None and cached[0] == key:
            return cached[1]
        if y == 1:
            strip = _sparkline(self._spark_data, width - 1, low, high).apply_style(style.rich_style)
        else:
            strip = Visual.to_strips(self, self._text_line(y, width), width, 1, style, pad=True)[0]
        self._lines[y] = (key, strip)
        return strip

    def _text_line(self, y: int, width: int) -> Content:
        if y == 0:
            room = max(0, width - self._reading.cell_length - 1)
            return Content.assemble(self._title.truncate(room, ellipsis=True, pad=True), " ", self._reading)
        muted = self.get_component_rich_style("signal-panel--bounds").color  # resolves `auto` against the background
        style = Style(foreground=Color.from_rich_color(muted)) if muted is not None else Style()
        return Content.styled(self._bounds_text, style).truncate(width, ellipsis=True)

    def _component_color(self, name: str) -> Color:
        """A component class's colour blended over the panel's background, as Textual's Sparkline takes it."""
        _, base = self.background_colors
        return base + self.get_component_styles(name).color

    @property
    def text(self) -> str:
        """The three lines as plain text, as drawn."""
        width = self.content_size.width
        return "\n".join(self.render_line(y).text.rstrip() for y in range(3)) if width else ""


def _sparkline(values: tuple[float, ...], width: int, low: Color, high: Color) -> Strip:
    """Coloured bars from the low colour to the high colour, as Textual's Sparkline blends them (truncated channels)."""
    segments = []
    for bar, ratio in spark(values, width):
        r, g, b = (int(a + (z - a) * ratio) for a, z in zip(low.rgb, high.rgb, strict=False))
        segments.append(Segment(bar, RichStyle(color=RichColor.from_rgb(r, g, b))))
    return Strip(segments, max(0, width))
