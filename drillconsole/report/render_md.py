"""The report as Markdown: tables, and a text sparkline per signal with its markers."""

from __future__ import annotations

from typing import Any

import polars as pl

from drillconsole.report.build import Report
from drillconsole.report.charts import SPARK_WIDTH, buckets, marker_row, sparkline
from drillconsole.report.document import Block, document
from drillconsole.report.load import load_samples

LEGEND = "markers: i injection, s transient spike, t trigger fired, d decision, r rollback"


def cell(text: str) -> str:
    """A table cell: pipes escaped, one line."""
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def chart_lines(samples: pl.DataFrame, block: Block, markers: list[dict[str, Any]], end_t: float) -> list[str]:
    """A sparkline of the signal over the drill, the marker row under it, and its range and bands."""
    sid = block.signal["id"]
    values = buckets(samples, sid, end_t, SPARK_WIDTH)
    mine = samples.filter((pl.col("signal") == sid) & pl.col("value").is_not_null())
    s = mine.filter(pl.col("t") >= 0)["value"]
    lo, hi = (s.min(), s.max()) if s.len() else (None, None)
    last = s[-1] if s.len() else None
    lines = [
        "```text",
        sparkline(values).rstrip() or "(no samples)",
        marker_row(markers, sid, end_t, SPARK_WIDTH),
        "```",
        "",
        f"min {_num(lo)} · max {_num(hi)} · last {_num(last)} · bands: {block.text} · {LEGEND}",  # type: ignore[arg-type]
    ]
    before = mine.filter(pl.col("t") < 0)
    if before.height:
        # Backfilled history is reported apart, as what it is: never the drill's current or starting value.
        span = -float(before["t"].min())  # type: ignore[arg-type]
        b = before["value"]
        lines.append(
            f"before the drill (backfilled, {before.height} points over {span:.0f}s before T+0): "
            f"min {_num(b.min())} · max {_num(b.max())}"  # type: ignore[arg-type]
        )
    return lines


def render_markdown(report: Report) -> str:
    """The whole report as Markdown text (deterministic for one log)."""
    d = report.data
    samples = load_samples(report.loaded.path, [s["id"] for s in d["signals"]]) if d["signals"] else None
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
        elif block.kind == "chart" and samples is not None:
            out += chart_lines(samples, block, d["markers"], end_t) + [""]
    return "\n".join(out).rstrip() + "\n"
