"""The audit pack of a long drill, beside its yardstick: the same log's report in md, html and json, in the same run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchkit import best_of
from report_bench import EVENTS, big_log


def rows() -> list[tuple[str, str, str]]:
    from drillconsole.audit import write_pack
    from drillconsole.report.build import build_report
    from drillconsole.report.commands import render

    path = big_log()

    def reports() -> None:
        report = build_report(path)
        for fmt in ("md", "html", "json"):
            render(report, fmt)

    wall_report, _ = best_of(reports, repeat=2)
    with tempfile.TemporaryDirectory() as tmp:
        packs = iter(range(10))
        wall_pack, _ = best_of(lambda: write_pack(path, Path(tmp) / f"pack{next(packs)}"), repeat=2)
        size = sum(p.stat().st_size for p in (Path(tmp) / "pack1").rglob("*") if p.is_file())
    return [
        (f"audit pack, {EVENTS:,}-event log, in process", f"{wall_pack:.2f} s", "≤ 1.5× its reports"),
        ("  yardstick: the report in md, html and json, same log, in process", f"{wall_report:.2f} s", ""),
        ("  pack / reports", f"{wall_pack / wall_report:.2f}×", "≤ 1.5×"),
        ("  pack size (log copy included)", f"{size / 1e6:.0f} MB", ""),
    ]
