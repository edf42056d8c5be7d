"""The trend as Markdown (with text charts), JSON or CSV."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from drillconsole.report.charts import sparkline
from drillconsole.report.document import pct, secs
from drillconsole.report.render_md import cell
from drillconsole.report.trend import METRICS, Trend

SCHEMA_VERSION = 1
LABELS = {
    "time_to_detect_s": "Time to detect",
    "time_to_decision_s": "Time to decision",
    "time_to_rollback_s": "Time to rollback",
    "time_to_restore_s": "Time to restore",
    "rollback_success_rate": "Rollback success rate",
    "fidelity_match_rate": "Fidelity match rate",
    "false_alarms": "False alarms",
}


def _show(metric: str, value: Any) -> str:
    """A metric value for people: seconds, a percentage, or a count."""
    if value is None:
        return "—"
    if metric.endswith("_s"):
        return secs(value)
    return pct(value) if metric.endswith("rate") else f"{value:g}"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:g} d"


def render_trend(trend: Trend, fmt: str) -> str:
    """The trend in the format asked for (`md`, `json` or `csv`)."""
    if fmt == "csv":
        return trend.drills.write_csv()
    if fmt == "json":
        data = {"schema_version": SCHEMA_VERSION, "drills": trend.drills.to_dicts(), "trend": trend.verdicts}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return _markdown(trend)


def _markdown(trend: Trend) -> str:
    d = trend.drills
    n = d.height
    out = [f"# Drill trend: {n} drill{'' if n == 1 else 's'}", ""]
    first, last = d["date"][0], d["date"][-1]
    out += [f"From {first} to {last}; latest drill compared with the median of the earlier ones.", ""]
    out += [
        "## Verdicts",
        "",
        "| Metric | Better | Latest | Median earlier | Verdict | Over the drills |",
        "|---|---|---|---|---|---|",
    ]
    for metric, v in trend.verdicts.items():
        values = d[metric].cast(pl.Float64).to_list()
        chart = sparkline(values[-40:]).replace(" ", "·")
        out.append(
            f"| {LABELS[metric]} | {v['better']} | {_show(metric, v['latest'])} | {_show(metric, v['median_earlier'])} | {v['verdict']} | `{chart}` |"
        )
    out += ["", "## Drills", ""]
    heads = ["Date", "Drill", "Log", "Outcome", "Since previous", *(LABELS[m] for m in METRICS)]
    out += ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for row in d.iter_rows(named=True):
        cells = [
            row["date"] or "—",
            row["drill"] or "—",
            row["log"],
            row["outcome"] or "unfinished",
            _days(row["interval_days"])
            + (f" ⚠ broke the {row['cadence_days']:g} d cadence" if row["cadence_broken"] else ""),
        ]
        cells += [_show(m, row[m]) for m in METRICS]
        out.append("| " + " | ".join(cell(str(c)) for c in cells) + " |")
    broken = d["cadence_broken"].fill_null(False).sum()
    if broken:
        out += ["", f"⚠ {broken} interval{'' if broken == 1 else 's'} broke the playbook's cadence."]
    out += [
        "",
        "Charts run oldest to newest (last 40 drills); higher bars are larger values, `·` marks a drill without that metric.",
        "",
    ]
    return "\n".join(out)
