"""The report's after-the-rollback sections: downstream verdict, change ledger, risks and criteria, residuals.

`sections_of(state)` computes the data from the fold; `blocks(d)` lays it out
as neutral blocks, so Markdown, HTML and the audit pack say the same thing.
"""

from __future__ import annotations

from typing import Any

from drillconsole.drill import criteria, ledger, metrics
from drillconsole.drill.state import DrillState
from drillconsole.report.blocks import Block, clock

EMPTY: dict[str, Any] = {
    "downstream": None,
    "change_ledger": [],
    "risks": [],
    "criteria": [],
    "residual_discrepancies": [],
}


def sections_of(state: DrillState | None, measured: metrics.Metrics | None) -> dict[str, Any]:
    """The report fields of downstream consistency, reconciliation, the change ledger, risks and criteria."""
    if state is None:
        return dict(EMPTY)
    verdict = ledger.verdict(state)
    return {
        "downstream": {
            **verdict,
            "glance": ledger.glance(verdict, state.playbook.drill.versions.suspect),
            "consistency": ledger.consistency_rows(state),
            "reconciliations": [{k: v for k, v in r.items() if k != "auto"} for r in state.downstream.reconciles],
        },
        "change_ledger": ledger.ledger_rows(state),
        "risks": criteria.risk_rows(state.playbook),
        "criteria": criteria.criteria_rows(state, measured),
        "residual_discrepancies": [{k: v for k, v in r.items() if k != "auto"} for r in state.downstream.residuals],
    }


def _no_residuals(ds: dict[str, Any] | None) -> str:
    """Why the residual table is empty: all reconciled, reconciliation never ran, or nothing to reconcile."""
    if ds and ds["reconciled"]:
        return "None: nothing scored by the suspect version is left unreconciled."
    if ds and ds["reconciled"] is False:
        count = ds.get("unreconciled_never_ran")
        left = f" {count:,} records scored by the suspect version are" if count else " everything it scored is"
        return f"None logged, because the reconcile step never ran:{left} left unreconciled."
    return "None recorded."


def _value(metric: str, value: Any) -> str:
    if value is None:
        return "—"
    if metric.endswith("_s"):
        return f"{value:g} s"
    if metric.endswith("_rate"):
        return f"{value * 100:.4g}%"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def blocks(d: dict[str, Any]) -> list[Block]:
    """Downstream, ledger, criteria and residual blocks, in reading order."""
    b: list[Block] = []
    ds = d.get("downstream")
    if ds is None:  # the playbook could not be loaded: the fold, and so these sections, are not available
        b.append(Block("heading", "After the rollback"))
        b.append(Block("para", "Not available: the playbook could not be loaded, so the log was not folded."))
        return b
    if ds["has_downstream"]:
        b += _downstream_blocks(d, ds)
    b += _ledger_blocks(d)
    b += _criteria_blocks(d)
    return b


def _downstream_blocks(d: dict[str, Any], ds: dict[str, Any]) -> list[Block]:
    """Consistency verdicts, reconciliation accounts and residual discrepancies."""
    b = [Block("heading", "Downstream consistency and reconciliation")]
    b.append(Block("para", f"At a glance: {ds['glance']}."))
    for c in ds["consistency"]:
        rows = [
            [dep, str(x.get("version") or "unreadable"), clock(x.get("agreed_t")), x.get("error") or ""]
            for dep, x in c["dependents"].items()
        ]
        verdict = "passed" if c["passed"] else f"FAILED: {c['reason']}"
        b.append(Block("para", f"Step {c['step']} at {clock(c['t'])} (live v{c['live_version']}): {verdict}"))
        b.append(Block("table", headers=["Dependent", "Reports", "On live version since", "Error"], rows=rows))
    for r in ds["reconciliations"]:
        start, end = (list(r.get("window") or []) + [None, None])[:2]
        b.append(
            Block(
                "para",
                f"Step {r['step']} at {clock(r['t'])}: {r['scored']:,} records scored by v{r['suspect']} "
                f"between {clock(start)} and {clock(end) if end is not None else 'now (still live)'} "
                f"({r['source']}); method {r['method']}.",
            )
        )
        rows = [[sid, str(x["version"]), f"{x['handled']:,}", f"{x['residual']:,}"] for sid, x in r["systems"].items()]
        b.append(Block("table", headers=["System", "Version", "Handled", "Residual"], rows=rows))
    b.append(Block("heading", "Residual discrepancies"))
    residuals = d.get("residual_discrepancies") or []
    b.append(
        Block(
            "table",
            headers=["Time", "Records", "Systems", "Owner", "Why"],
            rows=[
                [clock(r["t"]), f"{r['count']:,}", ", ".join(r["systems"]), r["owner"], r["reason"]] for r in residuals
            ],
        )
        if residuals
        else Block("para", _no_residuals(ds))
    )
    return b


def _ledger_blocks(d: dict[str, Any]) -> list[Block]:
    """Every change to a target and to a dependent, with who, approval, decision and status."""
    b = [Block("heading", "Change ledger")]
    rows = []
    for x in d.get("change_ledger") or []:
        approval = f"{x['approval']['approver']} at {clock(x['approval']['t'])}" if x["approval"] else "—"
        why = x["decision"]
        decision = f"{why['option']} by {why['by']} at {clock(why['t'])}: {why['rationale']}" if why else "—"
        status = x["status"] + (f" at {clock(x['undone_t'])}" if x["undone_t"] is not None else "")
        who = x["role"] + (f" ({x['person']})" if x["person"] else "")
        rows.append([clock(x["t"]), x["change"], x["step"] or "—", who, approval, decision, status])
    b.append(
        Block(
            "table",
            headers=["Time", "Change", "Step", "By (role)", "Approval", "Decision and rationale", "Status"],
            rows=rows,
        )
        if rows
        else Block("para", "No target was changed.")
    )
    return b


def _criteria_blocks(d: dict[str, Any]) -> list[Block]:
    """The declared risks and each criterion with its bound, measured value and verdict."""
    b = [Block("heading", "Risks and rollback criteria")]
    risks = d.get("risks") or []
    b.append(
        Block(
            "table",
            headers=["Risk", "Category", "Severity", "What"],
            rows=[[r["id"], r["category"], str(r["severity"]), r["title"]] for r in risks],
        )
        if risks
        else Block("para", "No risks declared.")
    )
    crit = d.get("criteria") or []
    b.append(
        Block(
            "table",
            headers=["Criterion", "Metric", "Bound", "Measured", "Verdict"],
            rows=[[c["title"], c["metric"], c["bound"], _value(c["metric"], c["measured"]), c["status"]] for c in crit],
        )
        if crit
        else Block("para", "No rollback criteria declared.")
    )
    return b
