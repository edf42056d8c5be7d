"""The timeline: the session log as readable lines, filterable by role and by kind, newest visible."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from drillconsole.drill.wording import KINDS, TimelineLine, describe_event
from drillconsole.log.events import Event
from drillconsole.ui.tones import tone

if TYPE_CHECKING:
    from drillconsole.playbook.models import Playbook

MAX_LINES = 5000
"""Lines kept for re-filtering (the log on disk keeps everything)."""

_KIND_TONE = {
    "trigger": "band-critical",
    "escalation": "late",
    "decision": "accent",
    "gate": "band-warn",
    "phase": "primary",
    "verify": "band-ok",
    "session": "primary",
}


class Timeline(ScrollView, can_focus=True):
    """Appends lines as events arrive and follows the newest unless scrolled up; a filter change re-selects lines.

    Only the lines in view are drawn (and kept drawn per width), so a filter
    or theme change costs the same with ten lines or five thousand.
    """

    DEFAULT_CSS = """
    Timeline {
        height: 1fr;
        background: $surface;
        color: $foreground;
        border: round $panel-edge;
        border-title-color: $accent;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        overflow-y: scroll;
        &:focus { background-tint: $foreground 5%; }
    }
    """

    def __init__(self, playbook: Playbook | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.playbook = playbook
        self.lines_seen: list[TimelineLine] = []
        """Every line described so far (at most MAX_LINES), whatever the filter."""
        self.role: str | None = None
        self.kind: str | None = None
        self._shown: list[TimelineLine] = []
        self._strips: LRUCache[tuple[int, int], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._follow = True
        self._line_style = Style()
        self._title()

    @property
    def shown(self) -> list[TimelineLine]:
        """The lines that pass the filter, oldest first."""
        return self._shown

    def add_events(self, events: list[Event]) -> None:
        """Describe and append new events (samples are skipped)."""
        added = False
        for event in events:
            line = describe_event(event, self.playbook)
            if line is None:
                continue
            self.lines_seen.append(line)
            if self._matches(line):
                self._shown.append(line)
                added = True
        del self.lines_seen[:-MAX_LINES]
        if added:
            del self._shown[:-MAX_LINES]
            self._follow = not self.size.height or self.is_vertical_scroll_end
            self._update_size()

    def set_filter(self, role: str | None, kind: str | None) -> None:
        """Show only one role's lines and/or one kind; None means all."""
        self.role, self.kind = role, kind
        self._title()
        self._select()

    def rebuild(self) -> None:
        """Draw every shown line again (after a theme change, or after `lines_seen` was changed directly)."""
        self._strips.clear()
        self._styles.clear()
        self._select()

    def _select(self) -> None:
        self._shown = [line for line in self.lines_seen if self._matches(line)]
        self._follow = True
        self._update_size()

    def _update_size(self) -> None:
        self.virtual_size = Size(0, len(self._shown))
        if self._follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self._follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()

    def _matches(self, line: TimelineLine) -> bool:
        return (self.role is None or line.actor == self.role) and (self.kind is None or line.kind == self.kind)

    def _title(self) -> None:
        self.border_title = "Timeline"
        self.border_subtitle = f"role: {self.role or 'all'} · kind: {self.kind or 'all'} (f / k)"

    def render_lines(self, crop: Region) -> list[Strip]:
        self._line_style = self.rich_style  # once per paint, not per line: it walks every ancestor
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if index >= len(self._shown) or width <= 0:
            return Strip.blank(width, self._line_style)
        line = self._shown[index]
        key = (line.seq, width)
        strip = self._strips.get(key)
        if strip is None:
            text = self._styled(line)
            text.truncate(width, overflow="ellipsis", pad=True)
            strip = Strip(list(text.render(self.app.console)), width)
            self._strips[key] = strip
        return strip.apply_style(self._line_style)

    def _tone(self, variable: str, *, bold: bool = False) -> Style:
        key = f"{variable}:{bold}"
        if key not in self._styles:
            self._styles[key] = tone(self.app, variable, bold=bold)
        return self._styles[key]

    def _styled(self, line: TimelineLine) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{line.clock}  ", style=self._tone("foreground", bold=True))
        text.append(f"{line.actor:<12.12}  ", style=self._tone("accent"))
        kind_tone = _KIND_TONE.get(line.kind)
        text.append(line.text, style=self._tone(kind_tone) if kind_tone else "")
        return text


__all__ = ["KINDS", "Timeline"]
