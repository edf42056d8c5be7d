"""The timeline: the session log as readable lines, filterable by role and by kind, newest visible."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from drillconsole.log.events import Event
from drillconsole.ui.event_text import KINDS, TimelineLine, describe_event
from drillconsole.ui.tones import tone

MAX_LINES = 5000
"""Lines kept for re-filtering (the log on disk keeps everything)."""

_KIND_TONE = {"trigger": "band-critical", "escalation": "late", "decision": "accent", "gate": "band-warn",
              "phase": "primary", "verify": "band-ok", "session": "primary"}


class Timeline(RichLog):
    """Appends lines as events arrive; a filter change rewrites what is shown."""

    DEFAULT_CSS = """
    Timeline {
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $accent;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(wrap=False, markup=False, highlight=False, auto_scroll=True, max_lines=MAX_LINES, **kwargs)  # type: ignore[arg-type]
        self.lines_seen: list[TimelineLine] = []
        self.role: str | None = None
        self.kind: str | None = None
        self._title()

    def add_events(self, events: list[Event]) -> None:
        """Describe and append new events (samples are skipped)."""
        for event in events:
            line = describe_event(event)
            if line is None:
                continue
            self.lines_seen.append(line)
            if self._matches(line):
                self.write(self._styled(line))
        del self.lines_seen[:-MAX_LINES]

    def set_filter(self, role: str | None, kind: str | None) -> None:
        """Show only one role's lines and/or one kind; None means all."""
        self.role, self.kind = role, kind
        self._title()
        self.rebuild()

    def rebuild(self) -> None:
        """Rewrite every shown line (after a filter or theme change)."""
        self.clear()
        for line in self.lines_seen:
            if self._matches(line):
                self.write(self._styled(line))

    def _matches(self, line: TimelineLine) -> bool:
        return (self.role is None or line.actor == self.role) and (self.kind is None or line.kind == self.kind)

    def _title(self) -> None:
        self.border_title = "Timeline"
        self.border_subtitle = f"role: {self.role or 'all'} · kind: {self.kind or 'all'} (f / k)"

    def _styled(self, line: TimelineLine) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{line.clock}  ", style=tone(self.app, "foreground", bold=True))
        text.append(f"{line.actor:<12.12}  ", style=tone(self.app, "accent"))
        kind_tone = _KIND_TONE.get(line.kind)
        text.append(line.text, style=tone(self.app, kind_tone) if kind_tone else "")
        return text


__all__ = ["Timeline", "KINDS"]
