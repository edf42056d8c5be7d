"""Drills after the rollback on the virtual clock: a lagging dependent, one that never updates, reconciliation
skipped or incomplete, a criterion missed, and everything done right; the report tells them apart at a glance."""

from __future__ import annotations

from pathlib import Path

from drillconsole.drill.state import fold
from drillconsole.drill.wording import describe_event
from drillconsole.log.contract import EventType
from drillconsole.log.reader import read_log
from drillconsole.report.document import document
from tests.downstream.kit import Played, demo, step


def _row(report_data: dict, name: str) -> str:
    head = next(b for b in document(report_data) if b.kind == "table")
    return next(value for key, value in head.rows if key == name)


def test_everything_done_right_is_consistent_reconciled_and_meets_every_criterion(tmp_path: Path) -> None:
    played = Played(tmp_path, demo())
    assert played.state.outcome == "restored"
    [check] = played.lines(EventType.CONSISTENCY_CHECKED)
    assert check["passed"] and check["lagging"] == []
    # The audit store follows the registry 12 s late: the check knows exactly when it switched.
    rollback_t = played.state.downstream.live_versions[1][0]
    assert check["dependents"]["audit_store"]["agreed_t"] == rollback_t + 12
    [account] = played.lines(EventType.RECONCILE_RECORDED)
    # 850 records/s of simulated traffic between impact (T+60) and the rollback.
    assert account["scored"] == round(850 * (rollback_t - 60))
    assert {s: x["residual"] for s, x in account["systems"].items()} == {"billing": 0, "audit_store": 0}
    assert played.lines(EventType.DISCREPANCY_RESIDUAL) == []
    d = played.report().data
    assert _row(d, "Downstream") == "dependents consistent; reconciled, nothing left"
    assert _row(d, "Criteria") == "4 of 4 met"
    assert [c["status"] for c in d["criteria"]] == ["met"] * 4


def test_a_dependent_that_never_updates_fails_the_drill_while_the_model_is_back_in_band(tmp_path: Path) -> None:
    played = Played(tmp_path, demo(audit_store={"source": {"kind": "simulated", "lag": "never"}}))
    verify = played.state.steps["verify-signals"]
    assert verify.status == "succeeded"  # the model's own signals recovered
    [check] = played.lines(EventType.CONSISTENCY_CHECKED)
    assert not check["passed"] and check["lagging"] == ["audit_store"]
    assert check["dependents"]["audit_store"]["version"] == "42"
    assert check["dependents"]["billing"]["version"] == "41"
    assert played.state.steps["downstream-consistency"].status == "failed"
    assert played.state.outcome == "failed"
    # Named on the console's timeline, in the log and in the report.
    event = next(e for e in read_log(played.log).events if e.type == EventType.CONSISTENCY_CHECKED)
    line = describe_event(event)
    assert line is not None and "audit_store still on v42" in line.text
    d = played.report().data
    assert _row(d, "Downstream").startswith("INCONSISTENT: audit_store not on the restored version")
    dependents_agree = next(c for c in d["criteria"] if c["id"] == "dependents-agree")
    assert dependents_agree["status"] == "NOT MET" and dependents_agree["measured"] == 1


def test_a_lagging_dependent_passes_late_and_misses_a_consistency_criterion(tmp_path: Path) -> None:
    data = demo(audit_store={"source": {"kind": "simulated", "lag": "100s"}})
    data["criteria"].append(
        {
            "id": "consistent-1m",
            "title": "Dependents on v41 within 1 min",
            "metric": "time_to_consistency_s",
            "at_most": "1m",
        }
    )
    played = Played(tmp_path, data)
    [check] = played.lines(EventType.CONSISTENCY_CHECKED)
    rollback_t = played.state.downstream.live_versions[1][0]
    assert check["passed"]
    assert check["dependents"]["audit_store"]["agreed_t"] == rollback_t + 100
    assert played.state.outcome == "restored"
    d = played.report().data
    late = next(c for c in d["criteria"] if c["id"] == "consistent-1m")
    assert late["status"] == "NOT MET" and late["measured"] == 100
    assert _row(d, "Criteria") == "4 of 5 met; NOT MET: consistent-1m"
    ledger = [x for x in d["change_ledger"] if x["kind"] == "dependent"]
    assert [(x["target"], x["t"]) for x in ledger] == [("billing", rollback_t + 5), ("audit_store", rollback_t + 100)]


