"""The transport bar: the scrubber, then where the replay is, how fast, and the markers around it."""

from __future__ import annotations

from bisect import bisect_right

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from drillconsole.replay import Marker, ReplaySession
from drillconsole.ui.present import clock
from drillconsole.ui.replay.scrubber import (
    Scrubber,
    legend_markup,
    look_of,
    scrub_marks,
)
from drillconsole.ui.tones import tone


class TransportBar(Vertical):
    """Scrubber and status line, titled with the legend of the marker glyphs."""

    DEFAULT_CSS = """
    TransportBar {
        height: auto;
        border-top: solid $panel-edge;
        border-title-color: $text-muted;
        padding: 0 1;
        #replay-status { height: 1; }
    }
    """

    def __init__(self, session: ReplaySession, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self._times = [m.t for m in session.markers]
        self._shown: tuple[object, ...] | None = None
        self.border_title = legend_markup()
        phases = [(m.t, m.label.removeprefix("phase ")) for m in session.markers if m.kind == "phase"]
        self.scrubber = Scrubber(scrub_marks(session), phases, session.duration, id="scrubber")
        self.status = Static("", id="replay-status")

    def compose(self) -> ComposeResult:
        yield self.scrubber
        yield self.status

    def around(self, t: float) -> tuple[Marker | None, Marker | None]:
        """The last marker at or before t, and the first after it."""
        i = bisect_right(self._times, t)
        markers = self.session.markers
        return (markers[i - 1] if i > 0 else None), (markers[i] if i < len(markers) else None)

    def show(self, t: float, playing: bool, speed: float) -> None:
        """Move the cursor and rewrite the status line when what it says changed."""
        self.scrubber.position = t
        key = (round(t, 1), playing, speed, self.app.theme)
        if key == self._shown:
            return
        self._shown = key
        self.status.update(self._status(t, playing, speed))

    def repaint(self) -> None:
        """Redraw after a theme change."""
        self._shown = None
        self.scrubber.refresh()

    def _status(self, t: float, playing: bool, speed: float) -> Text:
        app = self.app
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("▶ " if playing else "‖ ", style=tone(app, "accent" if playing else "band-warn", bold=True))
        text.append(f"{clock(t)} / {clock(self.session.duration)}", style=tone(app, "foreground", bold=True))
        text.append(f" · {speed:g}×")
        last, upcoming = self.around(t)
        for word, marker in (("last", last), ("next", upcoming)):
            if marker is None:
                continue
            look = look_of(marker, self.session)
            text.append(f"  │ {word} ", style=tone(app, "foreground", dim=True))
            if look is not None:
                text.append(f"{look.symbol} ", style=tone(app, look.variable, bold=True))
            text.append(f"{clock(marker.t)} {marker.label}")
        return text
