"""`drillconsole rerun LOG`: recorded inputs re-executed and compared; exit 0 same, 1 regression, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path

from drillconsole.rerun.check import Options, check_log
from drillconsole.rerun.inputs import recorded_inputs
from drillconsole.rerun.run import load_original, load_target, rerun

from .rerunkit import PHRASE, cli, record, rich_playbook, stripped, write_playbook


def test_the_inputs_are_the_operators_not_the_engines_consequences(tmp_path):
    original = load_original(record(tmp_path))
    inputs = recorded_inputs(original.events, original.playbook)
    got = [(i.command.at, i.command.role, i.command.do, i.command.step or i.command.item or "") for i in inputs]
    assert got == [
        (5.0, "commander", "note", ""),
        (35.0, "commander", "check", "ack"),
        (36.0, "commander", "decide", ""),
        (40.0, "tech", "run", "freeze"),
        (41.0, "tech", "run", "flaky"),  # the retry at 45 is the engine's (retry_delay 4s): not an input
        (55.0, "tech", "retry", "flaky"),
        (60.0, "tech", "skip", "flaky"),
        (61.0, "tech", "skip", "optional"),
        (62.0, "tech", "request", "rollback"),
        (64.0, "steward", "approve", "rollback"),
        (66.0, "steward", "approve", "rollback"),  # the step.started that follows it is a consequence
        (72.0, "steward", "run", "verify"),
        (75.0, "commander", "note", ""),
        (120.0, "commander", "lesson", ""),
        (121.0, "commander", "action", ""),
        (125.0, "commander", "end", ""),
    ]
    refused = [i for i in inputs if i.refused_before]
    assert [(i.command.at, i.refused_before) for i in refused] == [(64.0, "confirm phrase does not match")]
    assert inputs[10].command.phrase == PHRASE and refused[0].command.phrase != PHRASE


def test_same_playbook_and_seed_give_the_same_events_byte_for_byte(tmp_path):
    log = record(tmp_path / "a")
    original = load_original(log)
    run = rerun(original, load_target(original, None), tmp_path / "again.jsonl")
    assert stripped(run.log_path) == stripped(log)
    assert all(v is None for i, v in zip(run.inputs, run.verdicts, strict=True) if not i.refused_before)


def test_an_auto_drill_reruns_its_auto_inputs_as_a_script_byte_for_byte(tmp_path):
    log = record(tmp_path / "a", auto=True)
    original = load_original(log)
    assert original.events[-1].data.get("auto") or any(e.data.get("auto") for e in original.events)
    run = rerun(original, load_target(original, None), tmp_path / "again.jsonl")
    assert all(i.auto for i in run.inputs)
    assert stripped(run.log_path) == stripped(log)


def test_rerun_against_the_same_playbook_passes_with_notes_retries_and_skips(tmp_path):
    log = record(tmp_path)
    result = cli("rerun", log)
    assert result.exit_code == 0, result.output
    assert "sequence: same" in result.output and "outcome: restored → restored (same)" in result.output
    assert "1 refused before and now" in result.output
    assert result.output.strip().endswith("PASS: same outcome, same sequence, metrics within tolerance")


def test_a_stricter_gate_is_a_regression_naming_the_refused_approval(tmp_path):
    log = record(tmp_path / "logs")
    stricter = rich_playbook()
    stricter["steps"][4]["gate"]["approver"] = ["commander"]
    result = cli("rerun", log, "--playbook", write_playbook(tmp_path / "strict.yaml", stricter))
    assert result.exit_code == 1, result.output
    assert "steps[rollback].gate.approver: ['commander', 'steward'] → ['commander']" in result.output
    assert "T+66s steward approve rollback: accepted before, refused now: steward is not an approver" in result.output
    assert "outcome: restored → " in result.output and "(CHANGED)" in result.output
    assert "- T+01:06  gate rollback approved by steward" in result.output
    assert result.output.strip().splitlines()[-1].startswith("REGRESSION: outcome restored → ")


def test_a_changed_band_is_a_regression_naming_the_band(tmp_path):
    log = record(tmp_path / "logs")
    changed = rich_playbook()
    changed["signals"][0]["bands"]["critical"]["below"] = 0.95  # the healthy 0.9 is now critical: verify never passes
    changed["signals"][0]["bands"]["warn"]["below"] = 0.97  # bands stay in order (critical beyond warn)
    result = cli("rerun", log, "--playbook", write_playbook(tmp_path / "band.yaml", changed))
    assert result.exit_code == 1, result.output
    assert "signals[quality].bands.critical.below: 0.8 → 0.95" in result.output
    assert "- T+01:20  step verify succeeded" in result.output


def test_a_removed_step_is_a_regression_naming_the_step(tmp_path):
    log = record(tmp_path / "logs")
    removed = rich_playbook()
    del removed["steps"][1]
    result = cli("rerun", log, "--playbook", write_playbook(tmp_path / "removed.yaml", removed))
    assert result.exit_code == 1, result.output
    assert "steps[freeze]: removed" in result.output
    assert "T+40s tech run freeze: accepted before, refused now: unknown step 'freeze'" in result.output
    assert "- T+00:40  step freeze succeeded" in result.output


def test_a_slower_metric_beyond_tolerance_fails_and_a_per_metric_tolerance_lets_it_pass(tmp_path):
    log = record(tmp_path / "logs")
    slower = rich_playbook()
    slower["triggers"][0]["for"] = "12s"  # detection two seconds later: +20% on time to detect
    path = write_playbook(tmp_path / "slower.yaml", slower)
    strict = check_log(log, Options(playbooks=(path,)))
    assert not strict.passed and any(f.startswith("time to detect 10s → 12s") for f in strict.findings), strict.lines
    loose = {"time_to_detect_s": 0.5, "time_to_decision_s": 1.0, "time_to_restore_s": 0.5}
    assert check_log(log, Options(playbooks=(path,), overrides=loose)).findings == []
    result = cli(
        "rerun",
        log,
        "--playbook",
        path,
        "--tolerance-for",
        "time_to_detect_s=50%",
        "--tolerance-for",
        "time_to_decision_s=100%",
        "--tolerance-for",
        "time_to_restore_s=50%",
    )
    assert result.exit_code == 0, result.output


def test_seed_overrides_the_recorded_one(tmp_path):
    log = record(tmp_path / "logs")
    original = load_original(log)
    run = rerun(original, load_target(original, None), tmp_path / "seeded.jsonl", seed=99)
    assert run.events[0].data["seed"] == 99 and original.events[0].data["seed"] == 1


def _one_line_exit_2(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_not_a_log_is_one_line_and_exit_2(tmp_path):
    bogus = tmp_path / "notes.jsonl"
    bogus.write_text("hello\n")
    assert _one_line_exit_2(cli("rerun", bogus)) == f"{bogus}:1: not a session log (truncated or malformed line)"
    assert "no such file" in _one_line_exit_2(cli("rerun", tmp_path / "missing.jsonl"))


def test_a_tampered_log_is_one_line_and_exit_2(tmp_path):
    log = record(tmp_path)
    lines = log.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if '"decision.made"' in line)
    lines[index] = lines[index].replace('"option":"rollback"', '"option":"hold"')
    log.write_text("\n".join(lines) + "\n")
    line = _one_line_exit_2(cli("rerun", log))
    assert line.startswith(f"{log}:{index + 1}: ") and "altered or damaged" in line


def test_an_old_log_whose_playbook_is_gone_is_one_line_and_exit_2(tmp_path):
    log = record(tmp_path)
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    # Rewrite the drill as an old log would have been: no embedded text, a path that no longer exists.
    from drillconsole.log.writer import SessionLog

    old = tmp_path / "old.jsonl"
    writer = SessionLog.create(old, lines[0]["data"]["playbook_hash"])
    for e in lines:
        data = dict(e["data"])
        if e["type"] == "session.started":
            data.pop("playbook_text")
            data["playbook"] = str(tmp_path / "gone.yaml")
        if e["type"] != "log.sealed":
            writer.append(e["t"], e["type"], e["actor"], data)
    writer.close()
    line = _one_line_exit_2(cli("rerun", old))
    assert "does not embed its playbook" in line and "give the playbook with --playbook FILE" in line
    # ...and with the playbook given, it re-runs.
    good = write_playbook(tmp_path / "again.yaml", rich_playbook())
    assert cli("rerun", old, "--playbook", good).exit_code in (0, 1)


def test_bad_options_are_one_line_and_exit_2(tmp_path):
    log = record(tmp_path)
    assert "not a percentage" in _one_line_exit_2(cli("rerun", log, "--tolerance", "lots"))
    assert "unknown metric 'speed'" in _one_line_exit_2(cli("rerun", log, "--tolerance-for", "speed=5%"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("drill: [\n")
    assert _one_line_exit_2(cli("rerun", log, "--playbook", bad)).startswith(f"{bad}:")
    assert "needs a folder" in _one_line_exit_2(cli("rerun", log, "--junit", tmp_path / "j.xml"))


def test_rerun_refuses_a_playbook_that_would_act_outside_the_simulation(tmp_path):
    log = record(tmp_path)
    live = rich_playbook()
    live["drill"]["environment"] = "staging"
    line = _one_line_exit_2(cli("rerun", log, "--playbook", write_playbook(tmp_path / "live.yaml", live)))
    assert "runs only simulated drills (environment staging)" in line


def test_keep_writes_the_new_log_beside(tmp_path):
    log = record(tmp_path / "logs")
    keep = tmp_path / "kept"
    keep.mkdir()
    assert cli("rerun", log, "--keep", keep).exit_code == 0
    assert stripped(keep / "drill-rerun.jsonl") == stripped(log)
    assert Path(keep / "drill-rerun.jsonl").is_file()


def test_a_gated_undo_is_one_input_and_its_note_a_consequence(tmp_path):
    script = [
        {"at": 35, "role": "commander", "do": "decide", "option": "rollback", "rationale": "bad"},
        {"at": 36, "role": "tech", "do": "run", "step": "rollback"},
        {"at": 38, "role": "commander", "do": "approve", "step": "rollback", "phrase": PHRASE},
        {"at": 45, "role": "tech", "do": "undo", "step": "rollback"},
        {"at": 47, "role": "steward", "do": "approve", "step": "rollback", "phrase": PHRASE},
        {"at": 60, "role": "commander", "do": "end", "outcome": "aborted", "reason": "undone on purpose"},
    ]
    from drillkit import mini

    log = record(tmp_path / "logs", playbook=mini(), script=script)
    original = load_original(log)
    assert any(e.type == "step.undone" for e in original.events)
    inputs = recorded_inputs(original.events, original.playbook)
    got = [(i.command.at, i.command.do) for i in inputs]
    assert got == [
        (35.0, "decide"),
        (36.0, "request"),
        (38.0, "approve"),
        (45.0, "undo"),
        (47.0, "approve"),
        (60.0, "end"),
    ]
    assert inputs[-1].command.reason == "undone on purpose"
    run = rerun(original, load_target(original, None), tmp_path / "again.jsonl")
    assert stripped(run.log_path) == stripped(log)
