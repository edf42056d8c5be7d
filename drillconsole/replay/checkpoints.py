"""States after any prefix of a session log: the live `apply` fold, resumed from kept snapshots."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from drillconsole.drill.state import DrillState, apply
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook

CHECKPOINT_EVERY = 250
"""Events between kept snapshots.

Measured on the one-hour, 50-signal log of tests/perf/replay_bench.py: folding one
event costs ~27 us (a `signal.sample` of 50 values), `DrillState.copy()` of a full
state ~0.4 ms (history deques are copied shallowly: their points are immutable
tuples). A seek costs one copy plus at most K folds (~7 ms at K = 250).

The snapshots do not keep their signals' histories as tuples: each history point
is kept once, in two float arrays per signal (16 bytes a point), and a snapshot
keeps where its history ends in them. Kept as tuples, the points and the deques of
the snapshots of a four-hour, 200-signal log (2.9 M points) take ~300 MB; as
arrays, ~50 MB. A seek rebuilds one history per signal from them.
"""

_T, _V = itemgetter(0), itemgetter(1)


class _Column:
    """Every history point one signal has held while the snapshots were folded, in order, as two float arrays."""

    __slots__ = ("last", "t", "v")

    def __init__(self) -> None:
        self.t = array("d")
        self.v = array("d")
        self.last: object = None
        """The newest point recorded (by identity: the fold makes a new tuple for every point)."""

    def record(self, history: deque[tuple[float, float]]) -> bool:
        """Append the points of `history` newer than the last recorded one; False if they are not numbers.

        After a True, `history` is the tail of the column: its last `len(history)` points.
        """
        new = []
        for point in reversed(history):
            if point is self.last:
                break
            new.append(point)
        if not new:
            return True
        new.reverse()
        try:
            t, v = array("d", map(_T, new)), array("d", map(_V, new))
        except TypeError:
            return False
        self.t.extend(t)
        self.v.extend(v)
        self.last = new[-1]
        return True


@dataclass(frozen=True)
class _Snapshot:
    """A state whose signal histories were set aside: where each ends in its column and how long it is."""

    state: DrillState
    points: dict[str, tuple[int, int]]
    kept: dict[str, deque[tuple[float, float]]]
    """Histories kept as they were (a signal whose points are not all numbers)."""


class CheckpointFold:
    """Folds a log once, keeping a `DrillState.copy()` every `every` events: as far as asked, or all of it.

    Nothing is folded up front: `build` folds the next events (a replay calls it in slices after its
    first frame), and a state beyond what is built folds the events up to it first. Either way each
    event is folded into the snapshots once.
    """

    def __init__(self, playbook: Playbook, events: Sequence[Event], every: int = CHECKPOINT_EVERY) -> None:
        if every < 1:
            raise ValueError("checkpoint interval must be at least 1 event")
        self.playbook = playbook
        self.events = events
        self.every = every
        self._builder = DrillState.initial(playbook)
        self._built = 0
        """Events folded into `_builder` (and into the snapshots)."""
        self._columns: dict[str, _Column] = {}
        self._checkpoints: list[_Snapshot] = [self._take()]
        self._cursor = self._restore(self._checkpoints[0])
        self._cursor_count = 0

    def __len__(self) -> int:
        """How many snapshots are kept so far (the initial state included)."""
        return len(self._checkpoints)

    @property
    def complete(self) -> bool:
        """Whether every event is folded into the snapshots."""
        return self._built == len(self.events)

    def build(self, limit: int | None = None) -> bool:
        """Fold up to `limit` more events (all that are left with None) into the snapshots; whether all are now."""
        total = len(self.events)
        self._advance(total if limit is None else min(total, self._built + limit))
        return self.complete

    def _advance(self, stop: int) -> None:
        """Fold events up to index `stop` into the builder, keeping a snapshot every `every` events."""
        state, every, events = self._builder, self.every, self.events
        for index in range(self._built, stop):
            apply(state, events[index])
            if (index + 1) % every == 0:
                self._checkpoints.append(self._take())
        self._built = max(self._built, stop)

    def _take(self) -> _Snapshot:
        """A snapshot of the builder, its histories recorded in the columns rather than copied."""
        points: dict[str, tuple[int, int]] = {}
        kept: dict[str, deque[tuple[float, float]]] = {}
        aside = {}
        for sid, view in self._builder.signals.items():
            history = view.history
            column = self._columns.setdefault(sid, _Column())
            if column.record(history):
                points[sid] = (len(column.t), len(history))
            else:
                kept[sid] = deque(history, maxlen=history.maxlen)
            aside[sid] = history
            view.history = deque(maxlen=history.maxlen)
        try:
            state = self._builder.copy()
        finally:
            for sid, history in aside.items():
                self._builder.signals[sid].history = history
        return _Snapshot(state, points, kept)

    def _restore(self, snapshot: _Snapshot) -> DrillState:
        """A new, independent state equal to the builder's when `snapshot` was taken."""
        state = snapshot.state.copy()
        signals = state.signals
        for sid, (end, size) in snapshot.points.items():
            column = self._columns[sid]
            signals[sid].history.extend(zip(column.t[end - size : end], column.v[end - size : end], strict=True))
        for sid, history in snapshot.kept.items():
            signals[sid].history = deque(history, maxlen=history.maxlen)
        return state

    def _check(self, count: int) -> int:
        """Validate a prefix length (0..len(events)) and return it."""
        if not 0 <= count <= len(self.events):
            raise ValueError(f"no state after {count} events: the log holds {len(self.events)}")
        return count

    def _base(self, count: int) -> int:
        """Index of the last snapshot taken at or before `count` events (folding up to it if not built yet)."""
        wanted = count // self.every
        if wanted >= len(self._checkpoints) and not self.complete:
            self._advance(min(len(self.events), wanted * self.every))
        return min(wanted, len(self._checkpoints) - 1)

    def _fold(self, state: DrillState, start: int, stop: int) -> DrillState:
        """Apply events[start:stop] to `state` in place (the same `apply` the live engine uses)."""
        events = self.events
        for index in range(start, stop):
            apply(state, events[index])
        return state

    def state(self, count: int) -> DrillState:
        """A new, independent state after the first `count` events (the caller may keep and mutate it)."""
        base = self._base(self._check(count))
        return self._fold(self._restore(self._checkpoints[base]), base * self.every, count)

    def peek(self, count: int) -> DrillState:
        """The shared state after the first `count` events: read-only, valid until the next `peek`."""
        # Cheap for forward playback: it folds only the events since the last peek, and copies a
        # snapshot only when it must move backwards or a snapshot is closer than the cursor.
        base = self._base(self._check(count))
        ahead = self._cursor_count <= count and count - self._cursor_count <= count - base * self.every
        if not ahead:
            self._cursor = self._restore(self._checkpoints[base])
            self._cursor_count = base * self.every
        self._fold(self._cursor, self._cursor_count, count)
        self._cursor_count = count
        return self._cursor
