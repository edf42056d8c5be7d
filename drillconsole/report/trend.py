"""Drills compared across the cadence: one row per session log, and whether each key metric is improving."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from drillconsole.drill import metrics
from drillconsole.report.folded import fold_lifecycle, read_lines
from drillconsole.report.load import NotASessionLog, last_t, load_events, read_header
from drillconsole.report.metrics import headline, plan_frame
from drillconsole.report.playbook import playbook_info

METRICS: dict[str, str] = {
    "time_to_detect_s": "lower",
    "time_to_decision_s": "lower",
    "time_to_rollback_s": "lower",
    "time_to_restore_s": "lower",
    "rollback_success_rate": "higher",
    "fidelity_match_rate": "higher",
    "false_alarms": "lower",
}
"""The key metrics a trend follows, and which direction is better."""

TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"


@dataclass(frozen=True)
class Trend:
    """The drills in time order, the verdict per metric, and the files that were skipped."""

    drills: pl.DataFrame
    verdicts: dict[str, dict[str, Any]]
    skipped: list[str]


def find_logs(args: list[Path]) -> tuple[dict[Path, dict[str, Any]], list[str]]:
    """Session logs among the arguments (directories searched for `*.jsonl`) with their headers, and a warning per file skipped."""
    candidates: list[Path] = []
    skipped: list[str] = []
    for arg in args:
        if arg.is_dir():
            candidates += sorted(p for p in arg.rglob("*.jsonl") if p.is_file())
        elif arg.exists():
            candidates.append(arg)
        else:
            skipped.append(f"skipping {arg}: no such file or directory")
    logs: dict[Path, dict[str, Any]] = {}
    for path in dict.fromkeys(candidates):
        try:
            logs[path] = read_header(path)
        except NotASessionLog:
            skipped.append(f"skipping {path}: not a session log")
            continue
        except OSError as exc:
            skipped.append(f"skipping {path}: cannot read ({exc.strerror or exc})")
            continue
    return logs, skipped


def _header_frame(logs: dict[Path, dict[str, Any]]) -> pl.DataFrame:
    """Per log: start time, drill id, playbook and seed."""
    rows = []
    for path, head in logs.items():
        d = head["data"]
        rows.append(
            {
                "log": str(path),
                "started_at": head.get("ts") if isinstance(head.get("ts"), str) else None,
                "drill": d.get("drill") if isinstance(d.get("drill"), str) else None,
                "playbook": d.get("playbook") if isinstance(d.get("playbook"), str) else None,
                "seed": d.get("seed")
                if isinstance(d.get("seed"), int) and not isinstance(d.get("seed"), bool)
                else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "log": pl.String,
            "started_at": pl.String,
            "drill": pl.String,
            "playbook": pl.String,
            "seed": pl.Int64,
        },
    )


def _metric_rows(logs: list[Path], infos: dict[str, Any]) -> pl.DataFrame:
    """Per log, the drill model's metrics (docs/metrics.md) and its duration; logs whose playbook is gone fall back to the lines."""
    rows: list[dict[str, Any]] = []
    legacy: list[Path] = []
    for path in logs:
        info = infos[str(path)]
        if info.playbook is None:
            legacy.append(path)
            continue
        read = read_lines(path)  # once: the lines to fold and the last event's time
        m = metrics.compute(fold_lifecycle(path, info.playbook, read.lifecycle))
        rows.append({"log": str(path), "duration_s": read.last_t, "outcome": m.outcome, **metrics.headline_values(m)})
    schema = {"log": pl.String, "duration_s": pl.Float64, "outcome": pl.String, **{k: pl.Float64 for k in METRICS}}
    frame = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    if legacy:
        old = headline(load_events(legacy), plan_frame({str(p): infos[str(p)] for p in legacy}))
        old = old.with_columns(duration_s=pl.Series([last_t(p) for p in legacy], dtype=pl.Float64))
        old = old.select([pl.col(c).cast(schema[c]) for c in schema])
        frame = pl.concat([frame, old])
    return frame


def verdict(values: list[float | None], better: str) -> dict[str, Any]:
    """The latest value against the median of the earlier ones: improving, worsening, steady, or not enough data."""
    latest = values[-1] if values else None
    earlier = pl.Series([v for v in values[:-1] if v is not None], dtype=pl.Float64)
    median = earlier.median() if earlier.len() else None
    if latest is None or median is None:
        word = "insufficient data"
    elif latest == median:
        word = "steady"
    else:
        word = "improving" if (latest < median) == (better == "lower") else "worsening"
    return {"better": better, "latest": latest, "median_earlier": median, "verdict": word}


def _cadence_days(info: Any) -> float | None:
    """The `cadence:` of a log's playbook in days, or None."""
    playbook = getattr(info, "playbook", None)
    cadence = playbook.drill.cadence if playbook is not None else None
    return None if cadence is None else cadence / 86400.0


def build_trend(args: list[Path]) -> Trend:
    """Every readable session log among the arguments, in start order, with the key metrics and their verdicts."""
    logs, skipped = find_logs(args)
    if not logs:
        return Trend(pl.DataFrame(), {}, skipped)
    heads = _header_frame(logs)
    infos = {str(path): playbook_info(head) for path, head in logs.items()}
    h = _metric_rows(list(logs), infos)
    cadence = pl.DataFrame(
        [{"log": log, "cadence_days": _cadence_days(info)} for log, info in infos.items()],
        schema={"log": pl.String, "cadence_days": pl.Float64},
    )
    drills = (
        heads.join(h, on="log", how="left")
        .join(cadence, on="log", how="left")
        .with_columns(start=pl.col("started_at").str.to_datetime(TS_FORMAT, time_zone="UTC", strict=False))
        .sort("start", "log", nulls_last=True)
        .with_columns(
            date=pl.col("start").dt.date().cast(pl.String),
            interval_days=((pl.col("start") - pl.col("start").shift(1)).dt.total_milliseconds() / 86_400_000).round(3),
            false_alarms=pl.col("false_alarms").fill_null(0),
        )
        # A cadence is kept per playbook: the gap since the previous drill of the same drill id.
        .with_columns(
            cadence_broken=(
                (pl.col("start") - pl.col("start").shift(1).over("drill")).dt.total_milliseconds() / 86_400_000
                > pl.col("cadence_days")
            )
        )
        .select(
            "date",
            "started_at",
            "log",
            "drill",
            "playbook",
            "seed",
            "outcome",
            "interval_days",
            "cadence_days",
            "cadence_broken",
            "duration_s",
            *METRICS,
        )
    )
    verdicts = {m: verdict(drills[m].to_list(), better) for m, better in METRICS.items()}
    return Trend(drills, verdicts, skipped)
