"""Seeking in a one-hour, 50-signal log gives exactly the state a fresh full fold gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from drillconsole.drill.state import fold
from drillconsole.replay import ReplaySession, snapshot_view
from drillconsole.replay.checkpoints import CHECKPOINT_EVERY


@pytest.fixture(scope="module")
def hour(one_hour: Path) -> ReplaySession:
    return ReplaySession.open(one_hour)


def fresh(session: ReplaySession, t: float) -> dict:
    """A full fold from the start of every event at or before t."""
    return snapshot_view(fold(session.playbook, [e for e in session.events if e.t <= t]))


def test_the_log_is_an_hour_of_fifty_signals(hour):
    assert hour.warning is None and hour.duration == 3600.0
    assert sum(e.type == "signal.sample" for e in hour.events) >= 3600
    assert max(len(e.data.get("values", {})) for e in hour.events) == 50
    assert hour.build_checkpoints() and hour.checkpoints > 5


def test_seeks_before_the_snapshots_are_built_equal_a_fresh_fold(one_hour):
    session = ReplaySession.open(one_hour)  # nothing folded yet: each seek folds as far as it needs
    assert session.checkpoints == 1
    for t in (1800.0, 600.5, session.duration, 0.0):
        assert snapshot_view(session.state_at(t)) == fresh(session, t), t
    assert session.checkpoints == len(session.events) // CHECKPOINT_EVERY + 1


def test_random_seeks_equal_a_fresh_fold(hour):
    rng = random.Random(2024)
    every = CHECKPOINT_EVERY
    edges = [0.0, hour.duration, hour.events[every - 1].t, hour.events[every].t, hour.events[2 * every + 1].t]
    moments = edges + [rng.uniform(0, hour.duration) for _ in range(12)]
    for t in moments:
        assert snapshot_view(hour.state_at(t)) == fresh(hour, t), t


def test_random_peeks_equal_a_fresh_fold(hour):
    rng = random.Random(7)
    for t in sorted(rng.uniform(0, hour.duration) for _ in range(4)) + [1234.5, 17.0]:
        assert snapshot_view(hour.peek_at(t)) == fresh(hour, t), t


def test_markers_and_phases_of_the_hour(hour):
    kinds = [m.kind for m in hour.markers]
    assert kinds.count("injection") == 17 and kinds[-1] == "end"
    assert hour.next_phase_t(0.0) is not None and hour.prev_phase_t(hour.duration) is not None
    assert hour.next_event_t(hour.duration) is None
