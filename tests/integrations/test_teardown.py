"""Teardown after every drill and alone: faults cleared, flags reset, each action logged and reported, one-line failures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from drillconsole.report import sections
from drillconsole.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(fixed_version="42", flags={"new-scoring-path": True}).start()
    yield box
    box.stop()


def write_playbook(tmp_path: Path, *extra_teardown: dict[str, Any]) -> Path:
    doc = {
        "drill": {"id": "td", "title": "td", "model": "m", "versions": {"suspect": "42", "known_safe": "41"}},
        "roles": {"commander": {"title": "C", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "targets": {
            "flags": {
                "type": "flags",
                "kind": "http",
                "url": "${env:SANDBOX_URL}",
                "flags": {"new-scoring-path": True},
            }
        },
        "signals": [{"id": "s", "title": "s", "source": {"kind": "simulated", "baseline": 1.0}}],
        "steps": [
            {
                "id": "inject",
                "title": "Fault on v42",
                "phase": "baseline",
                "owner": "commander",
                "kind": "action",
                "injects_fault": True,
                "action": {"type": "fault.inject", "url": "${env:SANDBOX_URL}/fault", "version": "42"},
            },
            {
                "id": "flag-off",
                "title": "New path off",
                "phase": "baseline",
                "owner": "commander",
                "kind": "action",
                "action": {"type": "flag.set", "target": "flags", "flag": "new-scoring-path", "value": False},
            },
        ],
        "teardown": [
            {"type": "fault.clear", "url": "${env:SANDBOX_URL}/fault"},
            {"type": "flag.set", "target": "flags", "flag": "new-scoring-path", "value": True},
            *extra_teardown,
        ],
    }
    path = tmp_path / "td.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def cli(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SANDBOX_URL": url}
    argv = [sys.executable, "-m", "drillconsole", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_an_aborted_drill_leaves_the_sandbox_clean(sandbox: Sandbox, tmp_path: Path) -> None:
    script = [
        {"at": "0s", "role": "commander", "do": "run", "step": "inject"},
        {"at": "1s", "role": "commander", "do": "run", "step": "flag-off"},
        {"at": "3s", "role": "commander", "do": "end", "outcome": "aborted", "reason": "stopped early"},
    ]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(script))
    done = cli(
        "run",
        str(write_playbook(tmp_path)),
        "--headless",
        "--script",
        str(tmp_path / "s.yaml"),
        "--log-dir",
        str(tmp_path / "logs"),
        url=sandbox.url,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr  # aborted
    events: list[dict[str, Any]] = [
        json.loads(line) for line in next((tmp_path / "logs").rglob("*.jsonl")).read_text().splitlines()
    ]
    # The drill changed the sandbox for real, and the teardown put it back after the end.
    assert [e for e in events if e["type"] == "step.succeeded" and e["data"]["step"] == "flag-off"]
    ended = next(i for i, e in enumerate(events) if e["type"] == "session.ended")
    teardown = [e for e in events[ended:] if e["type"].startswith("teardown.")]
    assert [(e["type"], e["data"]["action"]) for e in teardown] == [
        ("teardown.done", "sandbox faults cleared"),
        ("teardown.done", "flag new-scoring-path → on"),
    ]
    assert sandbox.faults.snapshot() == {} and sandbox.flags.get("new-scoring-path", None) is True
    assert "teardown: sandbox faults cleared" in done.stderr  # the headless progress line


def test_teardown_alone_cleans_up_and_says_what_it_did(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.set("42", ("precision",), True)
    sandbox.set_flag("new-scoring-path", False, None)
    done = cli("teardown", str(write_playbook(tmp_path)), url=sandbox.url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["done    sandbox faults cleared", "done    flag new-scoring-path → on"]
    assert sandbox.faults.snapshot() == {} and sandbox.flags.get("new-scoring-path", None) is True


def test_teardown_against_a_service_that_is_down_fails_with_one_line_each(tmp_path: Path) -> None:
    done = cli("teardown", str(write_playbook(tmp_path)), url="http://127.0.0.1:9", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("FAILED  ") for line in lines), lines
    assert "connection refused" in lines[0] and "Traceback" not in done.stderr


def test_teardown_of_a_playbook_without_one_is_a_usage_error(tmp_path: Path) -> None:
    done = cli("teardown", "playbooks/demo.yaml", url="http://127.0.0.1:9", cwd=Path(__file__).parents[2])
    assert done.returncode == 2
    assert done.stderr.strip() == "playbooks/demo.yaml: the playbook has no `teardown:` section"


def report(log: Path, fmt: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "drillconsole", "report", str(log), "--format", fmt],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_failed_drill_runs_its_teardown_and_every_report_format_shows_each_action(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    nowhere = {"type": "http", "method": "POST", "url": "${env:SANDBOX_URL}/no-such-endpoint"}
    script = [
        {"at": "0s", "role": "commander", "do": "run", "step": "inject"},
        {"at": "1s", "role": "commander", "do": "run", "step": "flag-off"},
        {"at": "3s", "role": "commander", "do": "end", "outcome": "failed", "reason": "rollback did not hold"},
    ]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(script))
    playbook = write_playbook(tmp_path, nowhere)
    args = ["--headless", "--script", str(tmp_path / "s.yaml"), "--log-dir", str(tmp_path / "logs")]
    done = cli("run", str(playbook), *args, url=sandbox.url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # failed
    assert sandbox.faults.snapshot() == {} and sandbox.flags.get("new-scoring-path", None) is True
    log = next((tmp_path / "logs").rglob("*.jsonl"))

    data = json.loads(report(log, "json", tmp_path))
    assert data["outcome"] == "failed" and data["teardown_declared"] == 3
    rows = [(x["action"], x["result"]) for x in data["teardown"]]
    assert rows == [
        ("sandbox faults cleared", "ok"),
        ("flag new-scoring-path → on", "ok"),
        (f"POST {sandbox.url}/no-such-endpoint", "failed"),
    ]
    assert [x["reason"] for x in data["teardown"][:2]] == [None, None]
    reason = data["teardown"][2]["reason"]
    assert reason.startswith(f"POST {sandbox.url}/no-such-endpoint answered 4") and "\n" not in reason  # one line
    ended_t = next(json.loads(line)["t"] for line in log.read_text().splitlines() if '"session.ended"' in line)
    assert all(x["t"] >= ended_t for x in data["teardown"])  # when: after the end
    assert sections.teardown(log) == data["teardown"]  # the lines alone (no playbook to fold) say the same

    md = report(log, "md", tmp_path)
    assert "| Teardown | 1 of 3 FAILED |" in md
    section = md.split("## Teardown\n", 1)[1].split("\n## ", 1)[0]
    assert "1 teardown action(s) failed: the environment may not be clean" in section
    assert "| sandbox faults cleared | ok |" in section and "| flag new-scoring-path → on | ok |" in section
    assert f"| POST {sandbox.url}/no-such-endpoint | FAILED | " in section and "answered 4" in section

    html = report(log, "html", tmp_path)
    assert "<h2>Teardown</h2>" in html and "<td>sandbox faults cleared</td><td>ok</td>" in html
    assert "<td>FAILED</td>" in html.split("<h2>Teardown</h2>", 1)[1].split("<h2>", 1)[0]


def demo_with_teardown(tmp_path: Path) -> Path:
    doc = yaml.safe_load((Path(__file__).parents[2] / "playbooks" / "demo.yaml").read_text())
    doc["teardown"] = [{"type": "fault.clear", "url": "${env:SANDBOX_URL}/fault"}]
    path = tmp_path / "demo-td.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return path


def test_a_killed_drill_resumed_runs_its_teardown_when_it_ends_and_the_report_shows_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    playbook, folder = demo_with_teardown(tmp_path), tmp_path / "logs"
    env = {**os.environ, "SANDBOX_URL": sandbox.url}
    run = [sys.executable, "-m", "drillconsole", "run", str(playbook), "--headless", "--auto", "--quiet"]
    proc = subprocess.Popen(
        [*run, "--speed", "20", "--log-dir", str(folder)], env=env, cwd=tmp_path, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 90
        logs: list[Path] = []
        while time.monotonic() < deadline:  # kill it mid-drill: once the decision is logged, long before the end
            logs = list(folder.rglob("*.jsonl"))
            if logs and '"decision.made"' in logs[0].read_text():
                break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
        sandbox.faults.set("42", ("precision",), True)  # what the drill left injected when it died
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = logs[0]
    crashed = log.read_text()
    assert '"session.ended"' not in crashed and '"teardown.' not in crashed
    assert sandbox.faults.snapshot() != {}  # nobody cleaned up: the process was killed

    done = subprocess.run(
        [*run, "--virtual-clock", "--resume", str(log)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr  # restored
    assert sandbox.faults.snapshot() == {}
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(e["type"] == "session.resumed" for e in events)
    ended = next(i for i, e in enumerate(events) if e["type"] == "session.ended")
    assert events[ended]["data"]["outcome"] == "restored"
    assert [(e["type"], e["data"]["action"]) for e in events[ended:] if e["type"].startswith("teardown.")] == [
        ("teardown.done", "sandbox faults cleared")
    ]

    data = json.loads(report(log, "json", tmp_path))
    assert [(x["action"], x["result"], x["reason"]) for x in data["teardown"]] == [
        ("sandbox faults cleared", "ok", None)
    ]
    md = report(log, "md", tmp_path)
    assert "| Teardown | 1 of 1 ok |" in md and "| sandbox faults cleared | ok |" in md
