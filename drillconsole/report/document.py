"""The report as a list of neutral blocks, so Markdown and HTML present exactly the same content."""

from __future__ import annotations

from typing import Any

from drillconsole.report.blocks import Block, clock, pct, secs, yes
from drillconsole.report.charts import describe_bands
from drillconsole.report.downstream import blocks as downstream_blocks
from drillconsole.report.teardown import blocks as teardown_blocks
from drillconsole.report.teardown import glance as teardown_glance

__all__ = ["Block", "clock", "document", "metrics_rows", "pct", "secs", "yes"]


def _chain(d: dict[str, Any]) -> str:
    if not d["chain_verified"]:
        return "not verified (run `drillconsole verify` on the log)"
    if not d["chain_ok"]:
        p = d["chain_problem"] or {}
        return f"BROKEN at line {p.get('line')}: {p.get('problem')}"
    v = d.get("verification") or {}
    signed = f"signed by {', '.join(v['signed_by'])}" if v.get("signed_by") else "unsigned"
    if not v.get("ok", True):
        return f"FAILS VERIFICATION ({signed})"
    return f"intact, {signed}" + ("" if d["outcome"] else " (no session.ended: the drill did not finish)")


def _failed(d: dict[str, Any]) -> str | None:
    """The verification failure to put above everything else, or None."""
    v = d.get("verification")
    return f"VERIFICATION FAILED: {v['verdict']}" if v and not v["ok"] else None


def _criteria(d: dict[str, Any]) -> str:
    """`3 of 4 met; NOT MET: …` for the header table."""
    from drillconsole.drill.criteria import summary

    return summary(d.get("criteria") or [])


def _summary(d: dict[str, Any]) -> str:
    m, dec = d["moments"], d["decision"]
    parts = [
        f"Fault injected at {clock(m['fault_t'])}." if m["fault_t"] is not None else "No fault injection recorded."
    ]
    if m["trigger_t"] is not None:
        parts.append(f"First trigger fired at {clock(m['trigger_t'])} (time to detect {secs(d['time_to_detect_s'])}).")
    if dec:
        exp = "as the playbook expects" if dec["expected"] else "not the option the playbook expects"
        parts.append(
            f"Decision {dec['option']} by {dec['actor']} at {clock(dec['t'])}, {exp} (time to decision {secs(d['time_to_decision_s'])})."
        )
    if m["rollback_t"] is not None:
        parts.append(f"Rollback ({d['rollback_step']}) succeeded at {clock(m['rollback_t'])}.")
    if m["restored_t"] is not None:
        parts.append(
            f"Signals verified back in band at {clock(m['restored_t'])} (time to restore {secs(d['time_to_restore_s'])})."
        )
    parts.append(f"Outcome: {d['outcome'] or 'unfinished'}; {d['false_alarms']} false alarm(s).")
    return " ".join(parts)


def metrics_rows(d: dict[str, Any]) -> list[list[str]]:
    """The metrics table, shared by the report formats."""
    fid = d["restoration_fidelity"]
    rate = pct(d["rollback_success_rate"])
    if d["rollback_attempts"]:
        rate += f" ({d['rollback_attempts']} attempt(s) of {d['rollback_step']})"
    fidelity = (
        "not measured"
        if fid is None
        else f"match {pct(fid['match_rate'])}, max deviation {fid['max_deviation']:g}, {'passed' if fid['passed'] else 'FAILED'}"
    )
    return [
        ["Time to detect (fault → first trigger)", secs(d["time_to_detect_s"])],
        ["Time to decision (first trigger → decision)", secs(d["time_to_decision_s"])],
        ["Time to rollback (decision → rollback succeeded)", secs(d["time_to_rollback_s"])],
        ["Time to restore (first trigger → verification passed)", secs(d["time_to_restore_s"])],
        ["Rollback success rate", rate],
        ["Restoration fidelity", fidelity],
        ["False alarms (fired and cleared with no decision)", str(d["false_alarms"])],
        ["Escalations raised", str(len(d["escalations"]))],
    ]


