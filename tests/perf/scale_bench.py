"""Benchmarks at scale (issue 15): simulate, verify, report and peak memory, each beside its yardstick in one run.

Logs are made by the engine on a virtual clock (hash-chained and sealed with a
benchmark key) and cached under the temp dir, so later runs measure only the
commands.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from benchkit import best_of
from engine_bench import fifty_signal_playbook

CACHE = Path(tempfile.gettempdir()) / "drillconsole-bench"
KEYS = CACHE / "keys"
FOUR_HOURS = 4 * 3600
SIGNALS = 200
MILLION_SIGNALS = 4
MILLION_INTERVAL = 0.1
MILLION_SECONDS = 100_000


def _env() -> dict[str, str]:
    return {**os.environ, "DRILLCONSOLE_KEY_DIR": str(KEYS)}


def playbook_text(signals: int, seconds: int, interval: str) -> str:
    """The engine benchmark's playbook (noisy signals, bands, triggers, ramps), stretched to `seconds`."""
    data = yaml.safe_load(fifty_signal_playbook(signals, interval))
    data["drill"]["time_limit"] = f"{seconds}s"
    return yaml.safe_dump(data, sort_keys=False)


def run_drill(text: str, path: Path) -> float:
    """Run a headless virtual-clock drill of this playbook into `path`; wall seconds."""
    from drillconsole.clock import VirtualClock
    from drillconsole.engine.engine import Engine
    from drillconsole.log.seal import Sealer
    from drillconsole.log.writer import SessionLog
    from drillconsole.playbook.loader import load_playbook_text

    playbook = load_playbook_text(text, "bench.yaml")
    digest = hashlib.sha256(text.encode()).hexdigest()
    log = SessionLog.create(path, digest, sealer=Sealer.for_installation(KEYS))
    engine = Engine(playbook, log, VirtualClock(), playbook_hash=digest, playbook_text=text)
    start = time.perf_counter()
    asyncio.run(engine.run())
    log.close()
    return time.perf_counter() - start


def cached_log(name: str, text: str) -> Path:
    """A drill log made once by the engine and kept in the cache."""
    path = CACHE / f"{name}-v2.jsonl"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        part.unlink(missing_ok=True)
        run_drill(text, part)
        part.rename(path)
    return path


def four_hour_log() -> Path:
    return cached_log("four-hour-200", playbook_text(SIGNALS, FOUR_HOURS, "1s"))


def million_log() -> Path:
    return cached_log("million", playbook_text(MILLION_SIGNALS, MILLION_SECONDS, f"{MILLION_INTERVAL}s"))


def _time(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    return best_of(fn, repeat)


_MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def cli(*args: str) -> tuple[float, int, subprocess.CompletedProcess[bytes]]:
    """Wall seconds, peak RSS (MB) and result of one `drillconsole` command, measured for that process alone.

    A small wrapper process starts the command, so the peak RSS is the
    command's own, not that of this (large) benchmark process it was forked from.
    """
    argv = [sys.executable, "-m", "drillconsole", *args]
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _MEASURE, str(rss_file), *argv], capture_output=True, env=_env())
        wall = time.perf_counter() - start
        rss = int(rss_file.read_text()) // 1024
    return wall, rss, done


