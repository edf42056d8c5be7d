"""Keeps the console's Timeline at the events up to the replay position, in both directions."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from drillconsole.drill.wording import HIDDEN, describe_event
from drillconsole.log.events import Event
from drillconsole.ui.widgets.timeline import MAX_LINES, Timeline


class TimelineFeed:
    """Appends events while the replay moves forward; a seek back re-selects the lines up to the position."""

    def __init__(self, timeline: Timeline, events: Sequence[Event]) -> None:
        self.timeline = timeline
        self.events = events
        # A replay's events know their types without decoding: samples (never shown) stay undecoded.
        self._types: list[str] = getattr(events, "types", None) or [e.type for e in events]
        described = [
            None if t in HIDDEN else describe_event(events[i], timeline.playbook) for i, t in enumerate(self._types)
        ]
        self._lines = [line for line in described if line is not None]
        self._upto = list(accumulate((line is not None for line in described), initial=0))
        """How many timeline lines the first i events make."""
        self.count = 0
        """Events on the timeline."""

    def to(self, count: int) -> None:
        """Show the timeline of the first `count` events."""
        if count >= self.count:
            types, events = self._types, self.events
            self.timeline.add_events([events[i] for i in range(self.count, count) if types[i] not in HIDDEN])
        else:
            total = self._upto[count]
            self.timeline.lines_seen[:] = self._lines[max(0, total - MAX_LINES) : total]
            self.timeline.rebuild()
        self.count = count
