"""Which adapters a drill gets: simulated sources and fidelity only where the playbook asks for simulation.

The composition root (`launch.prepare`) and the engine's defaults call this; a
live drill (every signal remote, every target real) gets no simulator at all.
"""

from __future__ import annotations

from typing import Any

from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import FidelityCheck, Playbook
from drillconsole.signals import SignalSource, build_sources


def needs_simulator(playbook: Playbook) -> bool:
    """Whether any signal or target of the playbook is simulated."""
    return any(s.source.kind == "simulated" for s in playbook.signals) or any(
        t.kind == "simulated" for t in playbook.targets.values()
    )


def simulated_parts(playbook: Playbook, seed: int, context: object) -> tuple[dict[str, SignalSource], Any]:
    """Sources for every signal and a fidelity meter; the simulated target is built only when something needs it."""
    from drillconsole.sim import fidelity
    from drillconsole.sim.target import SimulatedTarget

    target = SimulatedTarget(playbook, seed) if needs_simulator(playbook) else None
    sources = build_sources(playbook, target, context)

    def measure(state: DrillState, check: FidelityCheck) -> dict[str, Any]:
        return fidelity.measure(state, check, seed).as_data()

    return sources, measure
