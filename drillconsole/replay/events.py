"""The verified events of a session log, decoded when read: the dense samples stay bytes until a fold needs them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import overload

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.lines import parse

DENSE_TYPES = frozenset({EventType.SIGNAL_SAMPLE})
"""Event types too dense to step through one by one (and to decode up front: nine lines in ten of a long drill)."""

_HEAD = re.compile(rb'\{"seq":\d+,"type":"([a-z_.]+)","t":(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?),"ts":')
"""The start of a schema-2 line: its type and drill time, readable without decoding the line."""


class UndecodableLine(ValueError):
    """A line whose hash holds but which is not a well-typed event (`at`: its index among the events)."""

    def __init__(self, at: int) -> None:
        super().__init__(f"event {at} is not a well-typed event")
        self.at = at


class LogEvents(Sequence[Event]):
    """Events by index over verified lines: every type and time known at once, samples decoded on each read.

    Decoding every sample of a four-hour, 200-signal log costs more than a second and a few hundred
    MB; a replay needs them only while it folds (once for its checkpoints, a few hundred per seek).
    Other events are decoded once, up front, and kept.
    """

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = lines
        self.types: list[str] = []
        """Each event's type."""
        self.times: list[float] = []
        """Each event's drill time."""
        self._kept: dict[int, Event] = {}
        for index, line in enumerate(lines):
            head = _HEAD.match(line)
            kind = head.group(1).decode() if head is not None else None
            if head is not None and kind in DENSE_TYPES:
                self.types.append(kind)
                self.times.append(float(head.group(2)))
                continue
            event = parse(line)
            if event is None:
                raise UndecodableLine(index)
            self._kept[index] = event
            self.types.append(event.type)
            self.times.append(event.t)

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        if isinstance(index, slice):
            return [self._event(i) for i in range(*index.indices(len(self._lines)))]
        if index < 0:
            index += len(self._lines)
        if not 0 <= index < len(self._lines):
            raise IndexError("event index out of range")
        return self._event(index)

    def __iter__(self) -> Iterator[Event]:
        return (self._event(i) for i in range(len(self._lines)))

    def _event(self, index: int) -> Event:
        kept = self._kept.get(index)
        if kept is not None:
            return kept
        event = parse(self._lines[index])
        if event is None:
            raise UndecodableLine(index)
        return event

    def sparse(self) -> list[Event]:
        """The events that are not dense (everything but samples), in log order, without decoding a sample."""
        return [e for e in self._kept.values() if e.type not in DENSE_TYPES]  # kept in index order

    def is_dense(self, index: int) -> bool:
        """Whether event `index` is of a dense type (a sample)."""
        return self.types[index] in DENSE_TYPES
