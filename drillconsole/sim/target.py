"""The simulated target: signal values shaped by the scenario and the live registry and flags.

A deviation tied to a cause (a model version, a flag for a segment) is present
only while that cause holds (see `causes.py`). Noise is a pure function of
(seed, signal, sample time) (see `noise.py`), so a resumed drill continues with
the same numbers and a different seed changes them. The engine samples through
`signals.simulated.SimulatedBank`, which computes the same values for all
signals at once.
"""

from __future__ import annotations

import hashlib
import struct

from drillconsole.drill.causes import activity
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Injection, Playbook, SimulatedSource
from drillconsole.sim.noise import gauss_at, signal_key


def unit_pair(*key: object) -> tuple[float, float]:
    """Two uniforms in (0, 1) derived from the key alone."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).digest()
    a, b = struct.unpack("<QQ", digest)
    return (a + 0.5) / 2.0**64, (b + 0.5) / 2.0**64


def shape(inj: Injection, t: float) -> float:
    """The injection's raw deviation at drill time t, before its cause is considered."""
    dt = t - inj.at
    if dt < 0:
        return 0.0
    if inj.kind == "shift":
        return inj.delta
    if inj.kind == "ramp":
        return inj.delta * min(1.0, dt / inj.over)
    if inj.kind == "spike":
        return inj.delta if dt < inj.duration else 0.0
    drift = inj.rate * dt
    if inj.delta:
        drift = max(-abs(inj.delta), min(abs(inj.delta), drift))
    return drift


class SimulatedTarget:
    """Computes the samples of simulated signals from seed, scenario and live state."""

    def __init__(self, playbook: Playbook, seed: int) -> None:
        self.seed = seed
        self._keys: dict[str, int] = {}
        self._by_signal: dict[str, list[Injection]] = {}
        for inj in playbook.scenario:
            self._by_signal.setdefault(inj.signal, []).append(inj)

    def value(self, state: DrillState, signal_id: str, source: SimulatedSource, t: float) -> float:
        """The sample of a simulated signal at drill time t."""
        value = source.baseline
        for inj in self._by_signal.get(signal_id, ()):
            if inj.id not in state.injected:
                continue
            dev = shape(inj, t)
            if dev:
                value += dev * activity(state, inj, t)
        if source.noise:
            key = self._keys.get(signal_id)
            if key is None:
                key = self._keys[signal_id] = signal_key(self.seed, signal_id)
            value += source.noise * gauss_at(key, t)
        if source.min is not None:
            value = max(source.min, value)
        if source.max is not None:
            value = min(source.max, value)
        if source.integer:
            value = float(round(value))
        return value
