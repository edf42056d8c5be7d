"""Seeded Gaussian noise as a pure function of (seed, signal, sample time), vectorised with numpy.

A counter-based generator: each draw hashes its own key with splitmix64, so a
draw never depends on the draws before it. A resumed drill therefore continues
with the same numbers, a block of draws for many ticks and signals costs a few
numpy operations, and one draw (`gauss_at`) gives exactly the same value as
the same key inside a block. Introduced with log schema 2 (schema-1 drills drew
each sample with blake2b; the same seed gives other, equally reproducible, noise).
"""

from __future__ import annotations

import hashlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO_PI = 2.0 * np.pi
_UNIT = 2.0**-53


def signal_key(seed: int, signal_id: str) -> int:
    """The 64-bit key of one signal's noise stream under one seed."""
    return int.from_bytes(hashlib.blake2b(f"{seed}\x00{signal_id}".encode(), digest_size=8).digest(), "little")


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise (uint64 arithmetic wraps, as intended)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def gauss_grid(keys: np.ndarray, ticks_ms: np.ndarray) -> np.ndarray:
    """Standard normal draws for every (tick, signal): shape (len(ticks_ms), len(keys)), Box–Muller."""
    with np.errstate(over="ignore"):
        t = _mix(ticks_ms.astype(np.uint64)[:, None] * _GOLDEN + _GOLDEN)
        x = _mix(t ^ keys.astype(np.uint64)[None, :])
        y = _mix(x + _GOLDEN)
    u1 = ((x >> np.uint64(11)).astype(np.float64) + 0.5) * _UNIT
    u2 = ((y >> np.uint64(11)).astype(np.float64) + 0.5) * _UNIT
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(_TWO_PI * u2)


def tick_ms(t: float) -> int:
    """The noise counter of a sample time: whole milliseconds of drill time."""
    return round(t * 1000.0)


def gauss_at(key: int, t: float) -> float:
    """One draw: the same value `gauss_grid` gives for this key at this time."""
    return float(gauss_grid(np.array([key], dtype=np.uint64), np.array([tick_ms(t)], dtype=np.int64))[0, 0])
