"""Retries that fit the failure, in real drills against the sandbox's flag service behind a flaky loopback proxy."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flaky_proxy import FlakyProxy

from drillconsole.drill.wording import describe_event
from drillconsole.log.events import Event
from drillconsole.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(fixed_version="42", flags={"new-scoring-path": True}).start()
    yield box
    box.stop()


def drill(tmp_path: Path, flags_url: str, *, timeout: str = "20s") -> tuple[int, list[dict[str, Any]]]:
    """A drill whose one action switches `new-scoring-path` off, run headless on the real clock."""
    doc = {
        "drill": {"id": "retry", "title": "retry", "model": "m", "versions": {"suspect": "42", "known_safe": "41"}},
        "roles": {"commander": {"title": "C", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "targets": {
            "flags": {
                "type": "flags",
                "kind": "http",
                "url": "${env:FLAGS_URL}",
                "flags": {"new-scoring-path": True},
                "timeout": "2s",
            }
        },
        "signals": [{"id": "s", "title": "s", "source": {"kind": "simulated", "baseline": 1.0}}],
        "steps": [
            {
                "id": "flag-off",
                "title": "Switch the new path off",
                "phase": "baseline",
                "owner": "commander",
                "kind": "action",
                "action": {"type": "flag.set", "target": "flags", "flag": "new-scoring-path", "value": False},
                "timeout": timeout,
                "backoff": {"tries": 4, "first": "0.2s", "max": "1s"},
            }
        ],
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
    script = [
        {"at": "0s", "role": "commander", "do": "run", "step": "flag-off"},
        {"at": "6s", "role": "commander", "do": "end", "outcome": "aborted", "reason": "test over"},
    ]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(script))
    argv = [sys.executable, "-m", "drillconsole", "run", str(tmp_path / "p.yaml"), "--headless", "--quiet"]
    argv += ["--script", str(tmp_path / "s.yaml"), "--log-dir", str(tmp_path / "logs")]
    done = subprocess.run(argv, env={**os.environ, "FLAGS_URL": flags_url}, capture_output=True, text=True, timeout=120)
    logs = list((tmp_path / "logs").rglob("*.jsonl"))
    assert logs, done.stderr
    return done.returncode, [json.loads(line) for line in logs[0].read_text().splitlines()]


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind and e["data"].get("step", "flag-off") == "flag-off"]


def test_a_5xx_is_retried_with_backoff_shown_then_succeeds(sandbox: Sandbox, tmp_path: Path) -> None:
    proxy = FlakyProxy(sandbox.url, "503", failures=2)
    try:
        code, events = drill(tmp_path, proxy.url)
    finally:
        proxy.close()
    assert code == 1  # aborted by the script
    retrying = of(events, "step.retrying")
    assert [(e["data"]["next_try"], e["data"]["retry_in"]) for e in retrying] == [(2, 0.2), (3, 0.4)]
    assert "HTTP 503" in retrying[0]["data"]["error"]
    line = describe_event(Event.from_dict(retrying[0]))  # the console timeline's wording
    assert line is not None and "retrying in 0.2s (attempt 2 of 4)" in line.text
    [ok] = of(events, "step.succeeded")
    assert ok["data"]["result"]["from"] is True and ok["data"]["result"]["to"] is False
    assert sandbox.flags.get("new-scoring-path", None) is False  # the service's own state
    assert not of(events, "step.failed")


def test_a_lost_answer_is_read_back_and_counted_as_landed(sandbox: Sandbox, tmp_path: Path) -> None:
    proxy = FlakyProxy(sandbox.url, "drop", failures=1)
    try:
        code, events = drill(tmp_path, proxy.url)
    finally:
        proxy.close()
    assert code == 1
    # The write landed; the read-back saw it, so there was one write and no retry.
    assert len(proxy.writes) == 1 and not of(events, "step.retrying")
    [ok] = of(events, "step.succeeded")
    assert ok["data"]["result"]["from"] is True and ok["data"]["result"]["to"] is False
    assert sandbox.flags.get("new-scoring-path", None) is False


def test_refused_connections_until_the_budget_is_spent_fail_once_with_the_tries_named(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port with nothing listening: every connection is refused
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    code, events = drill(tmp_path, closed, timeout="1s")
    assert code == 1
    retrying = of(events, "step.retrying")
    assert retrying and all("connection refused" in e["data"]["error"] for e in retrying)
    [failed] = of(events, "step.failed")
    assert "connection refused" in failed["data"]["error"]
    assert f"(after {len(retrying) + 1} tries)" in failed["data"]["error"]
