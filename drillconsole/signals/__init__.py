"""Signal sources: one module per kind (`simulated`, `prometheus`, `http_json`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drillconsole.signals.base import Reading, SignalSource, SourceError

if TYPE_CHECKING:
    from drillconsole.playbook.models import Playbook
    from drillconsole.sim.target import SimulatedTarget

__all__ = ["Reading", "SignalSource", "SourceError", "build_sources"]


class UnsupportedSource(Exception):
    """A playbook names a source kind this build cannot poll."""


def build_sources(
    playbook: Playbook, target: SimulatedTarget | None, context: object | None = None
) -> dict[str, SignalSource]:
    """One source per signal of the playbook; remote sources use `context.http` (the engine's client) when they poll."""
    from drillconsole.signals.http_json import HttpJsonSignal
    from drillconsole.signals.prometheus import PrometheusSignal
    from drillconsole.signals.simulated import SimulatedBank, SimulatedSignal

    sources: dict[str, SignalSource] = {}
    # All simulated signals are sampled in one draw per tick; a live drill has no simulator at all.
    bank = SimulatedBank(playbook, target.seed) if target is not None else None
    for signal in playbook.signals:
        kind = signal.source.kind
        if kind == "simulated":
            if target is None or bank is None:
                raise UnsupportedSource(f"signal '{signal.id}': a simulated source needs the simulated target")
            sources[signal.id] = SimulatedSignal(signal, target, bank)
        elif kind == "prometheus":
            sources[signal.id] = PrometheusSignal(signal, context)
        elif kind == "http_json":
            sources[signal.id] = HttpJsonSignal(signal, context)
        else:
            raise UnsupportedSource(f"signal '{signal.id}': source kind '{kind}' is not supported")
    return sources
