"""Replay benchmarks: open a one-hour, 50-signal session log and seek to random moments of it."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import random
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from drillconsole.clock import VirtualClock
from drillconsole.engine.engine import Engine
from drillconsole.log.writer import SessionLog
from drillconsole.playbook.loader import load_playbook
from drillconsole.replay import ReplaySession
from drillconsole.startup import collector_paused, settle_garbage_collector

try:
    from engine_bench import fifty_signal_playbook
except ModuleNotFoundError:  # imported as `perf.replay_bench` by the tests
    from perf.engine_bench import fifty_signal_playbook

SEEKS = 200


def one_hour_log(folder: Path) -> Path:
    """Write `bench.yaml` and a one-hour virtual-clock drill of it (50 signals at 1 Hz) into folder; return the log."""
    text = fifty_signal_playbook()
    playbook_path = Path(folder).resolve() / "bench.yaml"
    playbook_path.write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    log_path = Path(folder) / "bench.jsonl"
    log = SessionLog.create(log_path, digest)
    engine = Engine(
        load_playbook(playbook_path),
        log,
        VirtualClock(),
        playbook_hash=digest,
        playbook_path=str(playbook_path),
        playbook_text=text,
    )
    asyncio.run(engine.run())
    log.close()
    return log_path


def _quantiles(ms: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max of milliseconds."""
    q = statistics.quantiles(ms, n=100)
    return q[49], q[94], max(ms)


def measure(log_path: Path, seeks: int = SEEKS, seed: int = 7) -> dict[str, float]:
    """Open time, memory held, and latencies of random `state_at`, `peek_at` and playback-like peeks."""
    tracemalloc.start()
    probe = ReplaySession.open(log_path)  # traced once for the memory it holds, then timed untraced
    probe.build_checkpoints()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del probe
    with collector_paused():  # as `drillconsole replay` does, until its screen has folded the snapshots
        start = time.perf_counter()
        session = ReplaySession.open(log_path)
        opened = time.perf_counter() - start
        start = time.perf_counter()
        session.build_checkpoints()  # the replay screen does this in slices after its first frame
        built = time.perf_counter() - start
        settle_garbage_collector()  # and then freezes what it built (the screen's `_build_checkpoints`)
    rng = random.Random(seed)
    moments = [rng.uniform(0, session.duration) for _ in range(seeks)]
    seek_ms, peek_ms, play_ms = [], [], []
    for t in moments:
        start = time.perf_counter()
        session.state_at(t)
        seek_ms.append((time.perf_counter() - start) * 1000)
    for t in moments:
        start = time.perf_counter()
        session.peek_at(t)
        peek_ms.append((time.perf_counter() - start) * 1000)
    t = 0.0
    while t < session.duration:  # 60x playback rendered at 10 frames a second
        start = time.perf_counter()
        session.peek_at(t)
        play_ms.append((time.perf_counter() - start) * 1000)
        t += 6.0
    out = {
        "open_s": opened,
        "build_s": built,
        "events": len(session.events),
        "bytes": log_path.stat().st_size,
        "checkpoints": session.checkpoints,
        "held_mb": held / 1e6,
    }
    gc.unfreeze()
    for name, ms in (("seek", seek_ms), ("peek", peek_ms), ("play", play_ms)):
        out[f"{name}_p50"], out[f"{name}_p95"], out[f"{name}_max"] = _quantiles(ms)
    return out


def rows() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        m = measure(one_hour_log(Path(tmp)))
    return [
        ("replay open, one-hour log (50 signals @ 1 Hz)", f"{m['open_s']:.2f} s", ""),
        ("  seek snapshots folded after the first frame", f"{m['build_s']:.2f} s", ""),
        (
            "  events / log size / checkpoints",
            f"{m['events']:,.0f} / {m['bytes'] / 1e6:.1f} MB / {m['checkpoints']:.0f}",
            "",
        ),
        ("  memory held by the open replay", f"{m['held_mb']:.0f} MB", ""),
        (
            f"replay seek state_at (copy) p50 / p95 / max, {SEEKS} random",
            f"{m['seek_p50']:.1f} / {m['seek_p95']:.1f} / {m['seek_max']:.1f} ms",
            "≤ 100 ms",
        ),
        (
            f"replay peek_at (shared) p50 / p95 / max, {SEEKS} random",
            f"{m['peek_p50']:.1f} / {m['peek_p95']:.1f} / {m['peek_max']:.1f} ms",
            "≤ 100 ms",
        ),
        (
            "replay peek_at during 60x playback p50 / p95 / max",
            f"{m['play_p50']:.2f} / {m['play_p95']:.2f} / {m['play_max']:.2f} ms",
            "",
        ),
    ]


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row))
