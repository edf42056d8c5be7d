"""The audit pack of a long drill, beside its yardstick: the same log's report in md, html and json, in the same run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from report_bench import EVENTS, big_log


def _time(fn: Any, repeat: int = 1) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def rows() -> list[tuple[str, str, str]]:
    from drillconsole.audit import write_pack
    from drillconsole.report.build import build_report
    from drillconsole.report.commands import render

    path = big_log()

    def reports() -> None:
        report = build_report(path)
        for fmt in ("md", "html", "json"):
            render(report, fmt)

    wall_report, _ = _time(reports, repeat=2)
    with tempfile.TemporaryDirectory() as tmp:
        packs = iter(range(10))
        wall_pack, _ = _time(lambda: write_pack(path, Path(tmp) / f"pack{next(packs)}"), repeat=2)
        size = sum(p.stat().st_size for p in (Path(tmp) / "pack1").rglob("*") if p.is_file())
    return [
        (f"audit pack, {EVENTS:,}-event log, in process", f"{wall_pack:.2f} s", "≤ 1.5× its reports"),
        ("  yardstick: the report in md, html and json, same log, in process", f"{wall_report:.2f} s", ""),
        ("  pack / reports", f"{wall_pack / wall_report:.2f}×", "≤ 1.5×"),
        ("  pack size (log copy included)", f"{size / 1e6:.0f} MB", ""),
    ]
