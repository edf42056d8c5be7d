"""Report benchmarks: `report --format json` on a one-million-event log vs a plain-Python loop, and a 1,000-log trend."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchkit import best_of

EVENTS = 1_000_000
SAMPLE_DT = 0.2
CACHE = Path(tempfile.gettempdir()) / "drillconsole-bench"
FAKE_HASH = "0" * 64
SIGNALS = {
    "error_rate": (0.4, 0.05),
    "latency_p95": (120.0, 6.0),
    "policy_violations": (0.0, 0.0),
    "precision": (0.92, 0.004),
    "throughput": (850.0, 15.0),
}


def demo_log() -> Path:
    """One auto-played demo drill on a virtual clock (cached): a real, hash-chained session log."""
    from drillconsole.engine.players import AutoPlayer
    from drillconsole.launch import prepare
    from drillconsole.resources import bundled_playbook

    path = CACHE / "demo-v2.jsonl"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = prepare(bundled_playbook("demo"), log_dir=Path(tmp), virtual_clock=True, players=[AutoPlayer()])
        try:
            asyncio.run(prepared.engine.run())
        finally:
            prepared.log.close()
        prepared.log_path.replace(path)
    return path


def demo_events() -> list[dict[str, Any]]:
    """The lifecycle events (no samples) of the demo drill."""
    from drillconsole.log.reader import iter_events

    return [e.to_dict() for e in iter_events(demo_log()) if e.type != "signal.sample"]


def big_log(events: int = EVENTS) -> Path:
    """A synthetic session log of `events` lines (cached): the demo's lifecycle stretched over a long drill, samples between.

    Lines are canonical JSON like the engine writes, but hashes are fake: the chain is not valid.
    """
    path = CACHE / f"report-{events}-v2.jsonl"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    life = demo_events()
    n_samples = events - len(life)
    span = n_samples * SAMPLE_DT
    scale = span / max(e["t"] for e in life)
    rng = random.Random(7)
    tmp = path.with_suffix(".part")
    seq, li = 0, 0
    with open(tmp, "w", encoding="utf-8") as out:

        def lifecycle(e: dict[str, Any]) -> None:
            nonlocal seq
            e = {**e, "seq": seq, "t": round(e["t"] * scale, 3), "prev": FAKE_HASH, "hash": FAKE_HASH}
            out.write(json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
            seq += 1

        for i in range(n_samples):
            t = round(i * SAMPLE_DT, 3)
            while li < len(life) and life[li]["t"] * scale <= t:
                lifecycle(life[li])
                li += 1
            values = ",".join(f'"{s}":{round(rng.gauss(b, sd), 6)}' for s, (b, sd) in SIGNALS.items())
            out.write(
                f'{{"actor":"engine","data":{{"values":{{{values}}}}},"hash":"{FAKE_HASH}","prev":"{FAKE_HASH}",'
                f'"seq":{seq},"t":{t},"ts":"2026-11-27T15:54:11.332017Z","type":"signal.sample"}}\n'
            )
            seq += 1
        for e in life[li:]:
            lifecycle(e)
    tmp.rename(path)
    return path


def python_metrics(path: Path, rollback_step: str | None, inject_steps: frozenset[str]) -> dict[str, Any]:
    """The report's headline metrics by a plain json-lines loop: the baseline the polars report must beat."""
    fault = trigger = decision = rollback = restored = None
    attempts = successes = 0
    fired: dict[str, int] = {}
    episodes: list[tuple[int, int | None]] = []
    decisions: list[int] = []
    fidelity = outcome = None
    with open(path, "rb") as f:
        for row, raw in enumerate(f):
            e = json.loads(raw)
            kind, t, d = e["type"], e["t"], e["data"]
            if kind == "signal.sample":
                continue
            if (kind == "scenario.injected" and not d.get("transient")) or (
                kind == "step.succeeded" and d.get("step") in inject_steps
            ):
                fault = t if fault is None else min(fault, t)
            elif kind == "trigger.fired":
                trigger = t if trigger is None else min(trigger, t)
                fired[d["trigger"]] = len(episodes)
                episodes.append((row, None))
            elif kind == "trigger.cleared" and d["trigger"] in fired:
                i = fired.pop(d["trigger"])
                episodes[i] = (episodes[i][0], row)
            elif kind == "decision.made":
                decisions.append(row)
                decision = t if decision is None else decision
            elif kind == "step.started" and d.get("step") == rollback_step:
                attempts += 1
            elif kind == "step.succeeded" and d.get("step") == rollback_step:
                successes += 1
                if rollback is None and decision is not None and t >= decision:
                    rollback = t
            elif kind == "phase.entered" and d.get("phase") == "restore" and restored is None:
                restored = t  # docs/metrics.md: restore is the restore phase
            elif kind == "fidelity.measured":
                fidelity = {"match_rate": d["match_rate"], "max_deviation": d["max_deviation"], "passed": d["passed"]}
            elif kind == "session.ended":
                outcome = d["outcome"]

    def span(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(b - a, 3)

    noise = sum(1 for a, b in episodes if b is not None and not any(a < r < b for r in decisions))
    return {
        "time_to_detect_s": span(fault, trigger),
        "time_to_decision_s": span(trigger, decision),
        "time_to_rollback_s": span(decision, rollback),
        "time_to_restore_s": span(fault, restored),  # MTTR: from impact (docs/metrics.md)
        "rollback_success_rate": round(successes / attempts, 4) if attempts else None,
        "restoration_fidelity": fidelity,
        "false_alarms": noise,
        "outcome": outcome,
    }


def trend_logs(n: int = 1000) -> Path:
    """A folder of `n` demo logs, one drill a day (cached; only the start time differs, so chains are not valid)."""
    folder = CACHE / f"trend-{n}-v2"
    if folder.exists():
        return folder
    first, rest = demo_log().read_text(encoding="utf-8").split("\n", 1)
    head = json.loads(first)
    part = folder.with_suffix(".part")
    part.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        head["ts"] = f"2024-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}T09:00:00.000000Z".replace(
            "2024", str(2024 + i // 336)
        )
        line = json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        (part / f"drill-{i:04d}.jsonl").write_text(line + "\n" + rest, encoding="utf-8")
    part.rename(folder)
    return folder


def rows() -> list[tuple[str, str, str]]:
    from drillconsole.report.build import build_report
    from drillconsole.report.commands import render

    path = big_log()
    # The synthetic log's hashes are fake (`big_log`), so the report is asked for on a broken chain; the verified
    # path on a real million-event log is scale_bench's row.
    cli = [sys.executable, "-m", "drillconsole", "report", str(path), "--allow-broken", "--format", "json", "-o"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        wall_cli, done = best_of(
            lambda: subprocess.run([*cli, str(out)], capture_output=True, text=True, check=False), repeat=3
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(out.read_text())
    wall_in, _ = best_of(lambda: render(build_report(path), "json"), repeat=3)
    info = build_report(path).info
    wall_py, baseline = best_of(lambda: python_metrics(path, info.rollback_step, frozenset(info.inject_steps)))
    agree = all(report[k] == v for k, v in baseline.items())
    from drillconsole.report.trend import build_trend

    logs = trend_logs()
    wall_trend, trend = best_of(lambda: build_trend([logs]), repeat=3)
    return [
        (f"report --format json, {EVENTS:,}-event log: CLI end to end", f"{wall_cli:.2f} s", "< 3 s"),
        ("  same, in process (load + metrics + JSON)", f"{wall_in:.2f} s", ""),
        ("  plain-Python json-lines loop, same metrics", f"{wall_py:.2f} s", ""),
        ("  speed-up vs the loop (in process / CLI)", f"{wall_py / wall_in:.1f}× / {wall_py / wall_cli:.1f}×", "≥ 5×"),
        ("  metrics agree with the loop", "yes" if agree else "NO", "yes"),
        ("  log events / size", f"{EVENTS:,} / {path.stat().st_size / 1e6:.0f} MB", ""),
        (f"trend over {trend.drills.height:,} demo logs, in process", f"{wall_trend:.2f} s", "< 3 s"),
    ]
