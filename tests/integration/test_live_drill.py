"""The live drill end to end against real MLflow, Prometheus and the sandbox (real clock)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from live_helpers import events, log_bytes, of_type, samples, wait_event, wall, webhook_receiver
from live_services import (
    ERROR_RATE,
    Stack,
    get_alias,
    http,
    prometheus_value,
    wait_for,
)

from drillconsole.report.build import build_report
from drillconsole.resources import bundled_playbook

pytestmark = pytest.mark.integration

PROMETHEUS_SIGNALS = ("precision", "error_rate", "latency_p95", "policy_violations", "live_version")


def test_live_drill_rolls_mlflow_back_metrics_recover_fidelity_matches_and_teardown_cleans(
    live: Stack, tmp_path: Path
) -> None:
    log_dir = tmp_path / "logs"
    argv = [sys.executable, "-m", "drillconsole", "run", str(bundled_playbook("live-mlflow")), "--headless"]
    argv += ["--auto", "--speed", "1", "--log-dir", str(log_dir)]
    drill = subprocess.Popen(argv, env=live.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The start was recorded: where the alias pointed when the drill began.
        started = wait_event(log_dir, "session.started", 60)
        assert started["data"]["found"] == {"registry": {"alias": "champion", "version": "42"}}
        # The fault is really on in the sandbox once the step says so.
        wait_event(log_dir, "step.succeeded", step="inject-fault")
        assert http("GET", live.sandbox.url + "/status")[1]["faults"] == {"42": ["errors", "precision"]}
        # MLflow, asked right when the rollback step succeeded (before the drill ends), has v41.
        rollback = wait_event(log_dir, "step.succeeded", 180, step="registry-rollback")
        assert get_alias(live.mlflow.url) == "41"
        # Prometheus itself, asked for the moment verification passed, agrees the metrics are back in band.
        verified = wait_event(log_dir, "verify.passed", 180, step="verify-signals")
        at = wall(verified)
        assert (prometheus_value(live.prometheus.url, "sandbox_model_precision", at) or 0) > 0.92
        assert (prometheus_value(live.prometheus.url, ERROR_RATE, at) or 100) < 1.5
        assert prometheus_value(live.prometheus.url, "sandbox_live_model_version", at) == 41
        out, err = drill.communicate(timeout=200)
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.wait()
    assert drill.returncode == 0, out + err
    assert "outcome:           restored" in out

    evs = events(log_dir)
    assert rollback["data"]["result"] == {"target": "registry", "alias": "champion", "from": "42", "to": "41"}
    # Fidelity was measured for real: the live model (v41) scored the probes exactly as v41 does.
    [fidelity] = of_type(evs, "fidelity.measured", step="fidelity")
    assert fidelity["data"]["version"] == "41" and fidelity["data"]["match_rate"] == 1.0
    assert len(fidelity["data"]["reference_outputs"]) == 200

    # The Prometheus panels showed the fault and the recovery.
    precision = [(t, v) for t, v in samples(evs, "precision") if v is not None]
    assert [t for t, v in precision if v < 0.85], "precision never fell below 0.85"
    assert any(v > 0.92 for t, v in precision if t > rollback["t"]), "precision did not recover after the rollback"
    assert of_type(evs, "trigger.fired", trigger="precision-drop")
    history = [e for e in evs if e["type"] == "signal.sample" and e["data"].get("history")]
    assert history and all(t <= 0 for e in history for pts in e["data"]["history"].values() for t, _ in pts)

    # Teardown after the drill: faults cleared, the alias back where the drill found it, each action logged.
    done = [e["data"]["action"] for e in of_type(evs, "teardown.done")]
    assert done == ["sandbox faults cleared", "registry champion → v42"], done
    assert not of_type(evs, "teardown.failed")
    assert get_alias(live.mlflow.url) == "42"
    assert http("GET", live.sandbox.url + "/status")[1]["faults"] == {}
    # The after-action report says the same, action by action, after the end.
    report = build_report(next(log_dir.rglob("*.jsonl")), verify=False).data
    ended_t = of_type(evs, "session.ended")[0]["t"]
    assert [(x["action"], x["result"], x["reason"]) for x in report["teardown"]] == [
        ("sandbox faults cleared", "ok", None),
        ("registry champion → v42", "ok", None),
    ]
    assert all(x["t"] >= ended_t for x in report["teardown"]) and report["teardown_declared"] == 2


def _variant(tmp_path: Path, webhook: str) -> Path:
    """The shipped playbook with webhook URLs on its notify steps and a bearer token on every request."""
    doc = yaml.safe_load(bundled_playbook("live-mlflow").read_text())
    auth = {"Authorization": "Bearer ${env:DRILL_TOKEN}"}
    for step in doc["steps"]:
        action = step.get("action") or {}
        if action.get("type") == "notify":
            action["url"] = webhook
            action["headers"] = dict(auth)
    for signal in doc["signals"]:
        signal["source"]["headers"] = dict(auth)
    doc["targets"]["registry"]["headers"] = dict(auth)
    path = tmp_path / "live-variant.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_prometheus_outage_goes_stale_and_recovers_with_webhook_and_no_token_leak(live: Stack, tmp_path: Path) -> None:
    token = "tok-" + "s3cr3t-bearer-9f8e7d6c5b4a"
    receiver = webhook_receiver()
    log_dir = tmp_path / "logs"
    playbook = _variant(tmp_path, receiver.url + "/hooks/status")
    argv = [
        sys.executable,
        "-m",
        "drillconsole",
        "run",
        str(playbook),
        "--headless",
        "--auto",
        "--speed",
        "1",
        "--log-dir",
        str(log_dir),
    ]
    drill = subprocess.Popen(
        argv, env=live.env(DRILL_TOKEN=token), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(lambda: list(log_dir.rglob("*.jsonl")) and samples(events(log_dir), "precision"), 30, "first samples")
        stopped = time.time()
        live.prometheus.stop()
        wait_for(
            lambda: all(of_type(events(log_dir), "signal.state", signal=s, state="stale") for s in PROMETHEUS_SIGNALS),
            30,
            "stale panels",
        )
        live.restart_prometheus()
        restarted = time.time()
        out, err = drill.communicate(timeout=200)
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.wait()
        receiver.close()
    assert drill.returncode == 0, out + err

    evs = events(log_dir)
    stale_t = max(e["t"] for e in of_type(evs, "signal.state", state="stale"))
    assert of_type(evs, "source.error", signal="precision")
    # After the restart, no value measured before the outage is recorded as current: every sample logged
    # after the restart was measured after the outage began (Prometheus still holds the old samples).
    t0 = wall(evs[0]) - evs[0]["t"]
    outage_t, restart_t = stopped - t0, restarted - t0
    after = [e for e in evs if e["type"] == "signal.sample" and e["t"] > restart_t and e["data"]["values"]]
    assert after
    for e in after:
        for signal, measured in e["data"]["measured"].items():
            assert measured >= outage_t - 0.5, (signal, e["t"], measured, outage_t)
    # The drill went on through the outage and the panels came back with real values.
    assert any(v is not None for t, v in samples(evs, "precision") if t > stale_t)
    assert [
        e for e in of_type(evs, "signal.state", signal="precision") if e["t"] > stale_t and e["data"]["prev"] == "stale"
    ]
    assert of_type(evs, "session.ended", outcome="restored")

    # The webhook got both status updates, with the token, as Slack-compatible payloads.
    texts = [r.body["text"] for r in receiver.received]
    assert len(texts) == 2 and "degraded scoring on v42" in texts[0] and "v41 serving" in texts[1]
    assert all(r.headers.get("Authorization") == f"Bearer {token}" for r in receiver.received)

    # The token is nowhere the team or a reviewer can see it.
    assert token.encode() not in log_bytes(log_dir)
    assert token not in out and token not in err
    help_text = subprocess.run([sys.executable, "-m", "drillconsole", "--help"], capture_output=True, text=True).stdout
    if " report " in help_text or "\n  report" in help_text:
        log = next(log_dir.rglob("*.jsonl"))
        report = subprocess.run(
            [sys.executable, "-m", "drillconsole", "report", str(log)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert token not in report.stdout + report.stderr
        for produced in tmp_path.rglob("*"):
            if produced.is_file() and produced.suffix in (".md", ".html", ".json"):
                assert token.encode() not in produced.read_bytes(), produced
