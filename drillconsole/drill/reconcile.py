"""Reconciliation rules: how many records the suspect version scored, what a reconcile step fixed, what is left.

Pure functions of the state and of what was read (counts, dependents'
versions), so the engine, a replay and the report compute the same account.
"""

from __future__ import annotations

from typing import Any

from drillconsole.drill import metrics
from drillconsole.drill.downstream import simulated_version
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Step


def window(state: DrillState, now: float) -> tuple[float | None, float | None]:
    """[impact, rollback]: when the fault began and when the suspect version stopped being live (None: still live)."""
    impact_t, _ = metrics.impact(state)
    suspect = state.playbook.drill.versions.suspect
    if impact_t is None:
        return None, None
    for when, version in state.downstream.live_versions:
        if when + 1e-9 >= impact_t and version != suspect:
            return impact_t, when
    return impact_t, None if state.live_version() == suspect else impact_t


def simulated_scored(state: DrillState, step: Step, now: float) -> tuple[int, str]:
    """Records the suspect version scored between impact and rollback (or now), at the traffic signal's rate."""
    check = step.reconcile
    assert check is not None and check.traffic is not None
    source = state.playbook.signal(check.traffic).source
    rate = max(0.0, float(getattr(source, "baseline", 0.0)))
    start, end = window(state, now)
    if start is None:
        return 0, f"simulated traffic ({check.traffic})"
    return round(rate * (max(start, end if end is not None else now) - start)), f"simulated traffic ({check.traffic})"


def dependent_versions(state: DrillState, systems: list[str], now: float) -> dict[str, str | None]:
    """What simulated dependents report now (live dependents are read by the engine)."""
    return {sid: simulated_version(state, sid, now) for sid in systems}


def account(
    state: DrillState, step: Step, scored: int, source: str, versions: dict[str, str | None], now: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `reconcile.recorded` payload and one `discrepancy.residual` payload per system left with bad records."""
    check = step.reconcile
    assert check is not None
    pb = state.playbook
    suspect = pb.drill.versions.suspect
    start, end = window(state, now)
    systems: dict[str, dict[str, Any]] = {}
    residuals: list[dict[str, Any]] = []
    for sid, dep in pb.dependents.items():
        if not dep.records:
            continue
        version = versions.get(sid)
        covered = sid in check.systems
        # Re-scoring through a system still on the suspect version scores the records with it again: nothing fixed.
        fixed = covered and end is not None and version is not None and version != suspect
        handled = scored if fixed else 0
        systems[sid] = {"handled": handled, "residual": scored - handled, "version": version}
        if scored - handled > 0:
            if not covered:
                reason = f"{dep.title} is not among the systems step {step.id} reconciles"
            elif end is None:
                reason = f"v{suspect} was still live when step {step.id} ran: records keep being scored by it"
            elif version is None:
                reason = f"{dep.title} could not be read, so its records were not re-scored"
            else:
                reason = f"{dep.title} still runs v{suspect}: re-scoring there fixes nothing"
            residuals.append(
                {"step": step.id, "count": scored - handled, "systems": [sid], "owner": dep.owner, "reason": reason}
            )
    recorded = {
        "step": step.id,
        "suspect": suspect,
        "scored": scored,
        "window": [start, end],
        "method": check.method,
        "systems": systems,
        "source": source,
    }
    return recorded, residuals


def skipped_residuals(state: DrillState, step: Step, scored: int, reason: str) -> list[dict[str, Any]]:
    """Residual discrepancies when a reconcile step was skipped: every record in every system that keeps them."""
    if scored <= 0:
        return []
    out = []
    for sid, dep in state.playbook.dependents.items():
        if dep.records:
            why = f"step {step.id} skipped ({reason}): nothing re-scored"
            out.append({"step": step.id, "count": scored, "systems": [sid], "owner": dep.owner, "reason": why})
    return out
