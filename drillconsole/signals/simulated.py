"""Signals computed by the embedded simulated target: one bank samples them all at once with numpy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from drillconsole.playbook.models import Playbook, Signal, SimulatedSource
from drillconsole.sim.noise import gauss_grid, signal_key, tick_ms
from drillconsole.sim.target import SimulatedTarget

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState
    from drillconsole.signals.base import SignalSource

BLOCK = 256
"""Ticks of noise drawn at once for every simulated signal."""

_SHIFT, _RAMP, _SPIKE, _DRIFT = range(4)
_KINDS = {"shift": _SHIFT, "ramp": _RAMP, "spike": _SPIKE, "drift": _DRIFT}


class SimulatedBank:
    """Every simulated signal of a playbook, sampled together: baseline, scenario deviations, seeded noise, clamps.

    Gives exactly what `SimulatedTarget.value` gives signal by signal (same
    operations in the same order, element-wise), at a fraction of the cost.
    """

    def __init__(self, playbook: Playbook, seed: int) -> None:
        sims = [(s, s.source) for s in playbook.signals if isinstance(s.source, SimulatedSource)]
        self.ids = [s.id for s, _ in sims]
        self._index = {sid: i for i, sid in enumerate(self.ids)}
        self._baseline = np.array([src.baseline for _, src in sims], dtype=np.float64)
        self._noise = np.array([src.noise for _, src in sims], dtype=np.float64)
        self._lo = np.array([-np.inf if src.min is None else src.min for _, src in sims], dtype=np.float64)
        self._hi = np.array([np.inf if src.max is None else src.max for _, src in sims], dtype=np.float64)
        self._integer = np.array([src.integer for _, src in sims], dtype=bool)
        self._keys = np.array([signal_key(seed, sid) for sid in self.ids], dtype=np.uint64)
        # The noise grid: the finest poll interval, in whole milliseconds.
        self._step = max(1, min((tick_ms(s.interval) for s, _ in sims), default=1000))
        self._block_start: int | None = None
        self._block = np.empty((0, len(self.ids)))
        self._injections = [inj for inj in playbook.scenario if inj.signal in self._index]
        self._active_key: tuple[int, tuple[object, ...]] | None = None
        self._active: dict[str, np.ndarray] | None = None
        self._selections: dict[tuple[str, ...], tuple[np.ndarray | None, list[str]]] = {}
        self._rows_key: tuple[int, object] | None = None
        self._rows_t = np.empty(0)
        self._rows = np.empty((0, len(self.ids)))
        """The samples of every grid tick of one block (`_rows_t` their times), for the injections in `_rows_key`."""

    def _noise_row(self, t: float) -> np.ndarray:
        """Standard normal draws of every signal at t (from the current block when t is on the grid)."""
        ms = tick_ms(t)
        if ms % self._step:
            return gauss_grid(self._keys, np.array([ms], dtype=np.int64))[0]
        k = ms // self._step
        return self._noise_block(k - k % BLOCK)[k - self._block_start]  # type: ignore[operator]

    def _noise_block(self, start: int) -> np.ndarray:
        """The draws of every signal at the BLOCK grid ticks from tick `start` (a multiple of BLOCK)."""
        if self._block_start != start:
            self._block_start = start
            ticks = (np.arange(BLOCK, dtype=np.int64) + start) * self._step
            self._block = gauss_grid(self._keys, ticks)
        return self._block

    def _arrays(self, state: DrillState) -> dict[str, np.ndarray] | None:
        """The injected deviations as arrays, rebuilt only when injections or their causes change."""
        # `causes` only ever gains entries or replaces them, so its values tell a change at C speed.
        key = (len(state.injected), tuple(state.causes.values()))
        if key == self._active_key:
            return self._active
        live = [inj for inj in self._injections if inj.id in state.injected]
        self._active_key = key
        if not live:
            self._active = None
            return None
        causes = [state.causes.get(inj.id) for inj in live]
        self._active = {
            "signal": np.array([self._index[inj.signal] for inj in live], dtype=np.intp),
            "kind": np.array([_KINDS[inj.kind] for inj in live]),
            "at": np.array([inj.at for inj in live]),
            "delta": np.array([inj.delta for inj in live]),
            "over": np.array([inj.over if inj.over > 0 else 1.0 for inj in live]),
            "duration": np.array([inj.duration for inj in live]),
            "rate": np.array([inj.rate for inj in live]),
            "recede": np.array([inj.recede for inj in live]),
            "caused": np.array([c is not None for c in causes]),
            "t0": np.array([c[0] if c else 0.0 for c in causes]),
            "level": np.array([c[1] if c else 1.0 for c in causes]),
            "holds": np.array([bool(c[2]) if c else True for c in causes]),
        }
        return self._active

    def _deviations(self, a: dict[str, np.ndarray], t: float | np.ndarray) -> np.ndarray:
        """Each live injection's deviation times its activity (`sim.target.shape` × `sim.causes.activity`).

        `t` is one time, or a column of times (shape (n, 1)) for a row of deviations per time.
        """
        dt = t - a["at"]
        kind, delta = a["kind"], a["delta"]
        ramp = delta * np.minimum(1.0, dt / a["over"])
        spike = np.where(dt < a["duration"], delta, 0.0)
        drift = a["rate"] * dt
        cap = np.abs(delta)
        drift = np.where(delta != 0.0, np.maximum(-cap, np.minimum(cap, drift)), drift)
        dev = np.select([kind == _SHIFT, kind == _RAMP, kind == _SPIKE], [delta, ramp, spike], drift)
        dev = np.where(dt < 0, 0.0, dev)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(a["recede"] > 0, (t - a["t0"]) / a["recede"], np.inf)
        act = np.where(a["holds"], np.minimum(1.0, a["level"] + rate), np.maximum(0.0, a["level"] - rate))
        return dev * np.where(a["caused"], act, 1.0)

    def values(self, state: DrillState, t: float) -> np.ndarray:
        """Every simulated signal's sample at t, in `ids` order, rounded to 6 decimals."""
        return self._row(state, t).copy()

    def _row(self, state: DrillState, t: float) -> np.ndarray:
        """`values` without the copy: a grid tick's row is shared with the block it belongs to (read it only)."""
        active = self._arrays(state)
        ms = tick_ms(t)
        if ms % self._step == 0:  # on the grid: a row of a block computed for all its ticks at once
            k = ms // self._step
            start = k - k % BLOCK
            if self._rows_key != (start, self._active_key):
                self._rows_key = (start, self._active_key)
                self._rows_t = (np.arange(BLOCK, dtype=np.int64) + start) * self._step / 1000.0
                base = np.tile(self._baseline, (BLOCK, 1))
                self._rows = self._finish(base, active, self._rows_t[:, None], self._noise_block(start))
            if self._rows_t[k - start] == t:  # a time only near the grid point (float drift) is computed alone
                return self._rows[k - start]
        return self._finish(self._baseline.copy(), active, t, self._noise_row(t))

    def _finish(
        self, v: np.ndarray, active: dict[str, np.ndarray] | None, t: float | np.ndarray, noise: np.ndarray
    ) -> np.ndarray:
        """Baselines `v` (one row, or one row per time of a column `t`) plus deviations and noise, clamped, rounded.

        The same element-wise operations in the same order for one row and for a block, so both give the same bits.
        """
        if active is not None:
            rows = active["signal"] if v.ndim == 1 else (slice(None), active["signal"])
            np.add.at(v, rows, self._deviations(active, t))
        v += self._noise * noise
        v = np.minimum(self._hi, np.maximum(self._lo, v))
        v = np.where(self._integer, np.round(v), v)
        return np.round(v, 6)

    def sample(self, state: DrillState, t: float, ids: Sequence[str]) -> dict[str, float]:
        """The samples of these simulated signals at t."""
        key = tuple(ids)
        chosen = self._selections.get(key)
        if chosen is None:
            every = key == tuple(self.ids)
            index = None if every else np.array([self._index[s] for s in key], dtype=np.intp)
            chosen = self._selections[key] = (index, list(key))
        row = self._row(state, t)
        return dict(zip(chosen[1], (row if chosen[0] is None else row[chosen[0]]).tolist(), strict=True))


