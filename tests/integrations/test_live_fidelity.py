"""Live restoration fidelity: probes scored over HTTP by the sandbox, compared with the known-safe version's scores."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_servers import context, playbook

from drillconsole.actions import ActionError
from drillconsole.actions.fidelity import measure_live, probe_set
from drillconsole.playbook.models import FidelityCheck
from drillconsole.sandbox import Sandbox


def drill(tmp_path: Path, sandbox_url: str) -> tuple[int, list[dict[str, Any]]]:
    """A drill whose one step measures fidelity against the sandbox."""
    doc = {
        "drill": {"id": "fid", "title": "fid", "model": "m", "versions": {"suspect": "42", "known_safe": "41"}},
        "roles": {"commander": {"title": "C", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "signals": [{"id": "s", "title": "s", "source": {"kind": "simulated", "baseline": 1.0}}],
        "steps": [
            {
                "id": "fidelity",
                "title": "Outputs match v41",
                "phase": "baseline",
                "owner": "commander",
                "kind": "fidelity",
                "fidelity": {"url": "${env:SANDBOX_URL}/score", "probes": 100, "tolerance": 0.01, "min_match": 0.99},
            }
        ],
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
    script = [
        {"at": "0s", "role": "commander", "do": "run", "step": "fidelity"},
        {"at": "3s", "role": "commander", "do": "end", "outcome": "aborted", "reason": "test over"},
    ]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(script))
    argv = [sys.executable, "-m", "drillconsole", "run", str(tmp_path / "p.yaml"), "--headless", "--quiet"]
    argv += ["--script", str(tmp_path / "s.yaml"), "--log-dir", str(tmp_path / "logs")]
    done = subprocess.run(argv, env={**os.environ, "SANDBOX_URL": sandbox_url}, capture_output=True, text=True)
    logs = list((tmp_path / "logs").rglob("*.jsonl"))
    assert logs, done.stderr
    return done.returncode, [json.loads(line) for line in logs[0].read_text().splitlines()]


@pytest.mark.parametrize(("serving", "passes"), [("41", True), ("40", False)])
def test_fidelity_step_scores_the_live_model_against_the_known_safe_one(
    tmp_path: Path, serving: str, passes: bool
) -> None:
    box = Sandbox(fixed_version=serving).start()
    try:
        code, events = drill(tmp_path, box.url)
        reference = box.score_probes(probe_set(FidelityCheck(probes=100)), "41")[1]
    finally:
        box.stop()
    assert code == 1  # aborted by the script
    [measured] = [e["data"] for e in events if e["type"] == "fidelity.measured"]
    assert measured["version"] == serving and measured["reference"] == "41" and measured["probes"] == 100
    # The log holds the reference outputs themselves, as the known-safe version scored them.
    assert measured["reference_outputs"] == reference
    digest = hashlib.sha256(json.dumps(reference, separators=(",", ":")).encode()).hexdigest()
    assert measured["reference_sha256"] == digest
    if passes:
        assert measured["match_rate"] == 1.0 and measured["passed"] is True
        assert [e for e in events if e["type"] == "step.succeeded" and e["data"]["step"] == "fidelity"]
    else:
        assert 0.3 < measured["match_rate"] < 0.95 and measured["passed"] is False
        [failed] = [e["data"] for e in events if e["type"] == "step.failed"]
        assert failed["error"].startswith("match rate ")


def test_a_faulted_suspect_matches_less_than_a_healthy_one() -> None:
    box = Sandbox(fixed_version="42").start()
    pb = playbook()
    check = FidelityCheck(url=box.url + "/score", probes=200)
    try:
        healthy = asyncio.run(measure_live(check, context(pb)))
        box.faults.set("42", ("precision",), True)
        faulted = asyncio.run(measure_live(check, context(pb)))
    finally:
        box.stop()
    assert healthy["version"] == faulted["version"] == "42"
    assert faulted["match_rate"] < healthy["match_rate"] < 1.0


def test_a_scoring_endpoint_that_is_down_fails_the_measurement_with_one_line() -> None:
    check = FidelityCheck(url="http://127.0.0.1:9/score", probes=10)
    with pytest.raises(ActionError, match=r"^POST scoring http://127.0.0.1:9/score \(v41\): connection refused$"):
        asyncio.run(measure_live(check, context(playbook())))
