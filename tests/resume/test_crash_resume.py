"""A drill stopped at any moment and resumed ends as the uninterrupted drill does, losing and changing nothing logged.

The in-process soak stops the demo at 60 moments across its whole span (on the grid
and inside every step, including the gated rollback in flight) and resumes it; the
process soak kills real-clock drills with SIGKILL. The long version is
`python tests/resume/soak.py` (its result goes in the closing note).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drillconsole.engine.players import AutoPlayer
from drillconsole.launch import prepare
from drillconsole.log.reader import read_log
from drillconsole.resources import bundled_playbook

DEMO = bundled_playbook("demo")


def uninterrupted(folder: Path) -> tuple[str | None, float]:
    prepared = prepare(DEMO, log_dir=folder, virtual_clock=True, players=[AutoPlayer()])
    try:
        outcome = asyncio.run(prepared.engine.run())
    finally:
        prepared.log.close()
    return outcome, prepared.engine.state.t


def stop_and_resume(folder: Path, at: float) -> tuple[str | None, list, list]:
    """Run to drill time `at`, drop everything in flight as a crash would, then resume to the end."""
    first = prepare(DEMO, log_dir=folder, virtual_clock=True, players=[AutoPlayer()])
    try:
        asyncio.run(first.engine.run(until=at))
    finally:
        first.log.close()  # no session.ended: the process is gone
    before = read_log(first.log_path).events
    again = prepare(DEMO, resume=first.log_path, virtual_clock=True, players=[AutoPlayer()])
    try:
        outcome = asyncio.run(again.engine.run())
    finally:
        again.log.close()
    report = read_log(first.log_path)
    assert report.ok, (at, report.problem)
    return outcome, before, report.events


def test_stopped_at_sixty_moments_every_drill_resumes_to_the_same_outcome(tmp_path: Path) -> None:
    outcome, end_t = uninterrupted(tmp_path / "whole")
    assert outcome == "restored"
    moments = [round(end_t * i / 45, 1) for i in range(1, 45)]
    # Inside the steps: the manual steps, the gated rollback in flight (1.5 s of latency), verification, fidelity.
    moments += [95.2, 110.3, 117.4, 118.0, 118.6, 121.5, 125.0, 133.7, 140.1, 151.2, 160.9, 175.5, 190.0, 205.3, 222.2]
    stopped = []
    for at in moments:
        if at >= end_t:
            continue
        result, before, after = stop_and_resume(tmp_path / f"at-{at}", at)
        assert result == outcome, (at, result)
        assert after[: len(before)] == before, at  # nothing logged was lost or changed
        stopped.append(at)
    assert len(stopped) >= 50


def test_an_action_interrupted_in_flight_is_read_back_not_failed(tmp_path: Path) -> None:
    whole = prepare(DEMO, log_dir=tmp_path / "whole", virtual_clock=True, players=[AutoPlayer()])
    try:
        asyncio.run(whole.engine.run())
    finally:
        whole.log.close()
    events = read_log(whole.log_path).events
    started = next(e.t for e in events if e.type == "step.started" and e.data["step"] == "registry-rollback")
    landed = next(e.t for e in events if e.type == "step.succeeded" and e.data["step"] == "registry-rollback")
    assert landed > started  # the simulated registry takes 1.5 s: a crash can fall in between
    _, before, after = stop_and_resume(tmp_path / "crash", started + (landed - started) / 2)
    in_flight = [e for e in before if e.data.get("step") == "registry-rollback" and e.type.startswith("step.")]
    assert [e.type for e in in_flight] == ["step.started"]
    assert [e for e in after if e.type == "step.failed" and e.data.get("step") == "registry-rollback"] == []
    results = [e.data["result"] for e in after if e.type == "step.succeeded" and e.data["step"] == "registry-rollback"]
    assert [r["to"] for r in results] == ["41"]


def _kill_and_resume(folder: Path, after_s: float) -> tuple[int, list, list]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    cmd = [sys.executable, "-m", "drillconsole", "run", str(DEMO), "--headless", "--auto", "--speed", "25", "--quiet"]
    proc = subprocess.Popen(
        [*cmd, "--log-dir", str(folder)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not list(folder.glob("*.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(after_s)  # a random moment of a real-clock drill; the wait is the test's input, not a timing assertion
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    log = next(folder.glob("*.jsonl"))
    before = read_log(log).events
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "drillconsole",
            "run",
            str(DEMO),
            "--headless",
            "--auto",
            "--virtual-clock",
            "--resume",
            str(log),
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, before, read_log(log).events


@pytest.mark.parametrize("after_s", [0.5, 2.0, 4.5, 6.5])
def test_a_real_clock_drill_killed_with_sigkill_resumes_to_restored(tmp_path: Path, after_s: float) -> None:
    code, before, after = _kill_and_resume(tmp_path, after_s)
    assert before and all(e.type != "session.ended" for e in before), "the kill must land inside the drill"
    assert code == 0
    assert after[: len(before)] == before
    assert after[-2].type == "session.ended" and after[-2].data["outcome"] == "restored"


def _resume_cli(log: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "drillconsole", "run", str(DEMO), "--headless", "--auto", "--virtual-clock"]
    return subprocess.run([*cmd, "--resume", str(log), "--quiet"], capture_output=True, text=True, timeout=120)


def test_a_drill_killed_right_after_it_started_resumes_into_its_first_phase(tmp_path: Path) -> None:
    """Killed between `session.started` and the first phase (a soak kill at 0.1 s found it): still restored."""
    full = prepare(DEMO, log_dir=tmp_path / "full", virtual_clock=True, players=[AutoPlayer()])
    try:
        asyncio.run(full.engine.run())
    finally:
        full.log.close()
    first_line = full.log_path.read_bytes().split(b"\n")[0] + b"\n"
    log = tmp_path / "cut.jsonl"
    log.write_bytes(first_line)
    done = _resume_cli(log)
    assert done.returncode == 0, done.stderr
    events = read_log(log).events
    assert [e.type for e in events[:3]] == ["session.started", "session.resumed", "phase.entered"]
    assert events[-2].type == "session.ended" and events[-2].data["outcome"] == "restored"


@pytest.mark.parametrize("content", [b"", b'{"v":2,"seq":0,"t":0.0,"ts":"2026-'], ids=["empty", "half-a-line"])
def test_a_drill_killed_before_its_first_whole_line_starts_again_from_the_beginning(
    tmp_path: Path, content: bytes
) -> None:
    log = tmp_path / "crashed.jsonl"
    log.write_bytes(content)
    done = _resume_cli(log)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"{log}: nothing was logged before the crash; the drill starts from the beginning"
    report = read_log(log)
    assert report.ok and report.events[0].type == "session.started"
    assert report.events[-2].data["outcome"] == "restored"


def test_a_drill_that_already_ended_is_not_resumed_and_its_log_stays_as_it_was(tmp_path: Path) -> None:
    """Found by trying it: `--resume` on a finished log used to append `session.resumed` after `session.ended`."""
    full = prepare(DEMO, log_dir=tmp_path, virtual_clock=True, players=[AutoPlayer()])
    try:
        outcome = asyncio.run(full.engine.run())
    finally:
        full.log.close()
    before = full.log_path.read_bytes()
    done = _resume_cli(full.log_path)
    assert done.returncode == 2 and done.stdout == ""
    ended_t = read_log(full.log_path).events[-2].t
    assert done.stderr.strip().splitlines() == [
        f"{full.log_path}: this drill already ended (outcome {outcome}, at {ended_t:g} s); nothing to resume "
        "(read it with `drillconsole replay` or `drillconsole report`)"
    ]
    assert full.log_path.read_bytes() == before