class SimulatedSignal:
    """A synchronous source: the simulated target's value for one signal (sampled through its bank)."""

    synchronous = True

    def __init__(self, signal: Signal, target: SimulatedTarget, bank: SimulatedBank | None = None) -> None:
        assert isinstance(signal.source, SimulatedSource)
        self.signal = signal
        self.bank = bank
        self._source = signal.source
        self._target = target

    def sample(self, state: DrillState, t: float) -> float:
        if self.bank is not None:
            return self.bank.sample(state, t, (self.signal.id,))[self.signal.id]
        return float(np.round(self._target.value(state, self.signal.id, self._source, t), 6))

    async def poll(self) -> float:  # pragma: no cover - synchronous sources are sampled inline
        raise NotImplementedError

    async def close(self) -> None:
        return None


def sample_synchronous(
    sources: Mapping[str, SignalSource], ids: Sequence[str], state: DrillState, t: float
) -> dict[str, float]:
    """The samples at t of these synchronous sources, the simulated ones in one vectorised draw (the engine's hook)."""
    banked: list[str] = []
    bank: SimulatedBank | None = None
    out: dict[str, float] = {}
    for sid in ids:
        source = sources[sid]
        own = getattr(source, "bank", None)
        if own is not None and (bank is None or own is bank):
            bank = own
            banked.append(sid)
        else:
            out[sid] = round(source.sample(state, t), 6)
    if bank is not None:
        out.update(bank.sample(state, t, banked))
    return {sid: out[sid] for sid in ids}
