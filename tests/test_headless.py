"""Headless runs through the real CLI: bundled playbooks, scripts, resume, reproducibility, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from drillkit import PLAYBOOKS, REPO

from drillconsole.drill.state import fold
from drillconsole.log.reader import read_log
from drillconsole.playbook.loader import load_playbook


def cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drillconsole", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def only_log(folder: Path) -> Path:
    logs = list(folder.rglob("*.jsonl"))
    assert len(logs) == 1, logs
    return logs[0]


@pytest.mark.parametrize("name", ["demo", "partial-rollback", "data-drift"])
def test_bundled_playbooks_run_to_restored(tmp_path, name):
    result = cli(
        "run", str(PLAYBOOKS / f"{name}.yaml"), "--headless", "--auto", "--virtual-clock", "--log-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert "outcome:           restored" in result.stdout
    log = only_log(tmp_path)
    assert f"session log:       {log}" in result.stdout
    report = read_log(log)
    assert report.ok and report.complete
    types = [e.type for e in report.events]
    assert types.count("decision.made") == 1 and "verify.passed" in types


def test_demo_story(tmp_path):
    result = cli("demo", "--headless", "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    events = read_log(only_log(tmp_path)).events
    injected = {e.data["injection"]: e.t for e in events if e.type == "scenario.injected"}
    assert injected == {"v42-precision-fault": 60.0, "v42-error-climb": 60.0, "latency-blip": 75.0}
    # the latency spike is shorter than its band's `for:`: no trigger, not even a band change
    assert not [e for e in events if e.type == "trigger.fired" and e.data["signal"] == "latency_p95"]
    assert not [e for e in events if e.type == "signal.state" and e.data["signal"] == "latency_p95"]
    decision = next(e for e in events if e.type == "decision.made")
    assert (
        decision.actor == "commander" and decision.data["option"] == "full_rollback" and decision.data["auto"] is True
    )
    approval = next(e for e in events if e.type == "gate.approved")
    rollback = next(e for e in events if e.type == "step.succeeded" and e.data["step"] == "registry-rollback")
    assert approval.actor != "tech_lead" and rollback.data["result"]["to"] == "41"
    fidelity = next(e for e in events if e.type == "fidelity.measured")
    assert fidelity.data["match_rate"] == 1.0 and fidelity.data["version"] == "41"
    assert [e.data["phase"] for e in events if e.type == "phase.entered"] == [
        "baseline",
        "detect",
        "decide",
        "execute",
        "verify",
        "restore",
        "review",
    ]
    assert {e.actor for e in events if e.type == "checklist.checked"} == {
        "commander",
        "tech_lead",
        "data_steward",
        "comms",
    }
    assert events[-2].type == "session.ended" and events[-2].data["outcome"] == "restored"
    assert events[-1].type == "log.sealed" and events[-1].data["head_hash"] == events[-2].hash  # the signed end
    assert 150 < events[-1].t < 400  # a few minutes of drill time


SCRIPT = """
- {at: 10s, role: tech_lead, do: run, step: confirm-baseline}
- {at: 90s, role: commander, do: decide, option: full_rollback, rationale: precision fell below band}
- {at: 95s, role: tech_lead, do: run, step: freeze-deploys}
- {at: 96s, role: comms, do: run, step: initial-update}
- {at: 100s, role: tech_lead, do: run, step: registry-rollback}
- {at: 104s, role: tech_lead, do: approve, step: registry-rollback, phrase: ROLLBACK fraud-scorer TO v41}
- {at: 106s, role: commander, do: approve, step: registry-rollback, phrase: ROLLBACK fraud-scorer TO v41}
- {at: 110s, role: data_steward, do: run, step: verify-signals}
- {at: 170s, role: data_steward, do: run, step: fidelity}
- {at: 171s, role: data_steward, do: run, step: downstream-consistency}
- {at: 172s, role: data_steward, do: run, step: reconcile}
- {at: 175s, role: comms, do: run, step: all-clear}
- {at: 180s, role: commander, do: end}
"""


def run_script(tmp_path: Path, name: str, seed: int | None = None) -> tuple[subprocess.CompletedProcess[str], Path]:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    args = [
        "run",
        str(PLAYBOOKS / "demo.yaml"),
        "--headless",
        "--virtual-clock",
        "--script",
        str(script),
        "--log-dir",
        str(tmp_path / name),
    ]
    if seed is not None:
        args += ["--seed", str(seed)]
    result = cli(*args)
    return result, only_log(tmp_path / name)


def test_script_drives_the_drill_and_refusals_are_reported(tmp_path):
    result, log = run_script(tmp_path, "a")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "refused: T+104s tech_lead approve: tech_lead lacks approve_gate authority" in result.stderr
    assert "time to decision:" in result.stdout and "time to rollback:  18s" in result.stdout
    events = read_log(log).events
    assert not [e for e in events if e.data.get("auto")]
    early = tmp_path / "early.yaml"
    early.write_text(
        "- {at: 95s, role: tech_lead, do: run, step: freeze-deploys}\n- {at: 99s, role: commander, do: end}\n"
    )
    result = cli(
        "run",
        str(PLAYBOOKS / "demo.yaml"),
        "--headless",
        "--virtual-clock",
        "--script",
        str(early),
        "--log-dir",
        str(tmp_path / "e"),
    )
    assert (
        "refused: T+95s tech_lead run: step freeze-deploys waits for step confirm-baseline (pending)" in result.stderr
    )


def stable(log: Path) -> list[dict]:
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    for line in lines:
        for key in ("ts", "hash", "prev"):
            line.pop(key)
        if line["type"] == "log.sealed":  # a seal signs the head's hash, which covers ts
            line["data"].pop("head_hash"), line["data"].pop("sig")
    return lines


def test_same_seed_and_script_give_the_same_events(tmp_path):
    _, first = run_script(tmp_path, "a")
    _, second = run_script(tmp_path, "b")
    assert first.read_bytes() != second.read_bytes()  # ts differs...
    assert stable(first) == stable(second)  # ...and nothing else
    _, other = run_script(tmp_path, "c", seed=7)
    samples = lambda log: [e["data"] for e in stable(log) if e["type"] == "signal.sample"]  # noqa: E731
    assert samples(first) != samples(other)
    assert stable(other)[0]["data"]["seed"] == 7


def test_resume_continues_the_same_drill(tmp_path):
    import asyncio

    from drillconsole.engine.players import AutoPlayer
    from drillconsole.launch import prepare

    prepared = prepare(PLAYBOOKS / "demo.yaml", log_dir=tmp_path, virtual_clock=True, players=[AutoPlayer()])
    asyncio.run(prepared.engine.run(until=110))  # the gate is approved around T+117: crash before
    prepared.log.close()  # the process dies: no session.ended
    before = read_log(prepared.log_path)
    assert before.ok and not before.complete

    result = cli(
        "run",
        str(PLAYBOOKS / "demo.yaml"),
        "--headless",
        "--auto",
        "--virtual-clock",
        "--resume",
        str(prepared.log_path),
    )
    assert result.returncode == 0, result.stderr
    after = read_log(prepared.log_path)
    assert after.ok and after.complete
    assert after.events[: len(before.events)] == before.events  # nothing logged was rewritten
    resumed = after.events[len(before.events)]
    assert resumed.type == "session.resumed" and resumed.data["from_seq"] == before.events[-1].seq
    assert after.events[-2].data["outcome"] == "restored" and after.events[-1].type == "log.sealed"
    assert after.events[-1].t > resumed.t >= before.events[-1].t
    state = fold(load_playbook(PLAYBOOKS / "demo.yaml"), after.events)
    assert state.live_version() == "41" and state.resumed == 1
    # Resume never writes a sample twice: every signal's sample times are strictly increasing across the restart.
    seen: dict[str, float] = {}
    for event in after.events:
        if event.type == "signal.sample":
            for sid in event.data["values"]:
                assert event.t > seen.get(sid, -1.0), (sid, event.t)
                seen[sid] = event.t


def test_resume_refuses_a_tampered_log(tmp_path):
    result = cli("demo", "--headless", "--log-dir", str(tmp_path))
    log = only_log(tmp_path)
    lines = log.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace('"t":', '"t": ', 1)
    log.write_text("".join(lines))
    result = cli("run", str(PLAYBOOKS / "demo.yaml"), "--headless", "--auto", "--resume", str(log))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and ":6:" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nope.yaml", "--headless", "--auto"], "nope.yaml:1: cannot read file"),
        (["run", "playbooks/demo.yaml", "--headless"], "needs --auto or --script"),
        (
            ["run", "playbooks/demo.yaml", "--headless", "--auto", "--script", "x.yaml"],
            "choose one of --auto and --script",
        ),
        (["run", "playbooks/demo.yaml", "--headless", "--script", "missing.yaml"], "missing.yaml: cannot read"),
        (["run", "playbooks/demo.yaml", "--headless", "--auto", "--speed", "0"], "--speed must be positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = cli(*args, "--log-dir", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.jsonl"))


def test_bad_script_is_one_line(tmp_path):
    script = tmp_path / "s.yaml"
    script.write_text("- {at: soon, role: commander, do: decide}\n")
    result = cli("run", "playbooks/demo.yaml", "--headless", "--script", str(script), "--log-dir", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "s.yaml: [0].at" in result.stderr


def test_production_needs_allow_production(tmp_path):
    text = (PLAYBOOKS / "demo.yaml").read_text().replace("environment: simulation", "environment: production")
    (tmp_path / "prod.yaml").write_text(text)
    result = cli(
        "run", str(tmp_path / "prod.yaml"), "--headless", "--auto", "--virtual-clock", "--log-dir", str(tmp_path)
    )
    assert result.returncode == 2 and "--allow-production" in result.stderr
    assert not list(tmp_path.rglob("*.jsonl"))


def test_failed_drill_exits_1(tmp_path):
    script = tmp_path / "s.yaml"
    script.write_text(
        "- {at: 90s, role: commander, do: decide, option: hold, rationale: wait}\n- {at: 95s, role: commander, do: end}\n"
    )
    result = cli(
        "run",
        "playbooks/demo.yaml",
        "--headless",
        "--virtual-clock",
        "--script",
        str(script),
        "--log-dir",
        str(tmp_path),
    )
    assert result.returncode == 1 and "outcome:           aborted" in result.stdout


def _production(tmp_path):
    text = (PLAYBOOKS / "demo.yaml").read_text().replace("environment: simulation", "environment: production")
    path = tmp_path / "prod.yaml"
    path.write_text(text)
    return path


def _prod_script(tmp_path, by: bool):
    person = ", by: dana" if by else ""
    script = tmp_path / "inputs.yaml"
    script.write_text(
        "- {at: 10s, role: tech_lead, do: run, step: confirm-baseline}\n"
        "- {at: 90s, role: commander, do: decide, option: full_rollback, rationale: precision below band}\n"
        "- {at: 95s, role: tech_lead, do: run, step: freeze-deploys}\n"
        "- {at: 96s, role: comms, do: run, step: initial-update}\n"
        "- {at: 100s, role: tech_lead, do: run, step: registry-rollback}\n"
        f"- {{at: 106s, role: data_steward, do: approve, step: registry-rollback, phrase: ROLLBACK fraud-scorer TO v41{person}}}\n"
        "- {at: 110s, role: data_steward, do: run, step: verify-signals}\n"
        "- {at: 200s, role: data_steward, do: run, step: fidelity}\n"
        "- {at: 202s, role: data_steward, do: run, step: downstream-consistency}\n"
        "- {at: 203s, role: data_steward, do: run, step: reconcile}\n"
        "- {at: 205s, role: comms, do: run, step: all-clear}\n"
        "- {at: 230s, role: commander, do: end}\n"
    )
    return script


def test_headless_production_needs_a_person(tmp_path):
    prod = _production(tmp_path)
    base = ["run", str(prod), "--headless", "--virtual-clock", "--allow-production", "--log-dir", str(tmp_path / "l")]
    # No --confirm: refused, nothing written.
    no_confirm = cli(*base, "--script", str(_prod_script(tmp_path, by=True)))
    assert no_confirm.returncode == 2 and "--confirm fraud-scorer-v42-rollback" in no_confirm.stderr
    # --auto would approve gates unattended: refused even with the confirmation.
    auto = cli(*base, "--auto", "--confirm", "fraud-scorer-v42-rollback")
    assert auto.returncode == 2 and "--auto would approve gates" in auto.stderr
    # A scripted approval must name its person.
    anonymous = cli(*base, "--script", str(_prod_script(tmp_path, by=False)), "--confirm", "fraud-scorer-v42-rollback")
    assert anonymous.returncode == 2 and "names no person" in anonymous.stderr
    assert len(anonymous.stderr.strip().splitlines()) == 1 and not list(tmp_path.rglob("*.jsonl"))
    # With all of it, the drill runs and the opt-in is in the log: who, when, how; the approval names dana.
    done = cli(*base, "--script", str(_prod_script(tmp_path, by=True)), "--confirm", "fraud-scorer-v42-rollback")
    assert done.returncode == 0, done.stderr
    events = read_log(next((tmp_path / "l").rglob("*.jsonl"))).events
    opt_in = events[0].data["production"]
    assert opt_in["how"] == "--allow-production --confirm fraud-scorer-v42-rollback" and opt_in["by"] and opt_in["at"]
    approved = next(e for e in events if e.type == "gate.approved")
    assert approved.by == "dana"


def test_resuming_a_production_drill_asks_again(tmp_path):
    import asyncio

    from drillconsole.engine.players import ScriptPlayer, load_script
    from drillconsole.launch import prepare

    prod = _production(tmp_path)
    script = _prod_script(tmp_path, by=True)
    first = prepare(
        prod,
        log_dir=tmp_path / "l",
        virtual_clock=True,
        players=[ScriptPlayer(load_script(script))],
        allow_production=True,
        confirm="fraud-scorer-v42-rollback",
    )
    asyncio.run(first.engine.run(until=50))
    first.log.close()
    base = ["run", str(prod), "--headless", "--virtual-clock", "--allow-production", "--resume", str(first.log_path)]
    refused = cli(*base, "--script", str(script))
    assert refused.returncode == 2 and "--confirm" in refused.stderr
    again = cli(*base, "--script", str(script), "--confirm", "fraud-scorer-v42-rollback")
    assert again.returncode == 0, again.stderr
    resumed = next(e for e in read_log(first.log_path).events if e.type == "session.resumed")
    assert resumed.data["production"]["how"].startswith("--allow-production --confirm")
