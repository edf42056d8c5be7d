"""Replay is exact: after every event of a real log, the replayed state equals the live engine's state."""

from __future__ import annotations

from typing import Any

import pytest

from drillconsole.drill.state import fold
from drillconsole.replay import snapshot_view

from .replaykit import Recorded, mismatches

RUNS = ["auto_run", "script_run", "resumed_run", "mini_auto_run", "mini_failing_run", "remote_run"]


@pytest.mark.parametrize("run", RUNS)
def test_state_after_every_event_equals_the_live_state(request, run):
    recorded: Recorded = request.getfixturevalue(run)
    session = recorded.open()
    assert session.warning is None
    assert sorted(recorded.live) == list(range(len(session.events)))  # every logged event was seen live
    assert mismatches(recorded, session) == {}


@pytest.mark.parametrize("every", [1, 7, 64])
def test_any_checkpoint_interval_gives_the_live_states(script_run, every):
    session = script_run.open(checkpoint_every=every)
    assert session.checkpoints == 1  # snapshots are folded when built or first needed, not on open
    assert mismatches(script_run, session) == {}
    assert session.build_checkpoints() and session.checkpoints == len(session.events) // every + 1


@pytest.mark.parametrize("run", ["auto_run", "script_run"])
def test_state_at_each_moment_equals_the_live_state_after_its_last_event(request, run):
    recorded: Recorded = request.getfixturevalue(run)
    session = recorded.open(checkpoint_every=16)
    for t in sorted({e.t for e in session.events}):
        last = max(e.seq for e in session.events if e.t <= t)
        assert session.index_at(t) == last
        assert snapshot_view(session.state_at(t)) == snapshot_view(recorded.live[last]), t


def test_the_recorded_drills_cover_the_event_types(auto_run, script_run, resumed_run, mini_failing_run, remote_run):
    seen = set()
    for recorded in (auto_run, script_run, resumed_run, mini_failing_run, remote_run):
        seen |= {e.type for e in recorded.open().events}
    expected = {
        "session.started",
        "session.resumed",
        "session.ended",
        "signal.sample",
        "signal.state",
        "scenario.injected",
        "trigger.fired",
        "trigger.cleared",
        "phase.entered",
        "decision.made",
        "checklist.checked",
        "checklist.unchecked",
        "gate.requested",
        "gate.approved",
        "gate.rejected",
        "gate.expired",
        "step.started",
        "step.succeeded",
        "step.failed",
        "step.skipped",
        "step.undone",
        "verify.passed",
        "verify.failed",
        "fidelity.measured",
        "escalation.raised",
        "note.added",
        "comms.sent",
        "review.lesson",
        "review.action",
    }
    assert expected <= seen, expected - seen


def test_remote_history_is_replayed(remote_run):
    session = remote_run.open()
    history = list(session.state_at(session.duration).signals["throughput"].history)
    assert history[:3] == [(-3.0, 850.0), (-2.0, 851.0), (-1.0, 850.0)]


def test_a_dead_source_replays_exactly(broken_source_run):
    session = broken_source_run.open()
    assert "source.error" in {e.type for e in session.events}
    assert mismatches(broken_source_run, session) == {}


def test_the_final_state_equals_the_live_final_state(auto_run, resumed_run):
    for recorded in (auto_run, resumed_run):
        session = recorded.open()
        assert snapshot_view(session.state_at(session.duration)) == snapshot_view(recorded.final)
        assert snapshot_view(fold(session.playbook, session.events)) == snapshot_view(recorded.final)


def test_every_recorded_event_matches_its_declared_payload(
    auto_run, script_run, resumed_run, mini_failing_run, remote_run
):
    """The contract is the truth: every event the engine wrote validates against its payload type."""
    from drillconsole.log.reference import payload_adapter

    adapters: dict[str, Any] = {}
    for recorded in (auto_run, script_run, resumed_run, mini_failing_run, remote_run):
        for event in recorded.open().events:
            adapter = adapters.setdefault(event.type, payload_adapter(event.type))
            assert adapter is not None, f"{event.type} is not declared in the contract"
            adapter.validate_python(event.data, strict=False)
