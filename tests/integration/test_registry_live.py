"""Compare-and-set against a real MLflow: refusal, undo, and MLflow failing (500, hanging) with nothing half-done."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from live_helpers import events, log_bytes, mlflow_proxy, of_type, wait_event
from live_services import MODEL, Stack, free_port, get_alias, run_drill, set_alias

from drillconsole.actions import ActionContext, ActionError
from drillconsole.actions.mlflow import MlflowRegistry
from drillconsole.drill.state import DrillState
from drillconsole.playbook.loader import load_playbook
from drillconsole.playbook.models import SetAliasAction
from drillconsole.secrets import Redactor

pytestmark = pytest.mark.integration

TOKEN = "mlflow-token-" + "7c1d2e3f4a5b6c7d"
PHRASE = "ROLLBACK fraud-scorer TO v41"


def small_playbook(tmp_path: Path, *, timeout: str = "5s", step_timeout: str = "20s") -> Path:
    """A drill whose only side effect is the MLflow rollback (signals simulated), for scripted runs."""
    doc = {
        "drill": {
            "id": "mlflow-cas",
            "title": "MLflow compare-and-set",
            "model": MODEL,
            "environment": "staging",
            "versions": {"suspect": "42", "known_safe": "41"},
            "time_limit": "60s",
        },
        "roles": {
            "commander": {"title": "Commander", "authority": ["declare_rollback", "approve_gate", "end_drill"]},
            "tech_lead": {"title": "Tech lead", "authority": ["execute_steps"]},
        },
        "targets": {
            "registry": {
                "type": "registry",
                "kind": "mlflow",
                "tracking_uri": "${env:MLFLOW_TRACKING_URI}",
                "headers": {"Authorization": "Bearer ${env:DRILL_TOKEN}"},
                "timeout": timeout,
            }
        },
        "signals": [{"id": "precision", "title": "Precision", "source": {"kind": "simulated", "baseline": 0.95}}],
        "scenario": [
            {
                "id": "drop",
                "at": "1s",
                "signal": "precision",
                "kind": "shift",
                "delta": -0.2,
                "cause": {"version": "42"},
            }
        ],
        "steps": [
            {
                "id": "decide",
                "title": "Decide",
                "phase": "decide",
                "owner": "commander",
                "kind": "decision",
                "options": [
                    {"id": "full_rollback", "title": "Roll back", "expected": True},
                    {"id": "hold", "title": "Hold"},
                ],
            },
            {
                "id": "registry-rollback",
                "title": "Roll back",
                "phase": "execute",
                "owner": "tech_lead",
                "kind": "action",
                "action": {"type": "registry.set_alias", "target": "registry", "from": "42", "to": "41"},
                "gate": {"approver": "commander", "phrase": PHRASE},
                "undo": "restore",
                "timeout": step_timeout,
            },
        ],
    }
    path = tmp_path / "mlflow-cas.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def script(tmp_path: Path, *, undo: bool) -> Path:
    commands = [
        {
            "at": "2s",
            "role": "commander",
            "do": "decide",
            "option": "full_rollback",
            "rationale": "precision fell on v42",
        },
        {"at": "3s", "role": "tech_lead", "do": "request", "step": "registry-rollback"},
        {"at": "4s", "role": "commander", "do": "approve", "step": "registry-rollback", "phrase": PHRASE},
    ]
    if undo:
        commands.append({"at": "10s", "role": "tech_lead", "do": "undo", "step": "registry-rollback"})
        # The undo of a gated step is gated like the step: an approver types the phrase again.
        commands.append(
            {"at": "11s", "role": "commander", "do": "approve", "step": "registry-rollback", "phrase": PHRASE}
        )
    commands.append({"at": "20s", "role": "commander", "do": "end", "outcome": "aborted", "reason": "test over"})
    path = tmp_path / "script.yaml"
    path.write_text(yaml.safe_dump(commands))
    return path


def drill(
    stack: Stack, tmp_path: Path, *, undo: bool = False, mlflow_url: str | None = None, **playbook: str
) -> list[dict]:
    env = stack.env(DRILL_TOKEN=TOKEN, **({"MLFLOW_TRACKING_URI": mlflow_url} if mlflow_url else {}))
    result = run_drill(
        small_playbook(tmp_path, **playbook),
        tmp_path / "logs",
        env,
        "--script",
        str(script(tmp_path, undo=undo)),
        "--virtual-clock",
        timeout=120,
    )
    assert result.returncode == 1, result.stderr  # every script here ends the drill as aborted
    assert TOKEN.encode() not in log_bytes(tmp_path / "logs")
    assert TOKEN not in result.stdout + result.stderr
    return events(tmp_path / "logs")


def live_drill(stack: Stack, tmp_path: Path, *, undo: bool, mlflow_url: str | None = None) -> subprocess.Popen[str]:
    """The scripted drill on the real clock, started in the background so the test can watch MLflow meanwhile."""
    env = stack.env(DRILL_TOKEN=TOKEN, **({"MLFLOW_TRACKING_URI": mlflow_url} if mlflow_url else {}))
    argv = [sys.executable, "-m", "drillconsole", "run", str(small_playbook(tmp_path)), "--headless", "--quiet"]
    argv += ["--script", str(script(tmp_path, undo=undo)), "--log-dir", str(tmp_path / "logs")]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert TOKEN not in out + err
    return proc.returncode, out + err


def test_rollback_then_undo_moves_the_real_alias_both_ways(stack: Stack, tmp_path: Path) -> None:
    set_alias(stack.mlflow.url, "42")
    proc = live_drill(stack, tmp_path, undo=True)
    try:
        # MLflow has v41 the moment the rollback step reports success, and v42 again once the undo does.
        done = wait_event(tmp_path / "logs", "step.succeeded", 60, step="registry-rollback")
        assert get_alias(stack.mlflow.url) == "41"
        undone = wait_event(tmp_path / "logs", "step.undone", 60, step="registry-rollback")
        assert get_alias(stack.mlflow.url) == "42"
    finally:
        code, output = finish(proc)
    assert code == 1, output  # aborted by the script
    assert done["data"]["result"] == {"target": "registry", "alias": "champion", "from": "42", "to": "41"}
    assert undone["data"]["result"]["from"] == "41" and undone["data"]["result"]["to"] == "42"
    assert TOKEN.encode() not in log_bytes(tmp_path / "logs")


def test_mlflow_refusing_connections_mid_step_is_retried_until_it_is_back(stack: Stack, tmp_path: Path) -> None:
    """The tracking URI points at a port nothing listens on; once the step retries, a forwarder opens it."""
    set_alias(stack.mlflow.url, "42")
    port = free_port()
    proc = live_drill(stack, tmp_path, undo=False, mlflow_url=f"http://127.0.0.1:{port}")
    forwarder = None
    try:
        retrying = wait_event(tmp_path / "logs", "step.retrying", 60, step="registry-rollback")
        assert get_alias(stack.mlflow.url) == "42"  # nothing reached MLflow while it refused
        forwarder = mlflow_proxy(stack.mlflow.url, "forward", port=port)
        done = wait_event(tmp_path / "logs", "step.succeeded", 60, step="registry-rollback")
        assert get_alias(stack.mlflow.url) == "41"
    finally:
        code, output = finish(proc)
        if forwarder is not None:
            forwarder.close()
    assert code == 1, output
    assert "connection refused" in retrying["data"]["error"] and retrying["data"]["tries"] == 4
    assert done["data"]["result"]["to"] == "41"
    assert not of_type(events(tmp_path / "logs"), "step.failed", step="registry-rollback")


def test_a_lost_answer_from_real_mlflow_is_read_back_as_landed(stack: Stack, tmp_path: Path) -> None:
    set_alias(stack.mlflow.url, "42")
    proxy = mlflow_proxy(stack.mlflow.url, "drop")
    proc = live_drill(stack, tmp_path, undo=False, mlflow_url=proxy.url)
    try:
        done = wait_event(tmp_path / "logs", "step.succeeded", 60, step="registry-rollback")
        assert get_alias(stack.mlflow.url) == "41"
    finally:
        code, output = finish(proc)
        proxy.close()
    assert code == 1, output
    assert proxy.dropped == 1
    writes = [r for r in proxy.received if r.method == "POST" and "/alias" in r.path]
    assert len(writes) == 1  # read back, not written twice
    assert "confirmed_after" in done["data"]["result"]
    assert not of_type(events(tmp_path / "logs"), "step.failed", step="registry-rollback")


def test_compare_and_set_refuses_when_the_alias_points_elsewhere(stack: Stack, tmp_path: Path) -> None:
    set_alias(stack.mlflow.url, "40")
    try:
        evs = drill(stack, tmp_path)
        [failed] = of_type(evs, "step.failed", step="registry-rollback")
        assert failed["data"]["error"] == "alias champion points at v40, expected v42; nothing changed"
        assert not of_type(evs, "step.succeeded", step="registry-rollback")
        assert not of_type(evs, "step.retrying")  # a refusal is final: tried once
        assert get_alias(stack.mlflow.url) == "40"
    finally:
        set_alias(stack.mlflow.url, "42")


def test_undo_is_a_compare_and_set_too(stack: Stack) -> None:
    """Undo builds the reverse action from the result; if someone moved the alias meanwhile it refuses."""
    playbook = load_playbook(small_playbook_path(stack))
    set_alias(stack.mlflow.url, "40")
    reverse = SetAliasAction(
        type="registry.set_alias", target="registry", alias="champion", **{"from": "41", "to": "42"}
    )
    ctx = ActionContext(
        playbook=playbook,
        state=DrillState.initial(playbook),
        redactor=Redactor(),
        env={"MLFLOW_TRACKING_URI": stack.mlflow.url, "DRILL_TOKEN": TOKEN},
    )
    try:
        with pytest.raises(ActionError, match="points at v40, expected v41; nothing changed"):
            asyncio.run(MlflowRegistry().run(reverse, ctx))
        assert get_alias(stack.mlflow.url) == "40"
    finally:
        set_alias(stack.mlflow.url, "42")


def small_playbook_path(stack: Stack) -> Path:
    directory = stack.workdir / "small"
    directory.mkdir(exist_ok=True)
    return small_playbook(directory)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("post500", "set alias champion → v41: HTTP 500: INTERNAL_ERROR: database is locked"),
        ("get500", "get alias champion: HTTP 500: INTERNAL_ERROR: database is locked"),
        ("hang", "set alias champion → v41: timed out after 2s"),
    ],
)
def test_mlflow_failing_fails_the_step_with_nothing_half_done(
    stack: Stack, tmp_path: Path, mode: str, expected: str
) -> None:
    set_alias(stack.mlflow.url, "42")
    proxy = mlflow_proxy(stack.mlflow.url, mode)
    try:
        evs = drill(stack, tmp_path, mlflow_url=proxy.url, timeout="2s")
    finally:
        proxy.close()
    [failed] = of_type(evs, "step.failed", step="registry-rollback")
    error = failed["data"]["error"]
    assert expected in error
    # A 5xx or a timeout is tried again with backoff inside the step's budget, then fails naming the tries.
    assert re.search(r"nothing changed \(after \d tries\)$", error), error
    assert of_type(evs, "step.retrying", step="registry-rollback")
    assert "\n" not in error and "Traceback" not in error
    assert not of_type(evs, "step.succeeded", step="registry-rollback")
    assert get_alias(stack.mlflow.url) == "42"
    # The proxy saw the token (it was really sent) and echoed it; the log shows it redacted.
    assert any(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in proxy.received)
    if mode != "hang":
        assert "***" in error
