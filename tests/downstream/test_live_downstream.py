"""A live drill against real MLflow, the sandbox and a real Prometheus: dependents read from a Prometheus series
and from the sandbox's JSON, the records v42 scored while faulty counted from the sandbox's counter."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from drillconsole.resources import bundled_playbook
from drillconsole.sandbox.service import Sandbox
from tests.integration.live_services import (
    Service,
    http,
    mlflow_bin,
    prometheus_bin,
    prometheus_value,
    register_versions,
    run_drill,
    start_mlflow,
    start_prometheus,
    wait_for,
    wait_for_scrapes,
)

pytestmark = pytest.mark.integration

FAULTY = 'sum(sandbox_faulty_scored_total{version="42"})'


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Sandbox, Service]]:
    """MLflow (champion → 42), a sandbox whose billing lags 1 s and audit store 3 s, Prometheus scraping it."""
    if mlflow_bin() is None or prometheus_bin() is None:
        if os.environ.get("DRILLCONSOLE_REQUIRE_INTEGRATION") == "1":
            pytest.fail("MLflow and Prometheus are required (DRILLCONSOLE_REQUIRE_INTEGRATION=1)", pytrace=False)
        pytest.skip("MLflow or Prometheus is not installed")
    workdir = tmp_path_factory.mktemp("live-downstream")
    mlflow = start_mlflow(workdir)
    sandbox: Sandbox | None = None
    prometheus: Service | None = None
    try:
        register_versions(mlflow.url)
        sandbox = Sandbox(mlflow=mlflow.url, dependents={"billing": 1.0, "audit_store": 3.0}).start()
        wait_for(lambda: http("GET", sandbox.url + "/healthz")[1].get("version") == "42", 30, "sandbox on v42")
        prometheus = start_prometheus(workdir, sandbox.port)
        wait_for_scrapes(prometheus.url)
        yield mlflow.url, sandbox, prometheus
    finally:
        if prometheus is not None:
            prometheus.stop()
        if sandbox is not None:
            sandbox.stop()
        mlflow.stop()


def _playbook(tmp_path: Path) -> Path:
    """The shipped live playbook with two dependents, a consistency step and a reconcile step after verification."""
    doc = yaml.safe_load(bundled_playbook("live-mlflow").read_text())
    doc["dependents"] = {
        "billing": {
            "title": "Billing service",
            "system": "billing",
            "owner": "data_steward",
            "records": True,
            "source": {
                "kind": "prometheus",
                "url": "${env:PROMETHEUS_URL}",
                "query": 'sandbox_dependent_model{dependent="billing"}',
                "label": "version",
            },
        },
        "audit_store": {
            "title": "Audit store",
            "system": "audit",
            "owner": "data_steward",
            "records": True,
            "source": {"kind": "http_json", "url": "${env:SANDBOX_URL}/dependents", "path": "dependents.audit_store"},
        },
    }
    at = next(i for i, s in enumerate(doc["steps"]) if s["id"] == "verify-signals") + 1
    doc["steps"][at:at] = [
        {
            "id": "downstream-consistency",
            "title": "Billing and audit store on v41",
            "phase": "verify",
            "owner": "data_steward",
            "kind": "consistency",
            "consistency": {"dependents": ["billing", "audit_store"], "within": "40s", "interval": "2s"},
        },
        {
            "id": "reconcile",
            "title": "Re-score what v42 scored",
            "phase": "verify",
            "owner": "data_steward",
            "kind": "reconcile",
            "reconcile": {
                "systems": ["billing", "audit_store"],
                "counter": {"kind": "prometheus", "url": "${env:PROMETHEUS_URL}", "query": FAULTY},
            },
        },
    ]
    path = tmp_path / "live-downstream.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_live_dependents_follow_the_rollback_and_what_v42_scored_is_reconciled(
    services: tuple[str, Sandbox, Service], tmp_path: Path
) -> None:
    mlflow_url, sandbox, prometheus = services
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": mlflow_url,
        "PROMETHEUS_URL": prometheus.url,
        "SANDBOX_URL": sandbox.url,
    }
    result = run_drill(_playbook(tmp_path), tmp_path / "logs", env, "--auto", "--speed", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    [log] = list((tmp_path / "logs").rglob("*.jsonl"))
    events = [json.loads(line) for line in log.read_text().splitlines()]

    [check] = [e["data"] for e in events if e["type"] == "consistency.checked"]
    assert check["passed"] and check["live_version"] == "41"
    assert {d: x["version"] for d, x in check["dependents"].items()} == {"billing": "41", "audit_store": "41"}

    # The count is the sandbox's own counter, as Prometheus holds it: v42 no longer serves, so it stays put.
    [account] = [e["data"] for e in events if e["type"] == "reconcile.recorded"]
    counted = prometheus_value(prometheus.url, FAULTY)
    assert counted is not None and account["scored"] == round(counted) > 0
    assert account["source"] == FAULTY
    assert {s: (x["handled"], x["residual"]) for s, x in account["systems"].items()} == {
        "billing": (account["scored"], 0),
        "audit_store": (account["scored"], 0),
    }
    assert not [e for e in events if e["type"] == "discrepancy.residual"]

    # The sandbox's JSON says the same as the series the drill read.
    assert http("GET", sandbox.url + "/dependents")[1] == {"dependents": {"billing": "41", "audit_store": "41"}}
