"""Signals computed by the embedded simulated target."""

from __future__ import annotations

from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Signal, SimulatedSource
from drillconsole.sim.target import SimulatedTarget


class SimulatedSignal:
    """A synchronous source: the simulated target's value for one signal."""

    synchronous = True

    def __init__(self, signal: Signal, target: SimulatedTarget) -> None:
        assert isinstance(signal.source, SimulatedSource)
        self.signal = signal
        self._source = signal.source
        self._target = target

    def sample(self, state: DrillState, t: float) -> float:
        return self._target.value(state, self.signal.id, self._source, t)

    async def poll(self) -> float:  # pragma: no cover - synchronous sources are sampled inline
        raise NotImplementedError

    async def close(self) -> None:
        return None
