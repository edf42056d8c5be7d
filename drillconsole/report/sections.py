"""The detailed sections of one drill's report: roles, gates, steps, phases, timeline, review, teardown; polars over its events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from drillconsole.log.contract import EventType
from drillconsole.report.load import _lines, decode
from drillconsole.report.metrics import is_
from drillconsole.report.playbook import PlaybookInfo

TIMELINE_TYPES = (
    EventType.SCENARIO_INJECTED,
    EventType.PHASE_ENTERED,
    EventType.TRIGGER_FIRED,
    EventType.TRIGGER_CLEARED,
    EventType.DECISION_MADE,
    EventType.GATE_REQUESTED,
    EventType.GATE_APPROVED,
    EventType.GATE_REJECTED,
    EventType.GATE_EXPIRED,
    EventType.STEP_STARTED,
    EventType.STEP_SUCCEEDED,
    EventType.STEP_FAILED,
    EventType.STEP_SKIPPED,
    EventType.STEP_UNDONE,
    EventType.VERIFY_PASSED,
    EventType.VERIFY_FAILED,
    EventType.FIDELITY_MEASURED,
    EventType.ESCALATION_RAISED,
    EventType.SESSION_RESUMED,
    EventType.SESSION_ENDED,
)


def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The frame as plain dicts, one per row."""
    return frame.to_dicts()


