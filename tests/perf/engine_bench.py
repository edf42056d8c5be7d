"""Engine benchmarks: a one-hour drill with 50 simulated signals at 1 Hz, and fsynced appends."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from drillconsole.clock import VirtualClock
from drillconsole.engine.engine import Engine
from drillconsole.log.writer import SessionLog
from drillconsole.playbook.loader import load_playbook_text

SIGNALS = 50


def fifty_signal_playbook(signals: int = SIGNALS, interval: str = "1s") -> str:
    """A playbook with many noisy simulated signals, bands, triggers and a staged fault."""
    data = {
        "drill": {
            "id": "bench",
            "title": "Benchmark",
            "model": "m",
            "seed": 3,
            "versions": {"suspect": "2", "known_safe": "1"},
            "time_limit": "1h",
        },
        "roles": {"commander": {"title": "IC", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "targets": {"registry": {"type": "registry", "kind": "simulated"}},
        "signals": [
            {
                "id": f"s{i:02d}",
                "title": f"Signal {i}",
                "interval": interval,
                "source": {"kind": "simulated", "baseline": 100.0, "noise": 2.0},
                "bands": {"warn": {"above": 110, "for": "10s"}, "critical": {"above": 130, "for": "20s"}},
            }
            for i in range(signals)
        ],
        "triggers": [
            {"id": f"t{i:02d}", "kind": "threshold", "signal": f"s{i:02d}", "above": 125, "for": "15s"}
            for i in range(0, signals, 5)
        ],
        "scenario": [
            {
                "id": f"f{i:02d}",
                "at": "10m",
                "signal": f"s{i:02d}",
                "kind": "ramp",
                "delta": 40,
                "over": "5m",
                "cause": {"version": "2"},
            }
            for i in range(0, signals, 3)
        ],
        "steps": [
            {
                "id": "decide",
                "title": "Decide",
                "phase": "decide",
                "owner": "commander",
                "kind": "decision",
                "options": [{"id": "hold", "title": "Hold", "expected": True}],
            }
        ],
    }
    return yaml.safe_dump(data, sort_keys=False)


def one_hour_drill() -> tuple[float, int, int, int]:
    """Wall seconds, samples, events and log bytes of a one-hour virtual-clock drill."""
    text = fifty_signal_playbook()
    playbook = load_playbook_text(text, "bench.yaml")
    digest = hashlib.sha256(text.encode()).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        log = SessionLog.create(path, digest)
        engine = Engine(playbook, log, VirtualClock(), playbook_hash=digest, playbook_text=text)
        start = time.perf_counter()
        asyncio.run(engine.run())
        wall = time.perf_counter() - start
        log.close()
        events = sum(1 for _ in path.open("rb"))
        return wall, int(3600 / 1) * SIGNALS, events, path.stat().st_size


def fsync_appends(n: int = 500) -> tuple[float, float]:
    """p50 and p99 milliseconds of a fsynced (durable) event append."""
    with tempfile.TemporaryDirectory() as tmp:
        log = SessionLog.create(Path(tmp) / "f.jsonl", "0" * 64)
        log.append(0.0, "session.started", "engine", {"playbook_hash": "0" * 64})
        times = []
        for i in range(n):
            start = time.perf_counter()
            log.append(
                float(i), "checklist.checked", "commander", {"role": "commander", "item": f"i{i}", "late": False}
            )
            times.append((time.perf_counter() - start) * 1000)
        log.close()
    q = statistics.quantiles(times, n=100)
    return q[49], q[98]


def rows() -> list[tuple[str, str, str]]:
    wall, samples, events, size = one_hour_drill()
    p50, p99 = fsync_appends()
    return [
        ("one-hour drill, 50 signals @ 1 Hz (virtual clock): wall", f"{wall:.2f} s", "≤ 2 s"),
        ("  samples per second", f"{samples / wall:,.0f}", ""),
        ("  events / log size", f"{events:,} / {size / 1e6:.1f} MB", ""),
        ("fsynced event append p50", f"{p50:.2f} ms", ""),
        ("fsynced event append p99", f"{p99:.2f} ms", "≤ 5 ms"),
    ]
