"""Teardown after every drill and alone: faults cleared, flags reset, each action logged, one-line failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from drillconsole.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(fixed_version="42", flags={"new-scoring-path": True}).start()
    yield box
    box.stop()


def write_playbook(tmp_path: Path) -> Path:
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