def roles(ev: pl.DataFrame, info: PlaybookInfo, roster: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per role: checklist items done, done late, missed (never checked, or unchecked at the end)."""
    last = (
        ev.filter(is_(EventType.CHECKLIST_CHECKED) | is_(EventType.CHECKLIST_UNCHECKED))
        .group_by("role", "item", maintain_order=True)
        .agg(
            done=pl.col("type").last() == EventType.CHECKLIST_CHECKED,
            late=pl.col("late").last().fill_null(False),
            done_t=pl.col("t").last(),
        )
    )
    if info.loaded:
        items = pl.DataFrame(
            [{"role": r, "item": i} for r, i, _ in info.checklist], schema={"role": pl.String, "item": pl.String}
        )
        last = items.join(last, on=["role", "item"], how="full", coalesce=True, maintain_order="left")
    last = last.with_columns(
        done=pl.col("done").fill_null(False), late=pl.col("late").fill_null(False) & pl.col("done").fill_null(False)
    )
    per_role = last.group_by("role", maintain_order=True).agg(
        items=pl.len(),
        done=pl.col("done").sum(),
        late=pl.col("late").sum(),
        missed=(~pl.col("done")).sum(),
        late_items=pl.col("item").filter(pl.col("late")),
        missed_items=pl.col("item").filter(~pl.col("done")),
    )
    found = {r["role"]: r for r in per_role.to_dicts() if r["role"] is not None}
    titles = {**roster, **info.roles}
    order = list(dict.fromkeys([*info.roles, *roster, *found]))
    empty = {"items": 0, "done": 0, "late": 0, "missed": 0, "late_items": [], "missed_items": []}
    out = {}
    for role in order:
        row = {k: v for k, v in found.get(role, empty).items() if k != "role"}
        out[role] = {"title": titles.get(role, role), **row}
    return out


def gates(ev: pl.DataFrame, info: PlaybookInfo) -> dict[str, dict[str, Any]]:
    """Per gated step: requests, approval latency and approver, two-person rule held, expiries, rejections."""
    g = ev.filter(pl.col("type").str.starts_with("gate.")).select("row", "t", "type", "step", "approver")
    approved = (
        g.filter(is_(EventType.GATE_APPROVED))
        .group_by("step")
        .agg(approved_t=pl.col("t").first(), approved_row=pl.col("row").first(), approver=pl.col("approver").first())
    )
    g = g.join(approved, on="step", how="left").sort("row")  # joins do not keep row order
    asked = is_(EventType.GATE_REQUESTED)
    per_step = g.group_by("step", maintain_order=True).agg(
        requests=asked.sum(),
        requested_t=pl.col("t").filter(asked).first(),
        asked_t=pl.col("t").filter(asked & (pl.col("row") < pl.col("approved_row"))).last(),
        approved_t=pl.col("approved_t").first(),
        approved_row=pl.col("approved_row").first(),
        approver=pl.col("approver").filter(is_(EventType.GATE_APPROVED)).first(),
        expired=is_(EventType.GATE_EXPIRED).sum(),
        rejected=is_(EventType.GATE_REJECTED).sum(),
        rejected_by=pl.col("approver").filter(is_(EventType.GATE_REJECTED)).unique(maintain_order=True),
    )
    starts = ev.filter(is_(EventType.STEP_STARTED)).select("row", "step", "actor")
    owners = (
        per_step.select("step", "approved_row")
        .join(starts, on="step", how="inner")
        .sort("row")
        .group_by("step")
        .agg(
            owner=pl.coalesce(
                pl.col("actor").filter(pl.col("row") > pl.col("approved_row")).first(), pl.col("actor").first()
            )
        )
    )
    frame = (
        per_step.join(owners, on="step", how="left", maintain_order="left")
        .with_columns(
            latency_s=(pl.col("approved_t") - pl.col("asked_t")).round(3),
            two_person_held=pl.when(pl.col("approver").is_not_null() & pl.col("owner").is_not_null()).then(
                pl.col("approver") != pl.col("owner")
            ),
        )
        .drop("asked_t", "approved_row")
    )
    found = {r.pop("step"): r for r in rows(frame)}
    empty = {
        "requests": 0,
        "requested_t": None,
        "approved_t": None,
        "approver": None,
        "expired": 0,
        "rejected": 0,
        "rejected_by": [],
        "owner": None,
        "latency_s": None,
        "two_person_held": None,
    }
    order = list(dict.fromkeys([*(s.id for s in info.steps if s.gated), *found]))
    return {step: found.get(step, empty) for step in order}


def steps(ev: pl.DataFrame, info: PlaybookInfo, decision: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per step: attempts, final status, who ran it, when it started and ended, how long it took."""
    kinds = (
        EventType.STEP_STARTED,
        EventType.STEP_SUCCEEDED,
        EventType.STEP_FAILED,
        EventType.STEP_SKIPPED,
        EventType.STEP_UNDONE,
    )
    s = ev.filter(pl.col("type").is_in(kinds))
    ended = pl.col("type").is_in((EventType.STEP_SUCCEEDED, EventType.STEP_FAILED, EventType.STEP_SKIPPED))
    frame = s.group_by("step", maintain_order=True).agg(
        status=pl.col("type").last().str.strip_prefix("step."),
        attempts=is_(EventType.STEP_STARTED).sum(),
        actor=pl.col("actor").filter(is_(EventType.STEP_STARTED)).last(),
        started_t=pl.col("t").filter(is_(EventType.STEP_STARTED)).first(),
        ended_t=pl.col("t").filter(ended).last(),
        duration_s=pl.col("duration").filter(ended).last(),
        detail=pl.coalesce(pl.col("error"), pl.col("reason")).filter(ended).last(),
    )
    found = {r["step"]: r for r in rows(frame)}
    meta = {st.id: st for st in info.steps}
    out = []
    for sid in dict.fromkeys([*meta, *found]):
        row = found.get(sid) or {
            "step": sid,
            "status": "pending",
            "attempts": 0,
            "actor": None,
            "started_t": None,
            "ended_t": None,
            "duration_s": None,
            "detail": None,
        }
        m = meta.get(sid)
        if m is not None and m.kind == "decision" and decision is not None and sid not in found:
            row = {
                **row,
                "status": "decided",
                "actor": decision["actor"],
                "ended_t": decision["t"],
                "detail": decision["option"],
            }
        out.append(
            {**row, "title": m.title if m else sid, "owner": m.owner if m else None, "gated": bool(m and m.gated)}
        )
    return out


def phases(ev: pl.DataFrame, end_t: float | None) -> list[dict[str, Any]]:
    """Each phase entered, when, and how long the drill stayed in it."""
    frame = (
        ev.filter(is_(EventType.PHASE_ENTERED))
        .select("phase", entered_t="t")
        .with_columns(left_t=pl.col("entered_t").shift(-1).fill_null(end_t))
        .with_columns(duration_s=(pl.col("left_t") - pl.col("entered_t")).round(3))
    )
    return rows(frame.drop("left_t"))


def timeline(ev: pl.DataFrame) -> list[dict[str, Any]]:
    """The drill's decisive events in order: what happened, to what, by whom, with the detail that matters."""
    t = pl.col("type")
    subject = pl.coalesce("step", "trigger", "injection", "escalation", "phase", "option")
    detail = (
        pl.when(t == EventType.DECISION_MADE)
        .then(pl.format("{} (expected: {})", pl.col("rationale"), pl.col("expected")))
        .when(t == EventType.TRIGGER_FIRED)
        .then(pl.format("{} = {}", pl.col("signal"), pl.col("value").round(4)))
        .when(t == EventType.SCENARIO_INJECTED)
        .then(
            pl.format(
                "{} {} on {}",
                pl.when(pl.col("transient")).then(pl.lit("transient")).otherwise(pl.lit("fault")),
                pl.col("kind"),
                pl.col("signal"),
            )
        )
        .when(t.is_in((EventType.STEP_SUCCEEDED, EventType.STEP_FAILED)))
        .then(pl.format("attempt {}, {}s", pl.col("attempt"), pl.col("duration").round(3)))
        .when(t == EventType.STEP_STARTED)
        .then(pl.format("attempt {}", pl.col("attempt")))
        .when(t == EventType.GATE_APPROVED)
        .then(pl.format("approved by {}", pl.col("approver")))
        .when(t == EventType.FIDELITY_MEASURED)
        .then(pl.format("match {}, max deviation {}", pl.col("match_rate"), pl.col("max_deviation")))
        .when(t == EventType.ESCALATION_RAISED)
        .then(pl.col("message"))
        .when(t == EventType.SESSION_ENDED)
        .then(pl.format("{}: {}", pl.col("outcome"), pl.col("reason")))
        .otherwise(pl.coalesce("reason", "error"))
    )
    frame = ev.filter(t.is_in(TIMELINE_TYPES)).select("t", "type", "actor", subject=subject, detail=detail)
    return rows(frame)


def review(ev: pl.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Lessons learned and action items recorded in the review."""
    lessons = ev.filter(is_(EventType.REVIEW_LESSON)).select("t", "actor", "text")
    actions = ev.filter(is_(EventType.REVIEW_ACTION)).select("t", "actor", "text", "owner", "due")
    return rows(lessons), rows(actions)


def notes(ev: pl.DataFrame) -> list[dict[str, Any]]:
    """Notes taken during the drill."""
    return rows(ev.filter(is_(EventType.NOTE_ADDED)).select("t", "actor", "text"))


def escalations(ev: pl.DataFrame) -> list[dict[str, Any]]:
    """Every escalation raised, in order."""
    return rows(
        ev.filter(is_(EventType.ESCALATION_RAISED)).select("t", "escalation", "kind", "subject", "late_s", "message")
    )


def teardown(path: Path) -> list[dict[str, Any]]:
    """Each teardown action from the log's lines alone (no playbook to fold with): what, ok or failed, and when."""
    # Read apart from the event frame: a teardown's `action` is text, a step's is an object.
    data = pl.Struct({"action": pl.String, "error": pl.String})
    dtype = pl.Struct({"t": pl.Float64, "type": pl.String, "data": data})
    lines = _lines([path], pl.col("line").str.contains('"teardown.', literal=True))
    frame = decode(lines, dtype).unnest("e").filter(pl.col("type").str.starts_with("teardown.")).sort("row")
    failed = pl.col("type") == EventType.TEARDOWN_FAILED
    return rows(
        frame.unnest("data").select(
            "t", "action", result=pl.when(failed).then(pl.lit("failed")).otherwise(pl.lit("ok")), reason="error"
        )
    )


def markers(ev: pl.DataFrame, h: dict[str, Any]) -> list[dict[str, Any]]:
    """Moments to mark on the signal charts: injections, triggers fired, the decision, the rollback."""
    inj = ev.filter(is_(EventType.SCENARIO_INJECTED)).select(
        "t",
        kind=pl.when(pl.col("transient")).then(pl.lit("spike")).otherwise(pl.lit("injection")),
        label="injection",
        signal="signal",
    )
    fired = ev.filter(is_(EventType.TRIGGER_FIRED)).select(
        "t", kind=pl.lit("trigger"), label="trigger", signal="signal"
    )
    out = rows(pl.concat([inj, fired]).sort("t", maintain_order=True))
    if h["decision_t"] is not None:
        out.append({"t": h["decision_t"], "kind": "decision", "label": h["decision_option"], "signal": None})
    if h["rollback_t"] is not None:
        out.append({"t": h["rollback_t"], "kind": "rollback", "label": h["rollback_step"], "signal": None})
    return sorted(out, key=lambda m: m["t"])
