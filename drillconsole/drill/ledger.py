"""Report views of what happened after the rollback: the change ledger, downstream consistency, reconciliation.

Views of the fold, like `summary.py`: the report, the audit pack and the
console read these; none of them decides what an event means.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from drillconsole.drill.downstream import dependent_history
from drillconsole.drill.state import DrillState


def _change_text(row: dict[str, Any]) -> str:
    if row.get("alias") is not None:
        what = f"alias {row['alias']}: v{row['from']} → v{row['to']}"
    else:
        segment = f" [{row['segment']}]" if row.get("segment") else ""
        what = f"flag {row.get('flag')}{segment}: {row['from']} → {row['to']}"
    return ("undo: " if row["undo"] else "") + what


def _why(state: DrillState, step_id: str, t: float) -> dict[str, Any] | None:
    """The decision in force when the change was made (the one that led to it), or None."""
    decision = state.decision
    if decision is None or decision["t"] > t + 1e-9:
        return None
    return {
        "option": decision["option"],
        "rationale": decision.get("rationale"),
        "by": decision.get("actor"),
        "t": decision["t"],
    }


def ledger_rows(state: DrillState) -> list[dict[str, Any]]:
    """Every change to a target (alias, flag) and to a dependent, in order, with step, role, approval and decision."""
    pb = state.playbook
    rows: list[dict[str, Any]] = []
    for change in state.downstream.changes:
        gate = state.gate_history.get(change["step"])
        approval = None
        if gate is not None and gate.approved_t is not None and not change["undo"]:
            approval = {"approver": gate.approver, "t": gate.approved_t}
        rows.append(
            {
                "t": change["t"],
                "target": change["target"],
                "kind": "flag" if change.get("flag") is not None else "alias",
                "change": _change_text(change),
                "step": change["step"],
                "step_title": pb.step(change["step"]).title if change["step"] in state.steps else change["step"],
                "role": change["role"],
                "person": change.get("by"),
                "approval": approval,
                "decision": _why(state, change["step"], change["t"]),
                "undone_t": change["undone_t"],
                "status": "undone" if change["undone_t"] is not None else ("undo" if change["undo"] else "in effect"),
            }
        )
    rows += _dependent_rows(state)
    return sorted(rows, key=lambda r: r["t"])


def _dependent_rows(state: DrillState) -> list[dict[str, Any]]:
    """Dependents switching version: simulated ones as they follow the registry, live ones as a check saw them."""
    pb, out = state.playbook, []
    for dep_id, dep in pb.dependents.items():
        if dep.source.kind == "simulated":
            lag = float(getattr(dep.source, "lag", 0.0) or 0.0)
            after = getattr(dep.source, "after", None)
            how = f"following the registry after {lag:g}s" + (f", once step {after} was done" if after else "")
            history = dependent_history(state, dep_id)
            for (_, old), (at, new) in pairwise(history):
                if at <= state.t + 1e-9:
                    out.append(_dependent_row(state, dep_id, at, old, new, how))
        else:
            seen: str | None = None
            for check in state.downstream.checks:
                info = (check.get("dependents") or {}).get(dep_id) or {}
                if info.get("agreed_t") is not None and info.get("version") != seen:
                    seen = info.get("version")
                    row = _dependent_row(state, dep_id, info["agreed_t"], None, seen, f"seen by step {check['step']}")
                    out.append(row)
    return out


def _dependent_row(
    state: DrillState, dep_id: str, t: float, old: str | None, new: str | None, how: str
) -> dict[str, Any]:
    dep = state.playbook.dependents[dep_id]
    change = f"{dep.title}: {'v' + old + ' → ' if old else ''}v{new} ({how})"
    return {
        "t": t,
        "target": dep_id,
        "kind": "dependent",
        "change": change,
        "step": None,
        "step_title": None,
        "role": dep.owner,
        "person": None,
        "approval": None,
        "decision": _why(state, "", t),
        "undone_t": None,
        "status": "observed",
    }


def consistency_rows(state: DrillState) -> list[dict[str, Any]]:
    """Every consistency verdict: dependents, what each reported, which lagged."""
    return [
        {
            "step": c["step"],
            "t": c["t"],
            "live_version": c.get("live_version"),
            "passed": bool(c.get("passed")),
            "lagging": list(c.get("lagging") or []),
            "dependents": c.get("dependents") or {},
            "reason": c.get("reason"),
        }
        for c in state.downstream.checks
    ]


def downstream_values(state: DrillState) -> dict[str, float | int | None]:
    """time_to_consistency_s, inconsistent_dependents, residual_records (docs/metrics.md); None when not measured."""
    checks = state.downstream.checks
    inconsistent = len(checks[-1].get("lagging") or []) if checks else None
    to_consistency = None
    rollback_t = next((t for t, _ in state.downstream.live_versions[1:]), None)
    if checks and checks[-1].get("passed") and rollback_t is not None:
        agreed = [d.get("agreed_t") for d in (checks[-1].get("dependents") or {}).values()]
        times = [a for a in agreed if isinstance(a, (int, float))]
        to_consistency = round(max(0.0, max(times) - rollback_t), 3) if times else None
    measured = state.downstream.reconciles or state.downstream.residuals
    residual = unreconciled(state) if measured else verdict(state)["unreconciled_never_ran"]
    return {
        "time_to_consistency_s": to_consistency,
        "inconsistent_dependents": inconsistent,
        "residual_records": residual,
    }


def unreconciled(state: DrillState) -> int:
    """Records scored by the suspect version left unreconciled in at least one system.

    Every residual counts the same records (all that the suspect version scored),
    seen from one system each, so the records left are the largest count, not the sum.
    """
    return max((int(r.get("count", 0)) for r in state.downstream.residuals), default=0)


def verdict(state: DrillState) -> dict[str, Any]:
    """Downstream at a glance: consistent or not (and who lags), reconciled or not (and what is left)."""
    pb = state.playbook
    checks, residuals = state.downstream.checks, state.downstream.residuals
    lagging = list(checks[-1].get("lagging") or []) if checks else []
    consistent = None if not checks else not lagging
    reconciled: bool | None = None
    never_ran: int | None = None
    if state.downstream.reconciles or residuals:
        reconciled = not residuals
    elif any(s.kind == "reconcile" for s in pb.steps):
        reconciled = False  # a reconcile step that never ran leaves everything open
        step = next(s for s in pb.steps if s.kind == "reconcile")
        if step.reconcile is not None and step.reconcile.traffic is not None:
            # Simulation: what it would have counted is known from the fold; a live counter was never read.
            from drillconsole.drill.reconcile import simulated_scored

            never_ran = simulated_scored(state, step, state.t)[0]
    left = unreconciled(state)
    owners = sorted({str(r.get("owner")) for r in residuals})
    systems = sorted({s for r in residuals for s in r.get("systems", [])})
    return {
        "consistent": consistent,
        "lagging": lagging,
        "reconciled": reconciled,
        "residual_records": left,
        "residual_systems": systems,
        "residual_owners": owners,
        "unreconciled_never_ran": never_ran,
        "has_downstream": bool(pb.dependents),
    }


def glance(v: dict[str, Any], suspect: str) -> str:
    """One line that tells a consistent, reconciled drill from one that is not."""
    if not v["has_downstream"]:
        return "no dependents declared"
    parts = []
    if v["consistent"] is None:
        parts.append("dependents NOT CHECKED")
    elif v["consistent"]:
        parts.append("dependents consistent")
    else:
        parts.append(f"INCONSISTENT: {', '.join(v['lagging'])} not on the restored version")
    if v["reconciled"] is None:
        parts.append("no reconciliation step")
    elif v["reconciled"]:
        parts.append("reconciled, nothing left")
    elif v["residual_records"]:
        parts.append(
            f"UNRECONCILED: {v['residual_records']:,} records scored by v{suspect} left in "
            f"{', '.join(v['residual_systems'])} (owner {', '.join(v['residual_owners'])})"
        )
    else:
        count = v.get("unreconciled_never_ran")
        scored = f": {count:,} records scored by v{suspect} " if count else " "
        parts.append(f"NOT RECONCILED{scored}(the reconcile step never ran)")
    return "; ".join(parts)
