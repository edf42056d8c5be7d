"""Signal sources: one module per kind (`simulated`, `prometheus`, `http_json`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drillconsole.signals.base import SignalSource, SourceError

if TYPE_CHECKING:
    from drillconsole.playbook.models import Playbook
    from drillconsole.sim.target import SimulatedTarget

__all__ = ["SignalSource", "SourceError", "build_sources"]


class UnsupportedSource(Exception):
    """A playbook names a source kind this build cannot poll."""


def build_sources(playbook: Playbook, target: SimulatedTarget, context: object | None = None) -> dict[str, SignalSource]:
    """One source per signal of the playbook."""
    from drillconsole.signals.simulated import SimulatedSignal

    sources: dict[str, SignalSource] = {}
    for signal in playbook.signals:
        kind = signal.source.kind
        if kind == "simulated":
            sources[signal.id] = SimulatedSignal(signal, target)
        else:
            factory = _REMOTE.get(kind)
            if factory is None:
                raise UnsupportedSource(f"signal '{signal.id}': source kind '{kind}' is not supported yet")
            sources[signal.id] = factory(signal, context)
    return sources


_REMOTE: dict[str, object] = {}
"""Remote source factories by kind, registered by their modules."""