def test_skipped_reconciliation_leaves_a_residual_discrepancy_per_system_with_its_owner(tmp_path: Path) -> None:
    script = [{"at": 30, "role": "data_steward", "do": "skip", "step": "reconcile", "reason": "no time today"}]
    played = Played(tmp_path, demo(), script)
    assert played.state.steps["reconcile"].status == "skipped"
    residuals = played.lines(EventType.DISCREPANCY_RESIDUAL)
    rollback_t = played.state.downstream.live_versions[1][0]
    scored = round(850 * (rollback_t - 60))
    assert sorted((r["systems"][0], r["count"], r["owner"]) for r in residuals) == [
        ("audit_store", scored, "data_steward"),
        ("billing", scored, "data_steward"),
    ]
    assert all("skipped (no time today)" in r["reason"] for r in residuals)
    d = played.report().data
    assert "UNRECONCILED" in _row(d, "Downstream") and f"{scored:,} records" in _row(d, "Downstream")
    assert next(c for c in d["criteria"] if c["id"] == "nothing-unreconciled")["status"] == "NOT MET"


def test_reconciling_only_billing_leaves_the_audit_store_open_and_fails_the_step(tmp_path: Path) -> None:
    data = demo()
    step(data, "reconcile")["reconcile"]["systems"] = ["billing"]
    played = Played(tmp_path, data)
    [account] = played.lines(EventType.RECONCILE_RECORDED)
    assert account["systems"]["billing"]["residual"] == 0
    assert account["systems"]["audit_store"]["handled"] == 0
    [residual] = played.lines(EventType.DISCREPANCY_RESIDUAL)
    assert residual["systems"] == ["audit_store"] and residual["count"] == account["scored"]
    assert "not among the systems" in residual["reason"]
    assert played.state.steps["reconcile"].status == "failed"
    assert played.state.outcome == "failed"


def test_reconciling_through_a_dependent_still_on_the_suspect_version_fixes_nothing(tmp_path: Path) -> None:
    data = demo(audit_store={"source": {"kind": "simulated", "lag": "never"}})
    steps = data["steps"]
    consistency = step(data, "downstream-consistency")
    steps.remove(consistency)  # reconcile without checking consistency first
    played = Played(tmp_path, data)
    [account] = played.lines(EventType.RECONCILE_RECORDED)
    assert account["systems"]["audit_store"] == {"handled": 0, "residual": account["scored"], "version": "42"}
    [residual] = played.lines(EventType.DISCREPANCY_RESIDUAL)
    assert "still runs v42" in residual["reason"]


def test_a_missed_decision_criterion_shows_the_measured_value(tmp_path: Path) -> None:
    data = demo()
    data["criteria"][0]["at_most"] = "5s"  # severity-1 decision within 5 s; the auto player takes 12 s
    data["criteria"].append(
        {
            "id": "sev3-fast",
            "title": "Severity 3 decided in 1 s",
            "metric": "time_to_decision_s",
            "at_most": 1,
            "severity": 3,
        }
    )
    data["criteria"].append(
        {"id": "fidelity", "title": "Fidelity at least 99.9%", "metric": "fidelity_match_rate", "at_least": 0.999}
    )
    played = Played(tmp_path, data)
    d = played.report().data
    decide = d["criteria"][0]
    assert (decide["status"], decide["measured"], decide["bound"]) == ("NOT MET", 12.0, "≤ 5")
    assert decide["risks"] == ["mis-scoring"]
    by_id = {c["id"]: c for c in d["criteria"]}
    assert by_id["sev3-fast"]["status"] == "not applicable"  # no severity-3 risk is declared
    assert (by_id["fidelity"]["status"], by_id["fidelity"]["measured"]) == ("met", 1.0)
    assert _row(d, "Criteria") == "4 of 5 met; NOT MET: decide-5m"


def test_the_fold_of_the_log_agrees_with_the_live_drill(tmp_path: Path) -> None:
    played = Played(tmp_path, demo(audit_store={"source": {"kind": "simulated", "lag": "never"}}))
    replayed = fold(played.state.playbook, read_log(played.log).events)
    assert replayed.downstream == played.state.downstream


