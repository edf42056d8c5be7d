"""Which adapters a drill gets: simulated sources and fidelity only where the playbook asks for simulation.

The composition root (`launch.prepare`) and the engine's defaults call this; a
live drill (every signal remote, every target real) gets no simulator at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import FidelityCheck, Playbook
from drillconsole.signals import SignalSource, build_sources


def needs_simulator(playbook: Playbook) -> bool:
    """Whether any signal or target of the playbook is simulated."""
    return any(s.source.kind == "simulated" for s in playbook.signals) or any(
        t.kind == "simulated" for t in playbook.targets.values()
    )


class BuiltOnFirstUse(Mapping[str, SignalSource]):
    """A drill's signal sources, built when first asked for: when the drill starts, not when it is prepared.

    Building the simulated ones imports numpy; a console draws its main screen
    between preparing a drill and starting it, and need not wait for that.
    """

    def __init__(self, build: Callable[[], dict[str, SignalSource]]) -> None:
        self._build: Callable[[], dict[str, SignalSource]] | None = build
        self._sources: dict[str, SignalSource] = {}

    def _built(self) -> dict[str, SignalSource]:
        if self._build is not None:
            self._sources, self._build = self._build(), None
        return self._sources

    def __getitem__(self, key: str) -> SignalSource:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


def simulated_parts(playbook: Playbook, seed: int, context: object) -> tuple[Mapping[str, SignalSource], Any]:
    """Sources for every signal and a fidelity meter; the simulated target is built only when something needs it.

    Both are built at their first use (`BuiltOnFirstUse`): the sources when the drill starts sampling.
    """

    def sources() -> dict[str, SignalSource]:
        from drillconsole.sim.target import SimulatedTarget

        target = SimulatedTarget(playbook, seed) if needs_simulator(playbook) else None
        return build_sources(playbook, target, context)

    def measure(state: DrillState, check: FidelityCheck) -> dict[str, Any]:
        from drillconsole.sim import fidelity

        return fidelity.measure(state, check, seed).as_data()

    return BuiltOnFirstUse(sources), measure