def yardstick_simulate(samples: int, size: int) -> float:
    """Drawing `samples` seeded normals with numpy and writing `size` bytes: the floor for a simulator."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        draws = np.random.default_rng(3).standard_normal(samples)
        blob = draws.tobytes()
        with open(Path(tmp) / "y.bin", "wb") as f:
            written = 0
            while written < size:
                written += f.write(blob[: size - written])
        return time.perf_counter() - start


def sha256_file(path: Path) -> float:
    """Seconds to sha256 the whole file with hashlib: the floor for verify."""
    start = time.perf_counter()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return time.perf_counter() - start


def rows() -> list[tuple[str, str, str]]:
    from drillconsole.drill.state import DrillState
    from drillconsole.log.reader import scan_log
    from drillconsole.playbook.loader import load_playbook_text
    from drillconsole.signals.simulated import SimulatedBank

    out: list[tuple[str, str, str]] = []
    four, million = four_hour_log(), million_log()
    samples = FOUR_HOURS * SIGNALS
    size = four.stat().st_size
    # Simulation: the whole engine, and the bank alone, beside numpy draw + write of the same volume.
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "d.jsonl"  # made by today's engine: it embeds its playbook, so it replays
        wall_drill = run_drill(playbook_text(SIGNALS, FOUR_HOURS, "1s"), fresh)
        replay = replay_rows(fresh)
    text = playbook_text(SIGNALS, FOUR_HOURS, "1s")
    pb = load_playbook_text(text, "bench.yaml")
    state = DrillState.initial(pb)
    state.injected.update({inj.id: inj.at for inj in pb.scenario})
    bank = SimulatedBank(pb, 3)
    wall_bank, _ = _time(lambda: [bank.values(state, float(t)) for t in range(FOUR_HOURS)], repeat=1)
    wall_floor = yardstick_simulate(samples, size)
    out += [
        (f"simulate: 4 h × {SIGNALS} signals headless drill (engine, virtual clock)", f"{wall_drill:.2f} s", "≤ 3 s"),
        ("  samples/s (engine end to end)", f"{samples / wall_drill:,.0f}", "≥ 1,000,000"),
        ("  samples/s (SimulatedBank alone, all ticks)", f"{samples / wall_bank:,.0f}", "≥ 1,000,000"),
        ("  yardstick: numpy draw + write of the same volume", f"{wall_floor:.2f} s", ""),
        ("  ratio engine / yardstick", f"{wall_drill / wall_floor:.1f}×", ""),
    ]
    # Verify: the byte-level scan beside hashlib over the same file.
    for name, path in (("4 h log", four), ("million-event log", million)):
        mb = path.stat().st_size / 1e6
        floor = min(sha256_file(path) for _ in range(3))
        wall_scan, scan = _time(lambda p=path: scan_log(p))
        wall_cli, rss, done = cli("verify", str(path))
        assert done.returncode == 0 and scan.ok, done.stdout
        out += [
            (
                f"verify {name} ({mb:.0f} MB, {scan.events:,} lines): in process",
                f"{mb / wall_scan:,.0f} MB/s",
                "≥ 200 MB/s",
            ),
            ("  CLI end to end", f"{wall_cli:.2f} s ({mb / wall_cli:,.0f} MB/s)", ""),
            ("  yardstick: hashlib.sha256 over the file", f"{mb / floor:,.0f} MB/s", ""),
            ("  ratio verify / sha256", f"{wall_scan / floor:.1f}×", ""),
        ]
    # Report JSON with verification on the million-event log, end to end.
    wall_json, _, done = cli("report", str(million), "--format", "json")
    data = json.loads(done.stdout)
    assert data["verification"]["ok"], data["verification"]
    out.append(("report --format json, million-event log, verified: CLI", f"{wall_json:.2f} s", "≤ 3 s"))
    # HTML on the four-hour log.
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "r.html"
        wall_html, _, done = cli("report", str(four), "--format", "html", "-o", str(html))
        assert done.returncode == 0, done.stderr
        out.append(
            (
                f"report --format html, 4 h × {SIGNALS}: CLI",
                f"{wall_html:.2f} s, {html.stat().st_size / 1e6:.1f} MB",
                "≤ 3 s, few MB",
            )
        )
    # Peak memory of each command on the four-hour log (and of the headless run that writes it).
    commands = [
        ("verify",),
        ("report", "--format", "json"),
        ("report", "--format", "md"),
        ("report", "--format", "html"),
        ("rerun",),  # re-runs the whole drill on a virtual clock and compares it with the log
    ]
    for args in commands:
        _, rss, done = cli(*args[:1], str(four), *args[1:])
        ok = "" if done.returncode == 0 else f" (exit {done.returncode})"
        out.append((f"peak RSS: {' '.join(args)} on the 4 h log", f"{rss} MB{ok}", "< 500 MB"))
    with tempfile.TemporaryDirectory() as tmp:
        pb, script = Path(tmp) / "four-hour.yaml", Path(tmp) / "nobody.yaml"
        pb.write_text(playbook_text(SIGNALS, FOUR_HOURS, "1s"), encoding="utf-8")
        script.write_text("[]\n", encoding="utf-8")  # nobody acts: the drill runs its four hours
        argv = ("run", str(pb), "--headless", "--virtual-clock", "--script", str(script), "--log-dir", str(Path(tmp)))
        wall, rss, done = cli(*argv)
        row = f"{rss} MB, {wall:.1f} s (exit {done.returncode})"
        out.append(("peak RSS: run --headless --virtual-clock (writes the 4 h log)", row, "< 500 MB"))
        out.insert(
            5,
            (
                "  CLI run --headless --virtual-clock, end to end (process start included)",
                f"{wall:.2f} s, {wall / wall_floor:.1f}× yardstick",
                "≤ 3 s",
            ),
        )
    return out + replay


def replay_rows(path: Path, seeks: int = 200) -> list[tuple[str, str, str]]:
    """Replay of the four-hour log: open (verified), snapshots folded after the first frame, seeks; with yardsticks."""
    import random
    import statistics

    from drillconsole.log.lines import parse
    from drillconsole.replay import ReplaySession

    mb = path.stat().st_size / 1e6
    floor = min(sha256_file(path) for _ in range(3))
    wall_open, session = _time(lambda: ReplaySession.open(path))
    start = time.perf_counter()
    session.build_checkpoints()
    wall_build = time.perf_counter() - start
    rng = random.Random(7)
    ms = []
    for t in [rng.uniform(0, session.duration) for _ in range(seeks)]:
        start = time.perf_counter()
        session.state_at(t)
        ms.append((time.perf_counter() - start) * 1000)
    q = statistics.quantiles(ms, n=100)
    # A seek copies the nearest snapshot and folds at most CHECKPOINT_EVERY events: decoding that many sample
    # lines is its floor.
    with open(path, "rb") as f:
        lines = [line for line in f if b'"type":"signal.sample"' in line[:40]][:250]
    wall_decode, _ = _time(lambda: [parse(line.rstrip(b"\n")) for line in lines])
    shown, bare, end = replay_in_terminal(path)
    rss = replay_peak_rss(path)
    return [
        (
            f"replay open, 4 h × {SIGNALS} log ({mb:.0f} MB, verified; to the first frame)",
            f"{wall_open:.2f} s, {wall_open / floor:.1f}× yardstick",
            "≤ 1 s",
        ),
        ("  yardstick: hashlib.sha256 over the file", f"{floor:.2f} s", ""),
        (
            f"  seek snapshots folded after the first frame ({session.checkpoints})",
            f"{wall_build:.2f} s (in slices; a seek meanwhile folds as far as it needs)",
            "",
        ),
        (
            f"replay seek state_at p50 / p95 / max, {seeks} random, 4 h log",
            f"{q[49]:.0f} / {q[94]:.0f} / {max(ms):.0f} ms, p95 {q[94] / (wall_decode * 1000):.1f}× yardstick",
            "p95 ≤ 100 ms",
        ),
        ("  yardstick: decoding the 250 sample lines a seek may fold", f"{wall_decode * 1000:.0f} ms", ""),
        (
            "replay LOG in a terminal: first frame with the signal panels (process start included)",
            f"{shown:.2f} s, {shown / bare:.1f}× yardstick",
            "",
        ),
        ("  yardstick: a bare Textual app's first frame", f"{bare:.2f} s", ""),
        ("  End pressed at that first frame: the last moment shown after", f"{end:.2f} s", ""),
        ("peak RSS: replay of the 4 h log (open, every snapshot folded, a seek)", f"{rss} MB", "< 500 MB"),
    ]


def replay_peak_rss(path: Path) -> int:
    """Peak RSS (MB) of a process that opens the log for replay, folds every seek snapshot and seeks once."""
    code = (
        "import sys; from drillconsole.replay import ReplaySession; s = ReplaySession.open(sys.argv[1]); "
        "s.build_checkpoints(); s.state_at(s.duration / 2)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        argv = [sys.executable, "-c", _MEASURE, str(rss_file), sys.executable, "-c", code, str(path)]
        done = subprocess.run(argv, capture_output=True, env=_env())
        assert done.returncode == 0, done.stderr
        return int(rss_file.read_text()) // 1024


def replay_in_terminal(path: Path, runs: int = 3) -> tuple[float, float, float]:
    """Medians: `drillconsole replay LOG` to its panels, a bare Textual app's first frame, End key to the last moment."""
    import statistics

    from ui_bench import BARE_APP, BIN, Terminal, frames

    shown, bare, end = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bare.py"
        script.write_text(BARE_APP)
        for _ in range(runs):  # interleaved, so both see the same machine load
            bare += frames([sys.executable, str(script)], [b"BARE-READY"], tmp)
            term = Terminal([str(BIN / "drillconsole"), "replay", str(path)], tmp)
            try:
                shown.append(term.wait_for(b"Signals") - term.started)
                start, sent = term.size, time.perf_counter()
                term.press(b"\x1b[F")  # End: before the seek snapshots are folded, it folds what it needs
                end.append(term.wait_for(b"T+4:00:00", start, timeout=60) - sent)
            finally:
                term.close()
    return statistics.median(shown), statistics.median(bare), statistics.median(end)
