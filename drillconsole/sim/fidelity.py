"""Restoration fidelity in simulation: the live model's outputs on a fixed probe set vs the known-safe reference.

Each probe has a reference score (the known-safe version's output). A scenario
injection whose cause is a model version and/or a flag for a segment perturbs
a fixed subset of the probes while that cause holds in the live state; serving
adds a tiny jitter, so a faithful restore shows a match rate of 1.0 with a
max deviation around 1e-6, not a suspiciously exact 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from drillconsole.drill.causes import cause_holds
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import FidelityCheck
from drillconsole.sim.target import unit_pair

AFFECTED_SHARE = 0.3
JITTER = 2e-6
FOREIGN_SHARE = 0.4
"""Share of probes on which a version other than the known-safe one (and not declared equivalent) differs."""


@dataclass(frozen=True)
class FidelityResult:
    """Outcome of comparing live outputs with reference outputs."""

    version: str | None
    reference: str
    probes: int
    match_rate: float
    max_deviation: float
    tolerance: float
    passed: bool

    def as_data(self) -> dict[str, object]:
        return {
            "version": self.version,
            "reference": self.reference,
            "probes": self.probes,
            "match_rate": round(self.match_rate, 6),
            "max_deviation": round(self.max_deviation, 9),
            "tolerance": self.tolerance,
            "passed": self.passed,
        }


def measure(state: DrillState, check: FidelityCheck, seed: int) -> FidelityResult:
    """Score every probe with the live model and compare with the known-safe reference."""
    pb = state.playbook
    segments = _segments(state)
    faults = [inj for inj in pb.scenario if inj.cause is not None and cause_holds(state, inj)]
    live_version = state.live_version(check.target)
    versions = pb.drill.versions
    # Another version than the known-safe one scores differently on part of the probe set, unless declared equivalent.
    foreign = (
        live_version is not None and live_version != versions.known_safe and live_version not in versions.equivalent
    )
    matches, worst = 0, 0.0
    for i in range(check.probes):
        segment = segments[i % len(segments)] if segments else None
        u_ref, u_jit = unit_pair(seed, "probe", i)
        reference = u_ref
        live = reference + (u_jit - 0.5) * JITTER
        for inj in faults:
            if inj.cause and inj.cause.segment is not None and inj.cause.segment != segment:
                continue
            hit, size = unit_pair(seed, "fault", inj.id, i)
            if hit < AFFECTED_SHARE:
                live += (0.03 + 0.2 * size) * (1 if inj.delta >= 0 else -1)
        if foreign:
            hit, size = unit_pair(seed, "version", live_version, i)
            if hit < FOREIGN_SHARE:
                live += 0.02 + 0.1 * size
        deviation = abs(live - reference)
        worst = max(worst, deviation)
        matches += deviation <= check.tolerance
    rate = matches / check.probes
    return FidelityResult(
        version=live_version,
        reference=pb.drill.versions.known_safe,
        probes=check.probes,
        match_rate=rate,
        max_deviation=worst,
        tolerance=check.tolerance,
        passed=rate >= check.min_match,
    )


def _segments(state: DrillState) -> list[str]:
    for target in state.playbook.targets.values():
        if target.type == "flags" and target.segments:
            return list(target.segments)
    return []
