"""The sandbox's stand-in model: a linear scorer per version, labelled probes, and per-version faults.

Every version has its own weights, a small deterministic offset from the true
relation (as retrained versions differ), so its outputs on a probe set are its
fingerprint: restoration fidelity can tell the known-safe version from another
healthy one. A fault switched on for a version changes only that version's
behaviour, so moving the registry alias away from it really makes it stop.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass

FEATURES = 4
WEIGHTS = (1.2, -0.8, 0.6, 0.9)
"""Weights of the true relation and of the (healthy) model."""
LABEL_CUT = 1.2
"""A probe is a true positive case when its latent score is above this."""
MODEL_CUT = 1.45
"""The healthy model's decision threshold (a little conservative: high precision)."""
LABEL_NOISE = 0.35

FAULT_KINDS = ("precision", "errors", "latency", "policy")
DEFAULT_FAULT = ("precision", "errors")
"""What `POST /fault` switches on when it names no kind."""
PRECISION_SKEW = 1.1
"""Under a precision fault a feature is over-weighted: many more false positives (precision ≈ 0.71 vs 0.97)."""
BASE_ERROR_SHARE = 0.002
FAULT_ERROR_SHARE = 0.08
BASE_LATENCY = 0.02
"""Median simulated service time (seconds)."""
FAULT_LATENCY = 0.35
POLICY_SHARE = 0.01
VERSION_SPREAD = 0.08
"""Largest offset of a version's weights from the true relation."""


def version_weights(version: str | None) -> tuple[float, ...]:
    """The weights of one version: the true relation plus an offset seeded by the version's name."""
    if version is None:
        return WEIGHTS
    rng = random.Random(f"fraud-scorer weights {version}")
    return tuple(w + rng.uniform(-VERSION_SPREAD, VERSION_SPREAD) for w in WEIGHTS)


@dataclass(frozen=True)
class Outcome:
    """One scored request: HTTP status, score (None on error), service seconds, policy violation."""

    status: int
    score: float | None
    latency: float
    violation: bool = False

    @property
    def positive(self) -> bool:
        return self.score is not None and self.score >= 0.5


def probe(rng: random.Random) -> tuple[list[float], bool]:
    """A labelled probe: features and whether the case is truly positive."""
    x = [rng.gauss(0.0, 1.0) for _ in range(FEATURES)]
    latent = sum(w * v for w, v in zip(WEIGHTS, x, strict=True)) + rng.gauss(0.0, LABEL_NOISE)
    return x, latent > LABEL_CUT


class Faults:
    """Which kinds of misbehaviour are switched on for which versions (thread-safe)."""

    def __init__(self) -> None:
        self._on: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def set(self, version: str, kinds: tuple[str, ...], on: bool) -> list[str]:
        """Switch kinds on or off for a version; returns the kinds now on for it."""
        with self._lock:
            current = self._on.setdefault(version, set())
            if on:
                current.update(kinds)
            else:
                current.difference_update(kinds)
            return sorted(current)

    def of(self, version: str | None) -> frozenset[str]:
        with self._lock:
            return frozenset(self._on.get(version or "", ()))

    def snapshot(self) -> dict[str, list[str]]:
        with self._lock:
            return {v: sorted(k) for v, k in self._on.items() if k}

    def clear(self) -> None:
        with self._lock:
            self._on.clear()


def score(features: list[float], faults: frozenset[str], rng: random.Random, version: str | None = None) -> Outcome:
    """Score one request as the version with these faults would."""
    if len(features) != FEATURES:
        raise ValueError(f"expected {FEATURES} features, got {len(features)}")
    latency = BASE_LATENCY * math.exp(rng.gauss(0.0, 0.35))
    if "latency" in faults:
        latency += FAULT_LATENCY * math.exp(rng.gauss(0.0, 0.2))
    error_share = FAULT_ERROR_SHARE if "errors" in faults else BASE_ERROR_SHARE
    if rng.random() < error_share:
        return Outcome(500, None, latency)
    violation = "policy" in faults and rng.random() < POLICY_SHARE
    return Outcome(200, output(features, faults, version), latency, violation)


def output(features: list[float], faults: frozenset[str], version: str | None) -> float:
    """The version's score of one case, deterministic: what `/score` answers and `/predict` serves."""
    if len(features) != FEATURES:
        raise ValueError(f"expected {FEATURES} features, got {len(features)}")
    z = sum(w * v for w, v in zip(version_weights(version), features, strict=True)) - MODEL_CUT
    if "precision" in faults:
        z += PRECISION_SKEW * (features[2] > 0.0)
    return 1.0 / (1.0 + math.exp(-4.0 * z))
