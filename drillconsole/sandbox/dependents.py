"""Downstream systems of the sandbox: each picks up the served version after its own lag (or never).

Live drills read them like real dependents: `GET /dependents` (JSON, for an
`http_json` source) and the `sandbox_dependent_model_version{dependent}` /
`sandbox_dependent_model{dependent,version}` series (for a `prometheus` source).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_DEPENDENTS: dict[str, float | None] = {"billing": 2.0, "audit_store": 5.0}
"""Dependent → seconds it lags the served version (None: it never updates)."""


class Dependents:
    """The version each dependent reports, from the history of the served version (thread-safe)."""

    def __init__(self, lags: dict[str, float | None], clock: Callable[[], float] = time.monotonic) -> None:
        self.lags = dict(lags)
        self._clock = clock
        self._history: list[tuple[float, str | None]] = []
        self._lock = threading.Lock()

    def served(self, version: str | None) -> None:
        """The sandbox now serves `version` (the first call sets what every dependent starts on)."""
        with self._lock:
            if not self._history or self._history[-1][1] != version:
                self._history.append((self._clock(), version))

    def version_of(self, name: str) -> str | None:
        """What one dependent reports now."""
        with self._lock:
            if not self._history:
                return None
            lag = self.lags[name]
            if lag is None:
                return self._history[0][1]
            now, current = self._clock(), self._history[0][1]
            for when, version in self._history:
                if when + lag <= now:
                    current = version
            return current

    def snapshot(self) -> dict[str, str | None]:
        """Every dependent's version now."""
        return {name: self.version_of(name) for name in self.lags}