def test_a_resumed_drill_still_logs_the_residuals_of_a_reconcile_skipped_before_the_stop(tmp_path: Path) -> None:
    import asyncio

    import yaml

    from drillconsole.engine.players import AutoPlayer, ScriptCommand, ScriptPlayer
    from drillconsole.launch import prepare

    path = tmp_path / "playbook.yaml"
    path.write_text(yaml.safe_dump(demo(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    skip = ScriptCommand.model_validate(
        {"at": 30, "role": "data_steward", "do": "skip", "step": "reconcile", "reason": "no time today"}
    )
    first = prepare(path, log_dir=tmp_path / "logs", virtual_clock=True, players=[ScriptPlayer([skip]), AutoPlayer()])
    try:
        asyncio.run(first.engine.run(until=100))  # stopped in the execute phase: nothing owed yet
    finally:
        first.log.close()
    assert first.engine.state.steps["reconcile"].status == "skipped"
    assert first.engine.state.downstream.residuals == []
    again = prepare(path, virtual_clock=True, resume=first.log_path, players=[AutoPlayer()])
    try:
        asyncio.run(again.engine.run())
    finally:
        again.log.close()
    residuals = again.engine.state.downstream.residuals
    assert sorted(r["systems"][0] for r in residuals) == ["audit_store", "billing"]
    assert all("no time today" in r["reason"] for r in residuals)


def test_the_report_warns_on_data_integrity_only_when_something_is_left(tmp_path: Path) -> None:
    right = Played(tmp_path / "right", demo()).report().data
    stuck = (
        Played(tmp_path / "stuck", demo(audit_store={"source": {"kind": "simulated", "lag": "never"}})).report().data
    )
    notes = {
        name: [b.text for b in document(d) if b.kind == "note"] for name, d in (("right", right), ("stuck", stuck))
    }
    assert not [n for n in notes["right"] if n.startswith("Data integrity")]
    rollback_t = 116.5  # the auto player's rollback of the demo; 850 records/s from impact at T+60
    expected = (
        "Data integrity: INCONSISTENT: audit_store not on the restored version; "
        f"NOT RECONCILED: {round(850 * (rollback_t - 60)):,} records scored by v42 (the reconcile step never ran)"
    )
    assert expected in notes["stuck"]


def _waits_for_a_restart() -> dict:
    data = demo(audit_store={"source": {"kind": "simulated", "lag": "2s", "after": "restart-audit-consumer"}})
    at = data["steps"].index(step(data, "downstream-consistency"))
    restart = {
        "id": "restart-audit-consumer",
        "title": "Restart the audit store's consumer on v41",
        "phase": "verify",
        "owner": "data_steward",
        "kind": "manual",
    }
    data["steps"].insert(at, restart)
    return data


def test_a_dependent_that_waits_for_the_team_switches_only_after_that_step(tmp_path: Path) -> None:
    played = Played(tmp_path, _waits_for_a_restart())
    restarted = played.state.steps["restart-audit-consumer"].ended_t
    [check] = played.lines(EventType.CONSISTENCY_CHECKED)
    assert check["passed"] and check["dependents"]["audit_store"]["agreed_t"] == restarted + 2
    rollback_t = played.state.downstream.live_versions[1][0]
    assert restarted > rollback_t + 2  # so it is the restart, not the rollback, that let it switch
    assert played.state.outcome == "restored"


def test_skipping_what_a_dependent_waits_for_leaves_it_on_the_suspect_version(tmp_path: Path) -> None:
    skip = [{"at": 30, "role": "data_steward", "do": "skip", "step": "restart-audit-consumer", "reason": "looks fine"}]
    played = Played(tmp_path, _waits_for_a_restart(), skip)
    [check] = played.lines(EventType.CONSISTENCY_CHECKED)
    assert not check["passed"] and check["lagging"] == ["audit_store"]
    assert check["dependents"]["audit_store"]["version"] == "42"
    assert played.state.outcome == "failed"


def test_every_new_event_matches_its_declared_payload(tmp_path: Path) -> None:
    from drillconsole.log.contract import PAYLOADS
    from drillconsole.log.reference import payload_adapter

    skip = [{"at": 30, "role": "data_steward", "do": "skip", "step": "reconcile", "reason": "no time today"}]
    logs = [
        Played(tmp_path / "stuck", demo(audit_store={"source": {"kind": "simulated", "lag": "never"}})).log,
        Played(tmp_path / "skipped", demo(), skip).log,
        Played(tmp_path / "right", demo()).log,
    ]
    new = (EventType.CONSISTENCY_CHECKED, EventType.RECONCILE_RECORDED, EventType.DISCREPANCY_RESIDUAL)
    seen = set()
    for log in logs:
        for event in read_log(log).events:
            if event.type in new:
                adapter = payload_adapter(event.type)
                assert adapter is not None
                adapter.validate_python(event.data)
                # Unknown keys too: a field written but not declared would slip past the contract.
                payload = PAYLOADS[EventType(event.type)]
                assert set(event.data) <= payload.__required_keys__ | payload.__optional_keys__, event.data
                seen.add(event.type)
    assert seen == set(new)
