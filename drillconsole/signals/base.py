"""What the engine needs from a signal source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState
    from drillconsole.playbook.models import Signal


class SourceError(Exception):
    """A poll failed: timeout, connection refused, bad response, unusable value."""


@dataclass(frozen=True)
class Reading:
    """One value of a remote source and when it was measured (Unix seconds), which may be long before it was read."""

    value: float
    measured: float


class SignalSource(Protocol):
    """A source of samples for one signal.

    Synchronous sources (the simulator) are sampled inline and batched into one
    `signal.sample` event per instant; the others are polled in tasks that never
    overlap for one signal.
    """

    signal: Signal
    synchronous: bool

    def sample(self, state: DrillState, t: float) -> float:
        """The value at drill time t (synchronous sources only)."""
        ...

    async def poll(self) -> float:
        """Fetch the current value; raise SourceError on failure."""
        ...

    async def close(self) -> None: ...
