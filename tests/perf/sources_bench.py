"""Remote-source benchmark: 50 http_json signals polled at 1 Hz from a local server, real clock.

`python tests/perf/sources_bench.py [--quick]` (or DRILLCONSOLE_BENCH_QUICK=1): 60 s, or 10 s quick.
The server runs in its own process, so the CPU measured is the engine process's alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from drillconsole.clock import RealClock
from drillconsole.engine.engine import Engine
from drillconsole.log.writer import SessionLog
from drillconsole.playbook.loader import load_playbook_text

SIGNALS = 50
DURATION = 60.0
QUICK_DURATION = 10.0


def _serve(port_out: Any) -> None:
    """The metrics endpoint: `/s/NN` answers a small JSON document (HTTP/1.1 keep-alive)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            body = json.dumps({"signal": self.path, "metrics": {"value": 100.0 + (time.time() % 7)}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # 50 pollers connect at the same instant; the default backlog of 5 drops SYNs
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


def playbook_text(url: str, duration: float) -> str:
    data = {
        "drill": {
            "id": "sources-bench",
            "title": "Sources benchmark",
            "model": "m",
            "versions": {"suspect": "2", "known_safe": "1"},
            "time_limit": duration,
        },
        "roles": {"commander": {"title": "IC", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "signals": [
            {
                "id": f"s{i:02d}",
                "title": f"Signal {i}",
                "interval": "1s",
                "source": {"kind": "http_json", "url": f"{url}/s/{i:02d}", "path": "metrics.value", "timeout": "0.5s"},
                "bands": {"warn": {"above": 110, "for": "10s"}},
            }
            for i in range(SIGNALS)
        ],
        "steps": [{"id": "m", "title": "m", "phase": "baseline", "owner": "commander", "kind": "manual"}],
    }
    return yaml.safe_dump(data, sort_keys=False)


def measure(duration: float) -> dict[str, float]:
    """Run the drill for `duration` real seconds; poll rate, latency percentiles, engine CPU."""
    queue: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{queue.get(timeout=20)}"
        text = playbook_text(url, duration)
        playbook = load_playbook_text(text, "sources-bench.yaml")
        digest = hashlib.sha256(text.encode()).hexdigest()
        latencies: list[float] = []
        starts: list[float] = []
        errors = 0
        with tempfile.TemporaryDirectory() as tmp:
            log = SessionLog.create(Path(tmp) / "bench.jsonl", digest)
            engine = Engine(playbook, log, RealClock(1.0), playbook_hash=digest)
            for source in engine.sources.values():
                source.read = _timed(source.read, latencies, starts)  # type: ignore[attr-defined]
            cpu, wall = time.process_time(), time.perf_counter()
            asyncio.run(engine.run())
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            log.close()
            errors = sum(1 for line in (Path(tmp) / "bench.jsonl").open() if '"source.error"' in line)
    finally:
        server.terminate()
        server.join(5)
    q = statistics.quantiles(latencies, n=100)
    # Polls per signal per second between the first and the last round (the drill starts and ends mid-interval).
    rounds = len(latencies) / SIGNALS
    rate = (rounds - 1) / (max(starts) - min(starts)) if rounds > 1 else 0.0
    return {
        "wall": wall,
        "polls": len(latencies),
        "rate": rate,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "cpu": cpu / wall * 100,
        "errors": errors,
    }


def _timed(poll: Any, out: list[float], starts: list[float]) -> Any:
    """Wrap a source's `read` (what the engine calls: the value and when it was measured) to time each poll."""

    async def timed() -> Any:
        start = time.perf_counter()
        starts.append(start)
        try:
            return await poll()
        finally:
            out.append(time.perf_counter() - start)

    return timed


def quick() -> bool:
    return "--quick" in sys.argv or os.environ.get("DRILLCONSOLE_BENCH_QUICK") == "1"


def rows() -> list[tuple[str, str, str]]:
    duration = QUICK_DURATION if quick() else DURATION
    m = measure(duration)
    return [
        (
            f"{SIGNALS} http_json signals @ 1 Hz, {duration:g} s real: poll rate per signal",
            f"{m['rate']:.3f} Hz",
            "≥ 0.98 Hz",
        ),
        ("  polls / source errors", f"{m['polls']:,.0f} / {m['errors']:.0f}", "0 errors"),
        ("  poll latency p50", f"{m['p50']:.1f} ms", ""),
        ("  poll latency p95", f"{m['p95']:.1f} ms", "≤ 250 ms (interval 1 s)"),
        ("  engine process CPU", f"{m['cpu']:.1f} % of one core", "≤ 25 %"),
    ]


if __name__ == "__main__":
    for name, measured, goal in rows():
        print(f"{name:<70} {measured:>20}  {goal}")
