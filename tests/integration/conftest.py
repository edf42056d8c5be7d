"""Fixtures of the real-services suite: MLflow, Prometheus and the sandbox, started once, stopped always.

MLflow and Prometheus are found through MLFLOW_BIN / PROMETHEUS_BIN, else on PATH,
else at the places .ci/services.sh installs them. The suite skips when one is
missing, except when DRILLCONSOLE_REQUIRE_INTEGRATION=1 (CI sets it): then it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from live_services import (
    ERROR_RATE,
    Service,
    Stack,
    http,
    mlflow_bin,
    prometheus_bin,
    prometheus_value,
    register_versions,
    set_alias,
    start_mlflow,
    start_prometheus,
    start_sandbox,
    wait_for,
    wait_for_scrapes,
)

REQUIRED = os.environ.get("DRILLCONSOLE_REQUIRE_INTEGRATION") == "1"


def missing(what: str) -> None:
    """Skip, or fail when the integration suite is required."""
    if REQUIRED:
        pytest.fail(f"{what} (DRILLCONSOLE_REQUIRE_INTEGRATION=1: the integration suite must run)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """MLflow with fraud-scorer v1..v42 (champion → 42), the sandbox following it, Prometheus scraping it."""
    if mlflow_bin() is None:
        missing("MLflow not found: put `mlflow` on PATH or set MLFLOW_BIN (.ci/services.sh installs it)")
    if prometheus_bin() is None:
        missing("Prometheus not found: put `prometheus` on PATH or set PROMETHEUS_BIN (.ci/services.sh installs it)")
    workdir = tmp_path_factory.mktemp("services")
    started: list[Service] = []
    stack_: Stack | None = None
    try:
        mlflow = start_mlflow(workdir)
        started.append(mlflow)
        register_versions(mlflow.url)
        sandbox = start_sandbox(workdir, mlflow.url)
        started.append(sandbox)
        prometheus = start_prometheus(workdir, int(sandbox.url.rsplit(":", 1)[1]))
        started.append(prometheus)
        stack_ = Stack(mlflow, sandbox, prometheus, workdir)
        wait_for_scrapes(prometheus.url)
        yield stack_
    finally:
        if stack_ is not None:
            stack_.prometheus.stop()
        for service in reversed(started):
            service.stop()


@pytest.fixture
def live(stack: Stack) -> Stack:
    """The stack back at its baseline: champion → 42, no fault, Prometheus up and showing healthy metrics."""
    set_alias(stack.mlflow.url, "42")
    http("DELETE", stack.sandbox.url + "/fault")
    if stack.prometheus.proc is None or stack.prometheus.proc.poll() is not None:
        stack.restart_prometheus()
    wait_for(lambda: http("GET", stack.sandbox.url + "/healthz")[1].get("version") == "42", 20, "sandbox serving v42")

    def healthy() -> bool:
        precision = prometheus_value(stack.prometheus.url, "sandbox_model_precision")
        errors = prometheus_value(stack.prometheus.url, ERROR_RATE)
        version = prometheus_value(stack.prometheus.url, "sandbox_live_model_version")
        return precision is not None and precision > 0.93 and errors is not None and errors < 1.0 and version == 42

    wait_for(healthy, 60, "healthy baseline metrics in Prometheus")
    return stack
