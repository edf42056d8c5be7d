"""States after any prefix of a session log: the live `apply` fold, resumed from kept snapshots."""

from __future__ import annotations

from collections.abc import Sequence

from drillconsole.drill.state import DrillState, apply
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook

CHECKPOINT_EVERY = 250
"""Events between kept snapshots.

Measured on the one-hour, 50-signal log of tests/perf/replay_bench.py: folding one
event costs ~27 us (a `signal.sample` of 50 values), `DrillState.copy()` of a full
state ~0.4 ms (history deques are copied shallowly: their points are immutable
tuples). A seek costs one copy plus at most K folds (~7 ms at K = 250); an open
costs one copy per K events, a few ms for an hour of drill.
"""


class CheckpointFold:
    """Folds a log once on open, keeping a `DrillState.copy()` every `every` events."""

    def __init__(self, playbook: Playbook, events: Sequence[Event], every: int = CHECKPOINT_EVERY) -> None:
        if every < 1:
            raise ValueError("checkpoint interval must be at least 1 event")
        self.playbook = playbook
        self.events = events
        self.every = every
        state = DrillState.initial(playbook)
        self._checkpoints: list[DrillState] = [state.copy()]
        for count, event in enumerate(events, 1):
            apply(state, event)
            if count % every == 0:
                self._checkpoints.append(state.copy())
        self._cursor = state
        self._cursor_count = len(events)

    def __len__(self) -> int:
        """How many snapshots are kept (the initial state included)."""
        return len(self._checkpoints)

    def _check(self, count: int) -> int:
        """Validate a prefix length (0..len(events)) and return it."""
        if not 0 <= count <= len(self.events):
            raise ValueError(f"no state after {count} events: the log holds {len(self.events)}")
        return count

    def _base(self, count: int) -> int:
        """Index of the last snapshot taken at or before `count` events."""
        return min(count // self.every, len(self._checkpoints) - 1)

    def _fold(self, state: DrillState, start: int, stop: int) -> DrillState:
        """Apply events[start:stop] to `state` in place (the same `apply` the live engine uses)."""
        events = self.events
        for index in range(start, stop):
            apply(state, events[index])
        return state

    def state(self, count: int) -> DrillState:
        """A new, independent state after the first `count` events (the caller may keep and mutate it)."""
        base = self._base(self._check(count))
        return self._fold(self._checkpoints[base].copy(), base * self.every, count)

    def peek(self, count: int) -> DrillState:
        """The shared state after the first `count` events: read-only, valid until the next `peek`."""
        # Cheap for forward playback: it folds only the events since the last peek, and copies a
        # snapshot only when it must move backwards or a snapshot is closer than the cursor.
        base = self._base(self._check(count))
        ahead = self._cursor_count <= count and count - self._cursor_count <= count - base * self.every
        if not ahead:
            self._cursor = self._checkpoints[base].copy()
            self._cursor_count = base * self.every
        self._fold(self._cursor, self._cursor_count, count)
        self._cursor_count = count
        return self._cursor
