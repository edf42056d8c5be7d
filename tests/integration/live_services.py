"""Real services for the integration suite: MLflow, Prometheus and the sandbox on free loopback ports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillconsole.resources import playbooks_dir

MODEL = "fraud-scorer"
ALIAS = "champion"
SHIPPED_TARGET = "127.0.0.1:8765"
"""The sandbox address in the shipped scrape config; tests write a copy with their port."""


def find_binary(env: str, name: str, *fallbacks: str) -> str | None:
    """The service's executable: $env if set, else `name` on PATH, else the usual install locations."""
    given = os.environ.get(env, "")
    if given:
        return given if os.access(given, os.X_OK) else None  # a wrong $env is not silently replaced
    on_path = shutil.which(name)
    if on_path:
        return on_path
    return next((path for path in fallbacks if os.access(path, os.X_OK)), None)


def mlflow_bin() -> str | None:
    return find_binary("MLFLOW_BIN", "mlflow", "/opt/mlflow-venv/bin/mlflow")


def prometheus_bin() -> str | None:
    return find_binary("PROMETHEUS_BIN", "prometheus", "/usr/bin/prometheus")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: Any = None, timeout: float = 5.0) -> tuple[int, Any]:
    """A small JSON request with the stdlib (the suite checks services independently of httpx)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_for(
    check: Any, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None
) -> Any:
    """Poll `check()` until it returns something truthy; raise with the service log's tail if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} not ready after {timeout:g}s\n{tail}")


@dataclass
class Service:
    """A process we started (in its own session, so its workers stop with it)."""

    name: str
    argv: list[str]
    log: Path
    url: str
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Service:
        handle = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=self.env,
        )
        handle.close()
        return self

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass


