"""The report as Markdown: tables, and a text sparkline per signal with its markers."""

from __future__ import annotations

from typing import Any

import numpy as np

from drillconsole.report.build import Report
from drillconsole.report.charts import SPARK_WIDTH, marker_row, sparkline
from drillconsole.report.decimate import Series, load_history, load_series, means
from drillconsole.report.document import Block, document

LEGEND = "markers: i injection, s transient spike, t trigger fired, d decision, r rollback"


def cell(text: str) -> str:
    """A table cell: pipes escaped, one line."""
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def chart_lines(
    series: Series, history: dict[str, np.ndarray], block: Block, markers: list[dict[str, Any]], end_t: float
) -> list[str]:
    """A sparkline of the signal over the drill, the marker row under it, and its range and bands."""
    sid = block.signal["id"]
    v = series.values.get(sid, np.empty(0))
    t = series.t if v.size else np.empty(0)
    live = v[~np.isnan(v) & (t >= 0)]
    lo, hi, last = (float(live.min()), float(live.max()), float(live[-1])) if live.size else (None, None, None)
    lines = [
        "```text",
        sparkline(means(t, v, end_t, SPARK_WIDTH)).rstrip() or "(no samples)",
        marker_row(markers, sid, end_t, SPARK_WIDTH),
        "```",
        "",
        f"min {_num(lo)} · max {_num(hi)} · last {_num(last)} · bands: {block.text} · {LEGEND}",
    ]
    points = history.get(sid, np.empty((0, 2)))
    before = points[(points[:, 0] < 0) & ~np.isnan(points[:, 1])]
    if before.size:
        # Backfilled history is reported apart, as what it is: never the drill's current or starting value.
        span = -float(before[:, 0].min())
        lines.append(
            f"before the drill (backfilled, {len(before)} points over {span:.0f}s before T+0): "
            f"min {_num(float(before[:, 1].min()))} · max {_num(float(before[:, 1].max()))}"
        )
    return lines


def render_markdown(report: Report) -> str:
    """The whole report as Markdown text (deterministic for one log)."""
    d = report.data
    ids = [s["id"] for s in d["signals"]]
    series, history = (
        (load_series(report.loaded.path, ids), load_history(report.loaded.path, ids)) if ids else (None, {})
    )
    end_t = float(d["duration_s"] or 0.0)
    out: list[str] = []
    for block in document(d):
        if block.kind == "heading":
            out += ["#" * block.level + " " + block.text, ""]
        elif block.kind == "para":
            out += [block.text, ""]
        elif block.kind == "note":
            out += [f"> **Warning:** {block.text}", ""]
        elif block.kind == "bullets":
            out += [f"- {item}" for item in block.items] + [""]
        elif block.kind == "table":
            out.append("| " + " | ".join(cell(h) for h in block.headers) + " |")
            out.append("|" + "|".join("---" for _ in block.headers) + "|")
            out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
        elif block.kind == "chart" and series is not None:
            out += chart_lines(series, history, block, d["markers"], end_t) + [""]
    return "\n".join(out).rstrip() + "\n"
