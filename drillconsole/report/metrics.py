"""The headline metrics of drills, computed with polars over their events, one row per log.

The same expressions serve one report and a trend over a thousand logs: every
aggregation is grouped by `log`.
"""

from __future__ import annotations

import polars as pl

from drillconsole.log.contract import EventType
from drillconsole.report.playbook import PlaybookInfo

PLAN_SCHEMA = {"log": pl.String, "rollback_step": pl.String, "inject_steps": pl.List(pl.String)}


def is_(kind: str) -> pl.Expr:
    """Rows of events of this type."""
    return pl.col("type") == kind


def span(start: str, end: str) -> pl.Expr:
    """Seconds from column `start` to column `end` (null if either is), to the millisecond."""
    return (pl.col(end) - pl.col(start)).round(3)


def plan_frame(plans: dict[str, PlaybookInfo]) -> pl.DataFrame:
    """What each log's playbook says about its rollback and fault-injecting steps."""
    rows = [
        {"log": log, "rollback_step": i.rollback_step, "inject_steps": list(i.inject_steps)} for log, i in plans.items()
    ]
    return pl.DataFrame(rows, schema=PLAN_SCHEMA)


def trigger_episodes(ev: pl.DataFrame) -> pl.DataFrame:
    """Each firing of a trigger with its clearing (if any) and whether it was noise: cleared with no decision in between."""
    trig = (
        ev.filter(is_(EventType.TRIGGER_FIRED) | is_(EventType.TRIGGER_CLEARED))
        .select("log", "row", "t", "type", "trigger", "signal")
        .sort("log", "row")
        .with_columns(
            next_type=pl.col("type").shift(-1).over("log", "trigger"),
            next_t=pl.col("t").shift(-1).over("log", "trigger"),
            next_row=pl.col("row").shift(-1).over("log", "trigger"),
        )
        .filter(is_(EventType.TRIGGER_FIRED))
    )
    cleared = pl.col("next_type") == EventType.TRIGGER_CLEARED
    episodes = trig.select(
        "log",
        "row",
        "trigger",
        "signal",
        fired_t="t",
        cleared_t=pl.when(cleared).then("next_t"),
        cleared_row=pl.when(cleared).then("next_row"),
    )
    decisions = ev.filter(is_(EventType.DECISION_MADE)).select("log", d_row="row")
    decided = (
        episodes.join(decisions, on="log", how="left")
        .group_by("log", "row")
        .agg(decided=((pl.col("d_row") > pl.col("row")) & (pl.col("d_row") < pl.col("cleared_row"))).any())
    )
    return (
        episodes.join(decided, on=["log", "row"], how="left")
        .with_columns(false_alarm=pl.col("cleared_row").is_not_null() & ~pl.col("decided").fill_null(False))
        .sort("log", "row")
        .drop("decided", "cleared_row")
    )


def headline(ev: pl.DataFrame, plan: pl.DataFrame) -> pl.DataFrame:
    """One row per log: the moments of the drill, the times between them, rollback, fidelity, noise, outcome."""
    ev = ev.join(plan, on="log", how="left").sort("log", "row")  # first/last below follow the log's order
    injects = pl.col("inject_steps").fill_null([]).list.contains(pl.col("step")).fill_null(False)
    fault = (is_(EventType.SCENARIO_INJECTED) & ~pl.col("transient").fill_null(False)) | (
        is_(EventType.STEP_SUCCEEDED) & injects
    )
    moved = is_(EventType.STEP_SUCCEEDED) & (pl.col("result_alias").is_not_null() | pl.col("result_flag").is_not_null())
    keys = ev.group_by("log", maintain_order=True).agg(
        fault_t=pl.col("t").filter(fault).min(),
        trigger_t=pl.col("t").filter(is_(EventType.TRIGGER_FIRED)).min(),
        decision_t=pl.col("t").filter(is_(EventType.DECISION_MADE)).first(),
        rollback_step=pl.coalesce(pl.col("rollback_step").first(), pl.col("step").filter(moved).first()),
    )
    ev = ev.drop("rollback_step").join(keys, on="log", how="left").sort("log", "row")
    rb = pl.col("step") == pl.col("rollback_step")
    decision = is_(EventType.DECISION_MADE)
    fidelity = is_(EventType.FIDELITY_MEASURED)
    ended = is_(EventType.SESSION_ENDED)
    frame = ev.group_by("log", maintain_order=True).agg(
        pl.col("fault_t", "trigger_t", "decision_t", "rollback_step").first(),
        rollback_t=pl.col("t")
        .filter(is_(EventType.STEP_SUCCEEDED) & rb & (pl.col("t") >= pl.col("decision_t")))
        .first(),
        restored_t=pl.col("t").filter(is_(EventType.VERIFY_PASSED) & (pl.col("t") >= pl.col("trigger_t"))).first(),
        rollback_attempts=(is_(EventType.STEP_STARTED) & rb).fill_null(False).sum(),
        rollback_successes=(is_(EventType.STEP_SUCCEEDED) & rb).fill_null(False).sum(),
        fidelity_match_rate=pl.col("match_rate").filter(fidelity).last(),
        fidelity_max_deviation=pl.col("max_deviation").filter(fidelity).last(),
        fidelity_passed=pl.col("passed").filter(fidelity).last(),
        fidelity_measured=fidelity.any(),
        outcome=pl.col("outcome").filter(ended).last(),
        end_reason=pl.col("reason").filter(ended).last(),
        decision_option=pl.col("option").filter(decision).first(),
        decision_expected=pl.col("expected").filter(decision).first(),
        decision_rationale=pl.col("rationale").filter(decision).first(),
        decision_actor=pl.col("actor").filter(decision).first(),
        decision_proposed=pl.col("proposed").filter(decision).first(),
        decided=decision.any(),
        last_event_t=pl.col("t").max(),
    )
    noise = trigger_episodes(ev).group_by("log").agg(false_alarms=pl.col("false_alarm").sum())
    return frame.join(noise, on="log", how="left", maintain_order="left").with_columns(
        time_to_detect_s=span("fault_t", "trigger_t"),
        time_to_decision_s=span("trigger_t", "decision_t"),
        time_to_rollback_s=span("decision_t", "rollback_t"),
        time_to_restore_s=span("trigger_t", "restored_t"),
        rollback_success_rate=pl.when(pl.col("rollback_attempts") > 0).then(
            (pl.col("rollback_successes") / pl.col("rollback_attempts")).round(4)
        ),
        false_alarms=pl.col("false_alarms").fill_null(0),
    )