def document(d: dict[str, Any]) -> list[Block]:
    """Every block of the report, in reading order."""
    b: list[Block] = [Block("heading", f"After-action report: {d['title'] or d['drill']}", level=1)]
    failed = _failed(d)
    if failed:
        b.append(Block("note", failed))
    b.append(
        Block(
            "table",
            headers=["", ""],
            rows=[
                ["Drill", str(d["drill"])],
                ["Log", d["log"]],
                ["Playbook", f"{d['playbook']}" + ("" if d["playbook_loaded"] else " (not loaded)")],
                ["Seed", str(d["seed"])],
                ["Environment", str(d["environment"])],
                ["Started", str(d["started_at"])],
                ["Duration", secs(d["duration_s"])],
                ["Outcome", f"{d['outcome'] or 'unfinished'}" + (f" ({d['end_reason']})" if d["end_reason"] else "")],
                ["Hash chain", _chain(d)],
                ["Downstream", (d.get("downstream") or {}).get("glance") or "no dependents declared"],
                ["Teardown", teardown_glance(d)],
                ["Criteria", _criteria(d)],
            ],
        )
    )
    b += [Block("note", w) for w in d["warnings"]]
    downstream = d.get("downstream") or {}
    if downstream.get("consistent") is False or downstream.get("reconciled") is False:
        b.append(Block("note", f"Data integrity: {downstream['glance']}"))
    b += [Block("heading", "Summary"), Block("para", _summary(d))]
    b += [Block("heading", "Metrics"), Block("table", headers=["Metric", "Value"], rows=metrics_rows(d))]
    b += downstream_blocks(d)
    dec = d["decision"]
    b.append(Block("heading", "Decision"))
    if dec:
        b.append(
            Block(
                "bullets",
                items=[
                    f"Option: {dec['option']} ({'expected' if dec['expected'] else 'not the expected option'}; triggers proposed {dec['proposed'] or 'nothing'})",
                    f"By: {dec['actor']} at {clock(dec['t'])}",
                    f"Rationale: {dec['rationale']}",
                ],
            )
        )
    else:
        b.append(Block("para", "No decision was recorded."))
    b.append(Block("heading", "Notes taken during the drill"))
    b.append(
        Block("bullets", items=[f"{clock(x['t'])} {x['actor']}: {x['text']}" for x in d.get("notes") or []])
        if d.get("notes")
        else Block("para", "None recorded.")
    )
    b.append(Block("heading", "Lessons learned"))
    b.append(
        Block("bullets", items=[f"{x['text']} ({x['actor']})" for x in d["lessons"]])
        if d["lessons"]
        else Block("para", "None recorded.")
    )
    b.append(Block("heading", "Action items"))
    b.append(
        Block(
            "table",
            headers=["Action", "Owner", "Due", "Raised by"],
            rows=[[x["text"], str(x["owner"]), x["due"] or "—", x["actor"]] for x in d["action_items"]],
        )
        if d["action_items"]
        else Block("para", "None recorded.")
    )
    b.append(Block("heading", "Timeline"))
    b.append(Block("heading", "Phases", level=3))
    b.append(
        Block(
            "table",
            headers=["Phase", "Entered", "Duration"],
            rows=[[p["phase"], clock(p["entered_t"]), secs(p["duration_s"])] for p in d["phases"]],
        )
    )
    b.append(Block("heading", "Steps", level=3))
    b.append(
        Block(
            "table",
            headers=["Step", "Owner", "Status", "Attempts", "Started", "Ended", "Duration", "Detail"],
            rows=[
                [
                    s["step"],
                    str(s["owner"] or s["actor"] or "—"),
                    s["status"],
                    str(s["attempts"]),
                    clock(s["started_t"]),
                    clock(s["ended_t"]),
                    secs(s["duration_s"]),
                    s["detail"] or "",
                ]
                for s in d["steps"]
            ],
        )
    )
    b.append(Block("heading", "Decisive events", level=3))
    b.append(
        Block(
            "table",
            headers=["Time", "Event", "Subject", "By", "Detail"],
            rows=[
                [clock(e["t"]), e["type"], str(e["subject"] or ""), e["actor"], str(e["detail"] or "")]
                for e in d["timeline"]
            ],
        )
    )
    b += teardown_blocks(d)
    b.append(Block("heading", "Gates"))
    b.append(
        Block(
            "table",
            headers=["Step", "Requests", "Approver", "Owner", "Latency", "Two-person held", "Expired", "Rejected"],
            rows=[
                [
                    step,
                    str(g["requests"]),
                    str(g["approver"] or "—"),
                    str(g["owner"] or "—"),
                    secs(g["latency_s"]),
                    yes(g["two_person_held"]),
                    str(g["expired"]),
                    str(g["rejected"]),
                ]
                for step, g in d["gates"].items()
            ],
        )
        if d["gates"]
        else Block("para", "No gated steps.")
    )
    b.append(Block("heading", "Role adherence"))
    b.append(
        Block(
            "table",
            headers=["Role", "Items", "Done", "Late", "Missed", "Late items", "Missed items"],
            rows=[
                [
                    f"{r['title']} ({rid})",
                    str(r["items"]),
                    str(r["done"]),
                    str(r["late"]),
                    str(r["missed"]),
                    ", ".join(r["late_items"]) or "—",
                    ", ".join(r["missed_items"]) or "—",
                ]
                for rid, r in d["roles"].items()
            ],
        )
    )
    b.append(Block("heading", "Triggers and escalations"))
    b.append(
        Block(
            "table",
            headers=["Trigger", "Signal", "Fired", "Cleared", "False alarm"],
            rows=[
                [x["trigger"], x["signal"], clock(x["fired_t"]), clock(x["cleared_t"]), yes(x["false_alarm"])]
                for x in d["triggers"]
            ],
        )
        if d["triggers"]
        else Block("para", "No trigger fired.")
    )
    if d["escalations"]:
        b.append(
            Block(
                "bullets",
                items=[
                    f"{clock(e['t'])} {e['escalation']} ({e['kind']}): {e['message'] or e['subject']}"
                    for e in d["escalations"]
                ],
            )
        )
    b.append(Block("heading", "Signals"))
    for s in d["signals"]:
        unit = f", {s['unit']}" if s["unit"] else ""
        b.append(Block("heading", f"{s['title']} ({s['id']}{unit})", level=3))
        b.append(Block("chart", text=describe_bands(s["bands"]), signal=s))
        marks = [m for m in d["markers"] if m["signal"] in (None, s["id"])]
        b.append(
            Block("bullets", items=[f"{clock(m['t'])} {m['kind']}: {m['label']}" for m in marks])
            if marks
            else Block("para", "No markers.")
        )
    return b
