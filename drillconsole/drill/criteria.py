"""The organisation's rollback criteria, judged against the drill's measured values (docs/risks.md)."""

from __future__ import annotations

from typing import Any

from drillconsole.drill import ledger, metrics
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Criterion, Playbook


def measured_values(state: DrillState, m: metrics.Metrics | None = None) -> dict[str, float | int | None]:
    """Every value a criterion may bound: the headline metrics and the downstream ones."""
    m = m or metrics.compute(state)
    return {**metrics.headline_values(m), **ledger.downstream_values(state)}


def _applies(pb: Playbook, c: Criterion) -> tuple[bool, list[str]]:
    """Whether the criterion applies to this drill, and the declared risks it covers."""
    risks = [r for r in pb.risks if (not c.risks or r.id in c.risks)]
    if c.severity is not None:
        risks = [r for r in risks if r.severity == c.severity]
        return bool(risks), [r.id for r in risks]
    return True, [r.id for r in risks]


def criteria_rows(state: DrillState, m: metrics.Metrics | None = None) -> list[dict[str, Any]]:
    """Per criterion: bound, measured value, and met / NOT MET / not measured / not applicable."""
    pb = state.playbook
    values = measured_values(state, m)
    rows = []
    for c in pb.criteria:
        applies, risks = _applies(pb, c)
        value = values.get(c.metric)
        bound = f"≤ {c.at_most:g}" if c.at_most is not None else f"≥ {c.at_least:g}"
        if not applies:
            status, met = "not applicable", None
        elif value is None:
            # An unmeasured value never passes: a criterion is evidence, and there is none.
            status, met = "not met (not measured)", False
        else:
            met = value <= c.at_most if c.at_most is not None else value >= c.at_least  # type: ignore[operator]
            status = "met" if met else "NOT MET"
        rows.append(
            {
                "id": c.id,
                "title": c.title,
                "metric": c.metric,
                "bound": bound,
                "measured": value,
                "met": met,
                "status": status,
                "risks": risks,
                "severity": c.severity,
            }
        )
    return rows


def risk_rows(pb: Playbook) -> list[dict[str, Any]]:
    """The declared risks, for the report."""
    return [{"id": r.id, "title": r.title, "category": r.category, "severity": r.severity} for r in pb.risks]


def summary(rows: list[dict[str, Any]]) -> str:
    """`3 of 4 met; NOT MET: decide-5m`, or why there is nothing to count."""
    judged = [c for c in rows if c["met"] is not None]
    if not judged:
        return "none declared" if not rows else "none applicable"
    missed = [c["id"] for c in judged if not c["met"]]
    return f"{len(judged) - len(missed)} of {len(judged)} met" + (f"; NOT MET: {', '.join(missed)}" if missed else "")
