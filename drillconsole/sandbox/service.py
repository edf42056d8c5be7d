"""The sandbox service: serves the version a registry alias points at, with metrics, flags and faults."""

from __future__ import annotations

import random
import threading
from http.server import ThreadingHTTPServer

from drillconsole.sandbox.dependents import DEFAULT_DEPENDENTS, Dependents
from drillconsole.sandbox.flags import FlagStore
from drillconsole.sandbox.metrics import Metrics
from drillconsole.sandbox.model import Faults, Outcome, output, score
from drillconsole.sandbox.registry import AliasWatcher
from drillconsole.sandbox.traffic import ProbeTraffic

DEFAULT_FLAGS = {"new-scoring-path": True, "shadow-traffic": False}


class Sandbox:
    """A small model-serving service on loopback for live drills (start/stop it in-process or via the CLI)."""

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        mlflow: str | None = None,
        model: str = "fraud-scorer",
        alias: str = "champion",
        fixed_version: str | None = None,
        flags: dict[str, bool] | None = None,
        probe_rate: float | None = None,
        refresh: float | None = None,
        dependents: dict[str, float | None] | None = None,
    ) -> None:
        if mlflow is None and fixed_version is None:
            raise ValueError("a sandbox needs an MLflow tracking URI or a fixed version")
        self.model, self.alias = model, alias
        self.metrics = Metrics()
        self.faults = Faults()
        self.flags = FlagStore(DEFAULT_FLAGS if flags is None else flags)
        self.version: str | None = fixed_version
        self.dependents = Dependents(DEFAULT_DEPENDENTS if dependents is None else dependents)
        self.metrics.before_exposition = self._publish_dependents
        self.registry_up = fixed_version is not None
        self._watcher = (
            AliasWatcher(mlflow, model, alias, self._on_alias, **({"refresh": refresh} if refresh else {}))
            if mlflow
            else None
        )
        self._traffic = ProbeTraffic(
            self.serve, self.metrics.precision.set, **({"rate": probe_rate} if probe_rate else {})
        )
        from drillconsole.sandbox.server import make_handler

        self._server = ThreadingHTTPServer((host, port), make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-http", daemon=True)
        self.metrics.set_version(self.version)
        if self.version is not None:
            self.dependents.served(self.version)
        self.metrics.registry_up.set(1 if self.registry_up else 0)
        for name, values in self.flags.snapshot().items():
            self._publish_flag(name, values)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> Sandbox:
        """Read the alias, then serve HTTP and score probes in background threads."""
        if self._watcher is not None:
            self._watcher.start()
        self._thread.start()
        self._traffic.start()
        return self

    def stop(self) -> None:
        """Stop every thread and close the socket."""
        self._traffic.stop()
        if self._watcher is not None:
            self._watcher.stop()
        self._server.shutdown()
        self._server.server_close()

    def _on_alias(self, version: str | None, up: bool) -> None:
        self.version, self.registry_up = version, up
        if version is not None:
            self.dependents.served(version)
        self.metrics.set_version(version)
        self.metrics.registry_up.set(1 if up else 0)

    def serve(self, features: list[float], rng: random.Random) -> Outcome:
        """Score one request with the live version and record it in the metrics."""
        version = self.version
        if version is None:
            outcome = Outcome(503, None, 0.0)
        else:
            faults = self.faults.of(version)
            outcome = score(features, faults, rng, version)
            if faults and outcome.status == 200:
                # Records scored while this version misbehaves: what reconciliation must re-score.
                self.metrics.faulty_scored.labels(version=version).inc()
        self.metrics.requests.labels(status=str(outcome.status)).inc()
        if outcome.status != 503:
            self.metrics.latency.observe(outcome.latency)
        if outcome.violation:
            self.metrics.violations.inc()
        return outcome

    def score_probes(self, probes: list[list[float]], version: str | None = None) -> tuple[str | None, list[float]]:
        """Deterministic scores of probes by a named version, or by the live one (the version is returned too)."""
        chosen = version if version is not None else self.version
        if chosen is None:
            return None, []
        faults = self.faults.of(chosen)
        return chosen, [round(output(p, faults, chosen), 6) for p in probes]

    def set_flag(self, flag: str, value: bool, segment: str | None) -> bool:
        """Set a flag; False when the flag is unknown."""
        if not self.flags.set(flag, value, segment):
            return False
        self._publish_flag(flag, self.flags.snapshot()[flag])
        return True

    def _publish_flag(self, name: str, values: dict[str, bool]) -> None:
        for segment, value in values.items():
            self.metrics.flag.labels(flag=name, segment=segment).set(1 if value else 0)

    def _publish_dependents(self) -> None:
        self.metrics.set_dependents(self.dependents.snapshot())

    def status(self) -> dict[str, object]:
        """What GET /status shows."""
        return {
            "model": self.model,
            "alias": self.alias,
            "version": self.version,
            "registry_up": self.registry_up,
            "faults": self.faults.snapshot(),
            "flags": self.flags.snapshot(),
            "dependents": self.dependents.snapshot(),
        }
