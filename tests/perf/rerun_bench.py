"""Re-run benchmarks: a one-hour, 50-signal drill re-run and compared; a suite of 100 recorded demo drills."""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import time
from pathlib import Path

from drillconsole.clock import VirtualClock
from drillconsole.engine.engine import Engine
from drillconsole.engine.players import AutoPlayer
from drillconsole.log.writer import SessionLog
from drillconsole.playbook.loader import load_playbook
from drillconsole.rerun.check import Options, check_log
from drillconsole.rerun.suite import junit_xml, run_suite
from drillconsole.resources import bundled_playbook

try:
    from replay_bench import one_hour_log
except ModuleNotFoundError:  # imported as `perf.rerun_bench` by the tests
    from perf.replay_bench import one_hour_log

SUITE = 100


def record_demo_drills(folder: Path, count: int = SUITE) -> None:
    """`count` auto demo drills on a virtual clock, one seed each, into `folder`."""
    path = bundled_playbook("demo")
    text = path.read_text()
    digest = hashlib.sha256(text.encode()).hexdigest()
    playbook = load_playbook(path)
    for seed in range(count):
        log = SessionLog.create(folder / f"demo-{seed:03d}.jsonl", digest)
        engine = Engine(
            playbook,
            log,
            VirtualClock(),
            seed=seed,
            players=[AutoPlayer()],
            playbook_hash=digest,
            playbook_path=str(path),
            playbook_text=text,
        )
        asyncio.run(engine.run())
        log.close()


def rows() -> list[tuple[str, str, str]]:
    """The re-run rows, each beside its yardstick (recording the same drills in the same run)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        log = one_hour_log(folder)
        recorded = time.perf_counter() - started
        started = time.perf_counter()
        result = check_log(log, Options())
        took = time.perf_counter() - started
        assert result.passed, result.lines
        out.append(("rerun: one-hour 50-signal drill, re-run and compared", f"{took:.2f} s", "≤ 2 s"))
        out.append(("rerun: yardstick, recording that drill", f"{recorded:.2f} s", "—"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        record_demo_drills(folder)
        recorded = time.perf_counter() - started
        started = time.perf_counter()
        results = run_suite(folder, Options())
        junit_xml(results, folder)
        took = time.perf_counter() - started
        assert all(r.passed for r in results), [r.verdict() for r in results if not r.passed][:3]
        out.append((f"rerun: suite of {SUITE} recorded demo drills (JUnit)", f"{took:.1f} s", "≤ 30 s"))
        out.append((f"rerun: yardstick, recording those {SUITE} drills", f"{recorded:.1f} s", "—"))
    return out
