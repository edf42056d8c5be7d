"""The drills that produced wrong numbers before (issue: after-action numbers), each as a named case.

Every value is what docs/metrics.md defines; the summary, the report and the drill model must agree.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from drillconsole.drill import metrics
from drillconsole.engine.players import ScriptCommand, ScriptPlayer
from drillconsole.engine.summary import summary_lines
from drillconsole.launch import prepare
from drillconsole.report.build import build_report
from drillconsole.resources import bundled_playbook

DEMO_PHRASE = "ROLLBACK fraud-scorer TO v41"


def run(playbook: Path, script: list[dict[str, Any]], folder: Path) -> tuple[Path, Any, list[str]]:
    """Run a scripted drill on a virtual clock; return the log, the final state and the refusals."""
    commands = sorted((ScriptCommand.model_validate(c) for c in script), key=lambda c: c.at)
    prepared = prepare(playbook, log_dir=folder, virtual_clock=True, players=[ScriptPlayer(commands)])
    try:
        asyncio.run(prepared.engine.run())
    finally:
        prepared.log.close()
    return prepared.log_path, prepared.engine.state, prepared.engine.rejected


def demo_script(decide_at: int) -> list[dict[str, Any]]:
    t = decide_at
    return [
        {"at": "10s", "role": "tech_lead", "do": "run", "step": "confirm-baseline"},
        {
            "at": f"{t}s",
            "role": "commander",
            "do": "decide",
            "option": "full_rollback",
            "rationale": "precision falling",
        },
        {"at": f"{t + 1}s", "role": "tech_lead", "do": "run", "step": "freeze-deploys"},
        {"at": f"{t + 2}s", "role": "comms", "do": "run", "step": "initial-update"},
        {"at": f"{t + 5}s", "role": "tech_lead", "do": "run", "step": "registry-rollback"},
        {
            "at": f"{t + 8}s",
            "role": "data_steward",
            "do": "approve",
            "step": "registry-rollback",
            "phrase": DEMO_PHRASE,
        },
        {"at": f"{t + 20}s", "role": "data_steward", "do": "run", "step": "verify-signals"},
        {"at": "240s", "role": "data_steward", "do": "run", "step": "fidelity"},
        {"at": "241s", "role": "data_steward", "do": "run", "step": "downstream-consistency"},
        {"at": "242s", "role": "data_steward", "do": "run", "step": "reconcile"},
        {"at": "245s", "role": "comms", "do": "run", "step": "all-clear"},
        {"at": "260s", "role": "commander", "do": "end"},
    ]


def agree(log: Path, state: Any) -> metrics.Metrics:
    """The drill model's metrics, checked against the report and the headless summary."""
    m = metrics.compute(state)
    data = build_report(log).data
    for key in ("time_to_detect_s", "time_to_decision_s", "time_to_rollback_s", "time_to_restore_s", "false_alarms"):
        assert data[key] == getattr(m, key), key
    assert data["rollback_step"] == m.rollback_step and data["rollback_success_rate"] == m.rollback_success_rate
    return m


def test_deciding_before_any_trigger_is_detection_by_a_person(tmp_path: Path) -> None:
    log, state, refused = run(bundled_playbook("demo"), demo_script(decide_at=65), tmp_path)
    assert refused == [] and state.outcome == "restored"
    assert state.fired_order, "the triggers still fire after the decision"
    m = agree(log, state)
    assert (m.detected_by, m.detection_t, m.time_to_detect_s, m.time_to_decision_s) == ("person", 65.0, 5.0, 0.0)
    # The confidence-interval trigger whose window still held pre-rollback values is not a false alarm:
    # the fault was still receding on its signal.
    assert m.false_alarms == 0
    assert m.time_to_rollback_s is not None and m.time_to_rollback_s >= 0
    assert "time to decision:  0s" in summary_lines(state, log)


def test_a_rollback_to_a_healthy_version_that_is_not_known_safe_fails_fidelity(tmp_path: Path) -> None:
    data = yaml.safe_load(bundled_playbook("demo").read_text())
    registry = next(t for t in data["targets"].values() if t.get("type") == "registry")
    registry["versions"] = sorted({*registry.get("versions", []), "40"})
    step = next(s for s in data["steps"] if s["id"] == "registry-rollback")
    step["action"]["to"] = "40"
    playbook = tmp_path / "to-v40.yaml"
    playbook.write_text(yaml.safe_dump(data, sort_keys=False))
    log, state, _ = run(playbook, demo_script(decide_at=95), tmp_path / "logs")
    m = agree(log, state)
    assert state.live_version() == "40"
    assert m.fidelity is not None and not m.fidelity.passed and m.fidelity.version == "40"
    assert state.outcome != "restored"


def test_when_the_partial_rollback_is_skipped_the_retraction_is_credited(tmp_path: Path) -> None:
    phrase = "RETRACT credit-limit v7"
    script = [
        {"at": "80s", "role": "commander", "do": "decide", "option": "partial_rollback", "rationale": "EU only"},
        {"at": "85s", "role": "tech_lead", "do": "skip", "step": "flag-off-eu", "reason": "flag console down"},
        {"at": "86s", "role": "data_steward", "do": "run", "step": "verify-partial"},
        {"at": "300s", "role": "tech_lead", "do": "run", "step": "retract"},
        {"at": "305s", "role": "commander", "do": "approve", "step": "retract", "phrase": phrase},
        {"at": "310s", "role": "data_steward", "do": "run", "step": "verify-retract"},
        {"at": "500s", "role": "data_steward", "do": "run", "step": "fidelity"},
        {"at": "505s", "role": "comms", "do": "run", "step": "all-clear"},
        {"at": "520s", "role": "commander", "do": "end"},
    ]
    log, state, refused = run(bundled_playbook("partial-rollback"), script, tmp_path)
    assert refused == [], refused
    m = agree(log, state)
    assert m.rollback_step == "retract"
    assert m.rollback_t is not None and m.time_to_rollback_s == m.rollback_t - 80.0
    assert (m.rollback_attempts, m.rollback_success_rate) == (1, 1.0)
    assert state.outcome == "restored"


def test_notes_lessons_and_actions_are_in_every_report_format(tmp_path: Path) -> None:
    script = [
        *demo_script(decide_at=95),
        {"at": "100s", "role": "commander", "do": "note", "text": "paged the on-call DBA"},
        {"at": "250s", "role": "commander", "do": "lesson", "text": "decide sooner"},
        {
            "at": "251s",
            "role": "commander",
            "do": "action",
            "text": "alert on CI",
            "owner": "tech_lead",
            "due": "2027-01-01",
        },
    ]
    log, _, _ = run(bundled_playbook("demo"), script, tmp_path)
    from drillconsole.report.commands import render

    report = build_report(log)
    for fmt in ("md", "html", "json"):
        text = render(report, fmt)
        for needle in ("paged the on-call DBA", "decide sooner", "alert on CI"):
            assert needle in text, (fmt, needle)


def test_every_headline_metric_can_be_a_playbook_criterion() -> None:
    """The criteria a playbook may name (playbook layer) and the metrics the drill model computes stay one list."""
    from typing import get_args

    from drillconsole.playbook.downstream import CriterionMetric

    assert set(metrics.HEADLINE) <= set(get_args(CriterionMetric))
