"""The simulated bank: all simulated signals in one numpy draw, equal to the per-signal target, seeded and stable."""

from __future__ import annotations

import numpy as np
import pytest
from drillkit import PLAYBOOKS, Drill

from drillconsole.playbook.models import SimulatedSource
from drillconsole.signals.simulated import SimulatedBank, SimulatedSignal
from drillconsole.sim.noise import gauss_at, gauss_grid, signal_key

FLAG_PHRASE = "FLAG OFF merchant_graph EU"


def per_signal(d: Drill, t: float) -> dict[str, float]:
    """What the target gives signal by signal (the reference the bank must match exactly)."""
    out = {}
    for s in d.playbook.signals:
        if isinstance(s.source, SimulatedSource):
            target = next(src._target for src in d.engine.sources.values() if isinstance(src, SimulatedSignal))
            out[s.id] = float(np.round(target.value(d.state, s.id, s.source, t), 6))
    return out


async def test_the_bank_equals_the_target_signal_by_signal(tmp_path) -> None:
    d = Drill(tmp_path, PLAYBOOKS / "partial-rollback.yaml")
    bank = next(s.bank for s in d.engine.sources.values() if isinstance(s, SimulatedSignal))
    assert isinstance(bank, SimulatedBank) and bank.ids
    checked = 0
    await d.until(75)  # injections in full effect
    d.engine.decide("commander", "partial_rollback", "EU only")
    d.engine.run_step("tech_lead", "flag-off-eu")
    d.engine.approve("commander", "flag-off-eu", FLAG_PHRASE)
    for until in (80, 90, 130):  # the caused injection receding, then gone
        await d.until(until)
        for t in [*np.arange(until - 5, until + 5, 0.5).tolist(), until + 0.0371, until + 1234.5]:  # off the grid too
            assert bank.sample(d.state, t, bank.ids) == per_signal(d, t), t
            checked += 1
    assert checked > 60
    logged = [e for e in d.events("signal.sample") if e.data["values"]]
    assert logged and all(isinstance(v, float) for e in logged for v in e.data["values"].values())


def test_one_draw_equals_the_same_key_in_a_block() -> None:
    keys = np.array([signal_key(7, f"s{i}") for i in range(5)], dtype=np.uint64)
    ticks = np.arange(0, 100_000, 250, dtype=np.int64)
    grid = gauss_grid(keys, ticks)
    assert grid.shape == (400, 5) and abs(grid.mean()) < 0.15 and 0.85 < grid.std() < 1.15
    assert [gauss_at(int(keys[3]), t / 1000) for t in ticks[:20]] == grid[:20, 3].tolist()
    assert signal_key(7, "s0") != signal_key(8, "s0") != signal_key(7, "s1")


@pytest.mark.parametrize("seed", [1, 2])
async def test_same_seed_same_samples_other_seed_other_samples(tmp_path, seed: int) -> None:
    runs = []
    for i, s in enumerate((seed, seed, seed + 10)):
        d = Drill(tmp_path, PLAYBOOKS / "demo.yaml", seed=s, name=f"{i}.jsonl")
        await d.until(60)
        runs.append([e.data["values"] for e in d.events("signal.sample")])
    assert runs[0] == runs[1] and runs[0] != runs[2] and len(runs[0]) >= 60
