"""The short summary a headless run prints: the drill model's metrics, worded once."""

from __future__ import annotations

from pathlib import Path

from drillconsole.drill import criteria, ledger, metrics
from drillconsole.drill.state import DrillState
from drillconsole.drill.wording import format_duration


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def summary_lines(state: DrillState, log_path: Path, head: str | None = None) -> list[str]:
    """Outcome, every headline metric, the session log (and the head hash to record in the incident ticket)."""
    m = metrics.compute(state)
    reason = f" ({state.end_reason})" if state.end_reason and state.outcome != "restored" else ""
    detected = f" (by {m.detected_by})" if m.detected_by == "person" else ""
    fidelity = (
        "—" if m.fidelity is None else f"{m.fidelity.match_rate:.1%} {'passed' if m.fidelity.passed else 'FAILED'}"
    )
    lines = [
        f"outcome:           {m.outcome or 'unfinished'}{reason}",
        f"time to detect:    {format_duration(m.time_to_detect_s)}{detected}",
        f"time to decision:  {format_duration(m.time_to_decision_s)}",
        f"time to rollback:  {format_duration(m.time_to_rollback_s)}"
        + (f" ({m.rollback_step})" if m.rollback_step else ""),
        f"time to restore:   {format_duration(m.time_to_restore_s)}",
        f"rollback success:  {_pct(m.rollback_success_rate)}",
        f"fidelity:          {fidelity}",
        f"false alarms:      {m.false_alarms}",
        f"escalations:       {m.escalations}",
    ]
    if state.playbook.dependents:
        glance = ledger.glance(ledger.verdict(state), state.playbook.drill.versions.suspect)
        lines.append(f"downstream:        {glance}")
    if state.playbook.criteria:
        lines.append(f"criteria:          {criteria.summary(criteria.criteria_rows(state, m))}")
    lines.append(f"session log:       {log_path}")
    if head:
        lines.append(f"head:              {head}")
    return lines
