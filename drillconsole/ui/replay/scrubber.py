"""The scrubber: the whole drill as one bar with a glyph at every marker's time, the position, and phases."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from drillconsole.log.contract import EventType
from drillconsole.replay import Marker, ReplaySession
from drillconsole.ui.tones import tone


@dataclass(frozen=True)
class MarkerLook:
    """How a kind of marker reads on the bar: symbol, theme colour, and rank when markers share a cell."""

    symbol: str
    variable: str
    rank: int
    word: str


LOOKS: dict[str, MarkerLook] = {
    "injection": MarkerLook("◆", "band-warn", 6, "injection"),
    "transient": MarkerLook("◇", "band-stale", 2, "transient"),
    "trigger": MarkerLook("✖", "band-critical", 8, "trigger"),
    "decision": MarkerLook("★", "accent", 9, "decision"),
    EventType.GATE_REQUESTED: MarkerLook("▣", "band-warn", 7, "gate"),
    EventType.GATE_APPROVED: MarkerLook("▣", "band-ok", 7, "gate"),
    EventType.GATE_REJECTED: MarkerLook("▣", "band-critical", 7, "gate"),
    EventType.GATE_EXPIRED: MarkerLook("▣", "band-critical", 7, "gate"),
    EventType.STEP_SUCCEEDED: MarkerLook("●", "band-ok", 4, "step"),
    EventType.STEP_UNDONE: MarkerLook("●", "band-warn", 4, "step"),
    EventType.STEP_SKIPPED: MarkerLook("●", "band-stale", 3, "step"),
    EventType.STEP_FAILED: MarkerLook("⊗", "band-critical", 5, "step failed"),
    EventType.VERIFY_PASSED: MarkerLook("✔", "band-ok", 5, "verify"),
    EventType.VERIFY_FAILED: MarkerLook("✘", "band-critical", 6, "verify failed"),
    "end.restored": MarkerLook("■", "band-ok", 10, "end"),
    "end.other": MarkerLook("■", "band-critical", 10, "end"),
}
"""Every marker kind but `phase` (phases are labelled under the bar); fidelity reads as verify."""

LEGEND = (
    "injection",
    "transient",
    "trigger",
    "decision",
    EventType.GATE_APPROVED,
    EventType.STEP_SUCCEEDED,
    EventType.STEP_FAILED,
    EventType.VERIFY_PASSED,
    EventType.VERIFY_FAILED,
    "end.restored",
)
"""The looks the legend explains, in order."""


@dataclass(frozen=True)
class ScrubMark:
    """One glyph on the bar."""

    t: float
    look: MarkerLook
    label: str


def look_of(marker: Marker, session: ReplaySession) -> MarkerLook | None:
    """The look of a marker (None for phases), reading the event for fidelity and end verdicts."""
    data = session.events[marker.seq].data if 0 <= marker.seq < len(session.events) else {}
    if marker.kind == "phase":
        return None
    if marker.kind == "fidelity":
        return LOOKS[EventType.VERIFY_PASSED if data.get("passed") else EventType.VERIFY_FAILED]
    if marker.kind == "end":
        return LOOKS["end.restored" if data.get("outcome") == "restored" else "end.other"]
    return LOOKS.get(marker.kind)


def scrub_marks(session: ReplaySession) -> list[ScrubMark]:
    """Every marker of a replay that the bar draws, in log order."""
    marks = []
    for marker in session.markers:
        look = look_of(marker, session)
        if look is not None:
            marks.append(ScrubMark(marker.t, look, marker.label))
    return marks


def legend_markup() -> str:
    """The legend as console markup: each symbol in its colour, then its word."""
    return "  ".join(f"[${LOOKS[k].variable}]{LOOKS[k].symbol}[/] {LOOKS[k].word}" for k in LEGEND)


class Scrubber(Widget):
    """Two lines: markers on a track played up to the cursor, then the phases; a click seeks there."""

    DEFAULT_CSS = """
    Scrubber { height: 2; }
    """

    position: reactive[float] = reactive(0.0)
    """Drill time of the cursor."""

    class Seek(Message):
        """The user clicked the scrubber at drill time `t`."""

        def __init__(self, t: float) -> None:
            super().__init__()
            self.t = t

    def __init__(
        self, marks: list[ScrubMark], phases: list[tuple[float, str]], duration: float, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.marks = marks
        self.phases = phases
        self.duration = duration

    # --- geometry ------------------------------------------------------------------------

    def column_of(self, t: float, width: int | None = None) -> int:
        """The cell of drill time t on a bar `width` cells wide (default: the widget's)."""
        width = self.content_size.width if width is None else width
        if width <= 1 or self.duration <= 0:
            return 0
        return max(0, min(width - 1, round(t / self.duration * (width - 1))))

    def time_of(self, column: int) -> float:
        """The drill time a cell of the bar stands for."""
        width = self.content_size.width
        if width <= 1:
            return 0.0
        return max(0.0, min(self.duration, column / (width - 1) * self.duration))

    def glyphs(self, width: int) -> dict[int, MarkerLook]:
        """The marker look drawn in each cell that has one (the highest rank wins a shared cell)."""
        cells: dict[int, MarkerLook] = {}
        for mark in self.marks:
            column = self.column_of(mark.t, width)
            if column not in cells or mark.look.rank > cells[column].rank:
                cells[column] = mark.look
        return cells

    # --- drawing -------------------------------------------------------------------------

    def render(self) -> Text:
        width = self.content_size.width
        if width <= 0:
            return Text("")
        return Text("\n").join([self._track(width), self._phase_line(width)])

    def _track(self, width: int) -> Text:
        app = self.app
        cursor = self.column_of(self.position, width)
        cells = self.glyphs(width)
        played, ahead = tone(app, "accent"), tone(app, "foreground", dim=True)
        text = Text(no_wrap=True, overflow="crop")
        for column in range(width):
            look = cells.get(column)
            if column == cursor:
                glyph = look.symbol if look else "┃"
                base = tone(app, look.variable if look else "accent", bold=True)
                text.append(glyph, style=base + Style(reverse=look is not None))
            elif look is not None:
                text.append(look.symbol, style=tone(app, look.variable, bold=True))
            else:
                text.append("━" if column < cursor else "─", style=played if column < cursor else ahead)
        return text

    def _phase_line(self, width: int) -> Text:
        cells = [" "] * width
        styles: list[Style | None] = [None] * width
        tick, name_style = tone(self.app, "primary", bold=True), tone(self.app, "foreground", dim=True)
        starts = [(self.column_of(t, width), name) for t, name in self.phases]
        for i, (column, name) in enumerate(starts):
            stop = starts[i + 1][0] - 1 if i + 1 < len(starts) else width
            label = ("▏" + name)[: max(1, stop - column)]
            for offset, char in enumerate(label):
                if column + offset < width:
                    cells[column + offset] = char
                    styles[column + offset] = tick if offset == 0 else name_style
        cursor = self.column_of(self.position, width)
        if cells[cursor] in (" ", "▏"):  # on a label the cursor reverses the letter, keeping the name readable
            cells[cursor], styles[cursor] = "▲", tone(self.app, "accent", bold=True)
        else:
            styles[cursor] = tone(self.app, "accent", bold=True) + Style(reverse=True)
        text = Text(no_wrap=True, overflow="crop")
        for char, style in zip(cells, styles, strict=False):
            text.append(char, style=style or "")
        return text

    def on_click(self, event: events.Click) -> None:
        """Seek to the clicked cell's drill time."""
        offset = event.get_content_offset(self)
        if offset is not None:
            event.stop()
            self.post_message(self.Seek(self.time_of(offset.x)))
