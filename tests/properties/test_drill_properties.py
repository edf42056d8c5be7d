"""Properties over random operator scripts for every bundled playbook (hypothesis).

For each random drill: the metrics follow docs/metrics.md's invariants; the
headless summary and `report --format json` agree with the drill model; the
report's sections (folded from lifecycle events only) equal the live fold's for
every prefix of the log; and the replay's state after every event equals the
live engine's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillconsole.drill import metrics, summary
from drillconsole.drill.state import DrillState, apply
from drillconsole.engine.players import ScriptCommand, ScriptPlayer
from drillconsole.engine.summary import summary_lines
from drillconsole.launch import prepare
from drillconsole.log.contract import EventType
from drillconsole.log.reader import read_log
from drillconsole.playbook.loader import load_playbook
from drillconsole.playbook.models import Playbook
from drillconsole.replay.session import ReplaySession
from drillconsole.report.build import build_report
from drillconsole.resources import bundled_playbook

PLAYBOOKS = ["demo", "partial-rollback", "data-drift"]
VERBS = ["check", "uncheck", "decide", "request", "approve", "reject", "run", "retry", "skip", "undo", "note", "end"]


def _commands(pb: Playbook) -> st.SearchStrategy[list[dict[str, Any]]]:
    roles = list(pb.roles)
    items = [item.id for _, item in pb.checklist_items()]
    steps = [s.id for s in pb.steps]
    options = [o.id for o in pb.options()]
    phrases = [s.gate.phrase for s in pb.steps if s.gate] + ["wrong phrase"]

    @st.composite
    def command(draw: st.DrawFn) -> dict[str, Any]:
        verb = draw(st.sampled_from(VERBS))
        out: dict[str, Any] = {
            "at": f"{draw(st.integers(min_value=1, max_value=400))}s",
            "role": draw(st.sampled_from(roles)),
            "do": verb,
        }
        if verb in ("check", "uncheck"):
            out["item"] = draw(st.sampled_from(items))
        elif verb == "decide":
            out["option"] = draw(st.sampled_from(options or ["none"]))
            out["rationale"] = "random drill"
        elif verb in ("request", "approve", "reject", "run", "retry", "skip", "undo"):
            out["step"] = draw(st.sampled_from(steps))
            out["phrase"] = draw(st.sampled_from(phrases))
            out["reason"] = "random reason"
        elif verb == "note":
            out["text"] = "a note"
        return out

    return st.lists(command(), min_size=3, max_size=40)


def _run(name: str, script: list[dict[str, Any]], folder: Path) -> tuple[Path, DrillState, dict[int, DrillState]]:
    commands = sorted((ScriptCommand.model_validate(c) for c in script), key=lambda c: c.at)
    prepared = prepare(bundled_playbook(name), log_dir=folder, virtual_clock=True, players=[ScriptPlayer(commands)])
    live: dict[int, DrillState] = {}
    engine = prepared.engine
    engine.subscribe(lambda e: live.__setitem__(e.seq, engine.state.copy()) if e.type != "signal.sample" else None)
    try:
        asyncio.run(engine.run())
    finally:
        prepared.log.close()
    return prepared.log_path, engine.state, live


def _check_invariants(m: metrics.Metrics) -> None:
    for key in (
        "time_to_detect_s",
        "time_to_decision_s",
        "time_to_rollback_s",
        "time_to_restore_s",
        "time_to_restore_from_detection_s",
    ):
        value = getattr(m, key)
        assert value is None or value >= 0, (key, value)
    chain = [m.detection_t, m.decision_t, m.rollback_t, m.restored_t]
    present = [t for t in chain if t is not None]
    assert present == sorted(present), chain
    if m.rollback_success_rate is not None:
        assert 0 <= m.rollback_success_rate <= 1


def _views(state: DrillState, end_t: float | None) -> dict[str, Any]:
    return {
        "steps": summary.step_rows(state),
        "gates": summary.gate_rows(state),
        "roles": summary.role_rows(state),
        "phases": summary.phase_rows(state, end_t),
        "escalations": summary.escalation_rows(state),
        "decision": summary.decision_row(state),
        "review": summary.review_rows(state),
    }


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_random_drills_keep_every_promise(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    playbook = load_playbook(bundled_playbook(name))

    @settings(
        max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(_commands(playbook))
    def one(script: list[dict[str, Any]]) -> None:
        path, final, live = _run(name, script, tmp_path_factory.mktemp(name))
        m = metrics.compute(final)
        _check_invariants(m)

        # The summary, the report and the drill model say the same numbers.
        data = build_report(path).data
        for key in ("time_to_detect_s", "time_to_decision_s", "time_to_rollback_s", "time_to_restore_s"):
            assert data[key] == getattr(m, key), key
        assert (data["rollback_success_rate"], data["false_alarms"], data["outcome"]) == (
            m.rollback_success_rate,
            m.false_alarms,
            m.outcome,
        )
        lines = summary_lines(final, path)
        assert f"false alarms:      {m.false_alarms}" in lines

        # For every prefix, the report's fold (lifecycle events only) gives the live fold's sections.
        events = read_log(path).events
        full, lifecycle = DrillState.initial(playbook), DrillState.initial(playbook)
        for event in events:
            apply(full, event)
            if event.type != EventType.SIGNAL_SAMPLE:
                apply(lifecycle, event)
                assert _views(lifecycle, event.t) == _views(full, event.t), (event.seq, event.type)
        assert data["steps"] == summary.step_rows(full) and data["gates"] == summary.gate_rows(full)

        # The replay's state after each lifecycle event is the live engine's.
        session = ReplaySession.open(path)
        for seq, state in live.items():
            replayed = session.state_after(seq)
            assert _views(replayed, None) == _views(state, None), seq
            assert replayed.phase == state.phase and replayed.outcome == state.outcome

    one()