def start_mlflow(workdir: Path) -> Service:
    """`mlflow server` on a free port with a SQLite store in `workdir`, waited on until healthy."""
    binary = mlflow_bin()
    assert binary is not None
    port = free_port()
    (workdir / "artifacts").mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        "server",
        "--backend-store-uri",
        f"sqlite:///{workdir}/mlflow.db",
        "--default-artifact-root",
        str(workdir / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    service = Service("mlflow", argv, workdir / "mlflow.log", f"http://127.0.0.1:{port}").start()
    wait_for(lambda: http("GET", service.url + "/health")[0] == 200, 120, "MLflow", service.proc, service.log)
    return service


def register_versions(mlflow_url: str, versions: int = 42, live: str = "42") -> None:
    """Create the registered model with versions 1..`versions` (MLflow numbers them) and point the alias at `live`."""
    api = mlflow_url + "/api/2.0/mlflow"
    status, body = http("POST", api + "/registered-models/create", {"name": MODEL})
    assert status == 200, body
    for i in range(1, versions + 1):
        status, body = http(
            "POST", api + "/model-versions/create", {"name": MODEL, "source": f"s3://drill-models/{MODEL}/{i}"}
        )
        assert status == 200 and body["model_version"]["version"] == str(i), body
    set_alias(mlflow_url, live)


def set_alias(mlflow_url: str, version: str) -> None:
    status, body = http(
        "POST",
        mlflow_url + "/api/2.0/mlflow/registered-models/alias",
        {"name": MODEL, "alias": ALIAS, "version": version},
    )
    assert status == 200, body


def get_alias(mlflow_url: str) -> str | None:
    query = urllib.parse.urlencode({"name": MODEL, "alias": ALIAS})
    status, body = http("GET", f"{mlflow_url}/api/2.0/mlflow/registered-models/alias?{query}")
    return body["model_version"]["version"] if status == 200 else None


def start_sandbox(workdir: Path, mlflow_url: str) -> Service:
    """`drillconsole sandbox` (the real CLI) following the alias in MLflow."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "drillconsole",
        "sandbox",
        "--port",
        str(port),
        "--mlflow",
        mlflow_url,
        "--model",
        MODEL,
        "--alias",
        ALIAS,
    ]
    service = Service("sandbox", argv, workdir / "sandbox.log", f"http://127.0.0.1:{port}").start()
    wait_for(lambda: http("GET", service.url + "/healthz")[1].get("version"), 30, "sandbox", service.proc, service.log)
    return service


def prometheus_config(workdir: Path, sandbox_port: int) -> Path:
    """The shipped scrape config with the sandbox's port in place of the default."""
    text = (playbooks_dir() / "prometheus" / "prometheus.yml").read_text()
    assert SHIPPED_TARGET in text, "the shipped scrape config no longer names the default sandbox target"
    path = workdir / "prometheus.yml"
    path.write_text(text.replace(SHIPPED_TARGET, f"127.0.0.1:{sandbox_port}"))
    return path


def start_prometheus(workdir: Path, sandbox_port: int, port: int | None = None) -> Service:
    """Prometheus on a free port scraping the sandbox, waited on until it holds the sandbox's series."""
    binary = prometheus_bin()
    assert binary is not None
    port = port or free_port()
    (workdir / "tsdb").mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        f"--config.file={prometheus_config(workdir, sandbox_port)}",
        f"--storage.tsdb.path={workdir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    service = Service("prometheus", argv, workdir / "prometheus.log", f"http://127.0.0.1:{port}").start()
    wait_for(lambda: http("GET", service.url + "/-/ready")[0] == 200, 60, "Prometheus", service.proc, service.log)
    return service


def prometheus_value(prometheus_url: str, query: str, at: float | None = None) -> float | None:
    """The single value of an instant query (now, or at Unix time `at`), or None when empty/unreachable."""
    params = {"query": query, **({"time": f"{at:.3f}"} if at is not None else {})}
    try:
        status, body = http("GET", f"{prometheus_url}/api/v1/query?{urllib.parse.urlencode(params)}", timeout=3)
    except OSError:
        return None
    result = body.get("data", {}).get("result", []) if status == 200 and isinstance(body, dict) else []
    if not result:
        return None
    value = float(result[0]["value"][1])
    return value if value == value else None


ERROR_RATE = '100 * sum(rate(sandbox_requests_total{status="500"}[10s])) / sum(rate(sandbox_requests_total[10s]))'


def wait_for_scrapes(prometheus_url: str, timeout: float = 60) -> None:
    """Until the rate queries of the playbook have data (two scrapes inside the window)."""
    wait_for(
        lambda: (
            prometheus_value(prometheus_url, "sandbox_model_precision") is not None
            and prometheus_value(prometheus_url, ERROR_RATE) is not None
        ),
        timeout,
        "Prometheus scrapes of the sandbox",
    )


@dataclass
class Stack:
    """The running services and how to reach them."""

    mlflow: Service
    sandbox: Service
    prometheus: Service
    workdir: Path

    @property
    def sandbox_port(self) -> int:
        return int(self.sandbox.url.rsplit(":", 1)[1])

    @property
    def prometheus_port(self) -> int:
        return int(self.prometheus.url.rsplit(":", 1)[1])

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a drill against these services runs with."""
        return {
            **os.environ,
            "MLFLOW_TRACKING_URI": self.mlflow.url,
            "PROMETHEUS_URL": self.prometheus.url,
            "SANDBOX_URL": self.sandbox.url,
            **extra,
        }

    def restart_prometheus(self) -> None:
        """Start Prometheus again on its port with its old storage (after a test stopped it)."""
        self.prometheus.stop()
        self.prometheus = start_prometheus(self.workdir, self.sandbox_port, port=self.prometheus_port)


def run_drill(
    playbook: Path, log_dir: Path, env: dict[str, str], *args: str, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """`drillconsole run PLAYBOOK --headless ...` as a user would run it."""
    argv = [sys.executable, "-m", "drillconsole", "run", str(playbook), "--headless", "--log-dir", str(log_dir), *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
