"""The sandbox's Prometheus metrics, in a registry of their own (nothing global).

prometheus-client is imported when a sandbox is built, so every module of the
package imports without it (the import-hygiene test imports them all).
"""

from __future__ import annotations

from collections.abc import Callable

LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5)


class Metrics:
    """Request count by status, latency, precision on the probe stream, policy violations, live version."""

    def __init__(self) -> None:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, Info

        self.content_type = CONTENT_TYPE_LATEST
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("sandbox_requests", "Scoring requests by HTTP status.", ["status"], registry=r)
        self.latency = Histogram(
            "sandbox_request_latency_seconds", "Scoring latency.", buckets=LATENCY_BUCKETS, registry=r
        )
        self.precision = Gauge(
            "sandbox_model_precision",
            "Precision of the live model on the labelled probe stream (sliding window).",
            registry=r,
        )
        self.violations = Counter("sandbox_policy_violations", "Scores that broke the safety policy.", registry=r)
        self.live_version = Gauge(
            "sandbox_live_model_version", "Model version being served (-1 while unknown).", registry=r
        )
        self.model = Info("sandbox_model", "The model version being served.", registry=r)
        self.registry_up = Gauge("sandbox_registry_up", "1 when the last registry alias read succeeded.", registry=r)
        self.flag = Gauge("sandbox_flag", "Feature flag values (1 on, 0 off).", ["flag", "segment"], registry=r)
        self.faulty_scored = Counter(
            "sandbox_faulty_scored",
            "Requests scored by a version while a fault was on for it.",
            ["version"],
            registry=r,
        )
        self.dependent_version = Gauge(
            "sandbox_dependent_model_version", "Model version a dependent uses (-1 unknown).", ["dependent"], registry=r
        )
        self.dependent_model = Gauge(
            "sandbox_dependent_model", "1 for the version a dependent uses.", ["dependent", "version"], registry=r
        )
        self.before_exposition: Callable[[], None] | None = None
        self._dependent_shown: dict[str, str] = {}
        # Series exist from the start, so rates and ratios are 0 rather than an empty result.
        for status in ("200", "500", "503"):
            self.requests.labels(status=status)
        self.violations.inc(0)
        self.live_version.set(-1)
        self.precision.set(float("nan"))

    def set_version(self, version: str | None) -> None:
        """Publish the version being served."""
        try:
            self.live_version.set(float(version) if version is not None else -1)
        except ValueError:
            self.live_version.set(-1)  # non-numeric versions only appear in the info metric
        self.model.info({"version": version or "unknown"})

    def set_dependents(self, versions: dict[str, str | None]) -> None:
        """Publish the version each dependent uses (one `sandbox_dependent_model` series per dependent)."""
        for name, version in versions.items():
            shown = version or "unknown"
            old = self._dependent_shown.get(name)
            if old is not None and old != shown:
                self.dependent_model.remove(name, old)
            self._dependent_shown[name] = shown
            self.dependent_model.labels(dependent=name, version=shown).set(1)
            try:
                self.dependent_version.labels(dependent=name).set(float(version) if version is not None else -1)
            except ValueError:
                self.dependent_version.labels(dependent=name).set(-1)

    def exposition(self) -> bytes:
        """The text exposition format for GET /metrics."""
        from prometheus_client import generate_latest

        if self.before_exposition is not None:
            self.before_exposition()
        return generate_latest(self.registry)
