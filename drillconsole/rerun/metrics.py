"""The metrics a re-run compares and `status` shows, read through one function so their source can change in one line.

Until the drill model computes every metric of `docs/metrics.md` itself, they
come from the after-action report (`build_report(...).data`), which already
agrees with the review screen and `trend`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class Metric:
    """One metric: its label, unit (`s`, `rate` or `count`) and which direction is better."""

    key: str
    label: str
    unit: Literal["s", "rate", "count"]
    better: Literal["lower", "higher"]


METRICS: tuple[Metric, ...] = (
    Metric("time_to_detect_s", "time to detect", "s", "lower"),
    Metric("time_to_decision_s", "time to decision", "s", "lower"),
    Metric("time_to_rollback_s", "time to rollback", "s", "lower"),
    Metric("time_to_restore_s", "time to restore", "s", "lower"),
    Metric("rollback_success_rate", "rollback success rate", "rate", "higher"),
    Metric("fidelity_match_rate", "restoration fidelity", "rate", "higher"),
    Metric("false_alarms", "false alarms", "count", "lower"),
    Metric("escalations", "escalations", "count", "lower"),
)
"""Every metric the re-run compares, in the order it prints them (the one list of metric keys)."""

HEADLINE = ("time_to_detect_s", "time_to_decision_s", "time_to_restore_s", "fidelity_match_rate")
"""The few that `status` shows."""


def metrics_of(path: Path) -> dict[str, float | None]:
    """Every metric of METRICS for the drill in `path` (None where the drill has no value for it)."""
    from drillconsole.report.build import build_report

    data = build_report(path, verify=False).data  # the caller has checked the chain already
    return _from_report(data)


def _from_report(data: dict[str, Any]) -> dict[str, float | None]:
    fidelity = data.get("restoration_fidelity") or {}
    values: dict[str, Any] = {
        **{m.key: data.get(m.key) for m in METRICS},
        "fidelity_match_rate": fidelity.get("match_rate"),
        "escalations": len(data.get("escalations") or []),
    }
    return {k: None if v is None else float(v) for k, v in values.items()}


def show(metric: Metric, value: float | None) -> str:
    """A metric value for people: seconds, a percentage or a count."""
    if value is None:
        return "—"
    if metric.unit == "s":
        return f"{value:g}s"
    if metric.unit == "rate":
        return f"{value:.1%}"
    return f"{value:g}"
