"""The metrics a re-run compares and `status` shows: the drill model's (`drill/metrics.py`, docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from drillconsole.playbook.models import Playbook


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
    Metric("time_to_restore_from_detection_s", "time to restore from detection", "s", "lower"),
    Metric("rollback_success_rate", "rollback success rate", "rate", "higher"),
    Metric("fidelity_match_rate", "restoration fidelity", "rate", "higher"),
    Metric("false_alarms", "false alarms", "count", "lower"),
    Metric("escalations", "escalations", "count", "lower"),
)
"""Every metric the re-run compares, in the order it prints them (the one list of metric keys)."""

HEADLINE = ("time_to_detect_s", "time_to_decision_s", "time_to_restore_s", "fidelity_match_rate")
"""The few that `status` shows."""


def metrics_of(path: Path, playbook: Playbook | None = None) -> dict[str, float | None]:
    """Every metric of METRICS for the drill in `path` (None where it has none); `playbook` for an old log without one."""
    from drillconsole.drill import metrics
    from drillconsole.drill.recorded import recorded_playbook
    from drillconsole.report.folded import fold_lifecycle
    from drillconsole.report.load import read_header

    if playbook is None:
        playbook = recorded_playbook(read_header(path)["data"]).playbook
    values = metrics.headline_values(metrics.compute(fold_lifecycle(path, playbook)))
    return {m.key: None if values.get(m.key) is None else float(values[m.key]) for m in METRICS}  # type: ignore[arg-type]


def show(metric: Metric, value: float | None) -> str:
    """A metric value for people: seconds, a percentage or a count."""
    if value is None:
        return "—"
    if metric.unit == "s":
        return f"{value:g}s"
    if metric.unit == "rate":
        return f"{value:.1%}"
    return f"{value:g}"
