"""Seek snapshots keep history points once, as float arrays: what they give back is the fold's history, exactly."""

from __future__ import annotations

import random

import pytest

from drillconsole.drill.state import fold
from drillconsole.drill.views import HISTORY
from drillconsole.log.events import Event
from drillconsole.playbook.loader import load_playbook
from drillconsole.replay.checkpoints import CheckpointFold
from drillconsole.resources import bundled_playbook


def _events(signals: list[str], ticks: int, backfill: dict[str, list[list[object]]]) -> list[Event]:
    rng = random.Random(3)
    out = [Event(0, "ts", 0.0, "signal.sample", "engine", {"values": {}, "history": backfill})]
    for i in range(1, ticks + 1):
        values = {sid: (None if rng.random() < 0.05 else rng.random()) for sid in signals}
        out.append(Event(i, "ts", float(i), "signal.sample", "engine", {"values": values}))
    return out


@pytest.mark.parametrize("every", [1, 97, 2 * HISTORY + 5])
def test_each_state_has_the_folds_histories(every: int) -> None:
    playbook = load_playbook(bundled_playbook("demo"))
    signals = [s.id for s in playbook.signals]
    # Whole-number backfill (kept as floats, equal), and one signal whose backfill holds a gap (kept as it is).
    backfill: dict[str, list[list[object]]] = {signals[0]: [[-3, 1], [-2, 2]], signals[1]: [[-3, None], [-2, 0.5]]}
    events = _events(signals, 3 * HISTORY, backfill)
    checkpoints = CheckpointFold(playbook, events, every)
    for count in [0, 1, 2, every, every + 1, HISTORY + 3, 2 * HISTORY, len(events) - 1, len(events)]:
        expected = fold(playbook, events[:count])
        for state in (checkpoints.state(count), checkpoints.peek(count)):
            got = {sid: list(v.history) for sid, v in state.signals.items()}
            assert got == {sid: list(v.history) for sid, v in expected.signals.items()}, count
            assert all(v.history.maxlen == HISTORY for v in state.signals.values())
    assert checkpoints.build() and len(checkpoints) == len(events) // every + 1
    # A state handed out is the caller's: changing it changes no snapshot.
    mine = checkpoints.state(len(events))
    for view in mine.signals.values():
        view.history.clear()
    assert checkpoints.state(len(events)).signals[signals[2]].history
