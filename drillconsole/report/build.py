"""The after-action report of one session log, as one JSON-ready dict that every format renders."""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillconsole.drill import metrics, summary
from drillconsole.report import downstream, sections
from drillconsole.report.folded import fold_lifecycle
from drillconsole.report.load import Loaded, load_log, read_header
from drillconsole.report.metrics import headline, plan_frame, trigger_episodes
from drillconsole.report.playbook import PlaybookInfo, playbook_info

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Report:
    """The report's data, the loaded log it came from, and warnings for stderr."""

    data: dict[str, Any]
    loaded: Loaded
    info: PlaybookInfo
    warnings: list[str] = field(default_factory=list)
    broken: str | None = None
    """Why the log fails `verify` (one line), or None."""


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _chain(path: Path, verify: bool | None) -> tuple[dict[str, Any], str | None, str | None]:
    """Verification fields, a warning line if the log is not whole (or unchecked), and why it fails `verify`."""
    from drillconsole.log.verify import check

    if verify is False:
        note = f"hash chain and seals not verified (--no-verify); run `drillconsole verify {path}`"
        fields = {"chain_verified": False, "chain_ok": None, "chain_problem": None, "verification": None}
        return fields, note, None
    verdict = check(path)
    scan = verdict.scan
    problem = None if scan.ok else {"line": scan.bad_line, "problem": scan.problem}
    fields = {
        "chain_verified": True,
        "chain_ok": scan.ok,
        "chain_problem": problem,
        "verification": {
            "ok": verdict.ok,
            "verdict": verdict.line.replace(str(path), path.name),
            "signed_by": list(verdict.signed_by),
            "complete": verdict.complete,
            "events": scan.events,
            "head_seq": scan.head_seq,
            "head_hash": scan.head_hash,
        },
    }
    if not scan.ok:
        note = f"{path}:{scan.bad_line}: {scan.problem}; hash chain broken, report computed from the lines as written"
        return fields, note, verdict.line
    if not verdict.ok:
        return fields, f"verification failed: {verdict.line}", verdict.line
    return fields, None, None


def _signals(header_data: dict[str, Any]) -> list[dict[str, Any]]:
    """The signals and their bands, as `session.started` recorded them."""
    out = []
    for s in header_data.get("signals") or []:
        if isinstance(s, dict) and isinstance(s.get("id"), str):
            bands = s.get("bands") if isinstance(s.get("bands"), dict) else {}
            out.append({"id": s["id"], "title": s.get("title") or s["id"], "unit": s.get("unit") or "", "bands": bands})
    return out


def build_report(path: Path, verify: bool | None = None, loading: Future[Loaded] | None = None) -> Report:
    """Load, verify (chain and seals, unless told not to), and compute every section; raises OSError or NotASessionLog.

    `loading`: the log's `load_log`, already under way (`report_command` starts it before importing this module).
    """
    path = Path(path)
    head = read_header(path)
    with ThreadPoolExecutor(
        2
    ) as pool:  # validating the playbook and verifying overlap the scan (polars works outside the GIL)
        pending = pool.submit(playbook_info, head)
        checked = pool.submit(_chain, path, verify)
        loaded = load_log(path, head) if loading is None else loading.result()
        info = pending.result()
        chain, chain_note, broken = checked.result()
    ev, hd = loaded.events, head.get("data") or {}
    warnings = [chain_note] if chain_note else []
    if not info.loaded:
        warnings.append(
            f"playbook not loaded ({info.problem}); rollback step guessed, missed checklist items counted from the log only"
        )
    elif info.problem is not None:
        warnings.append(info.problem)
    elif info.hash_matches is False:
        warnings.append(f"playbook {info.path} has changed since the drill; step and checklist details may not match")
    h = headline(ev, plan_frame({str(path): info})).to_dicts()[0]
    roster = hd.get("roster") if isinstance(hd.get("roster"), dict) else {}
    episodes = trigger_episodes(ev).drop("log", "row")
    state = fold_lifecycle(path, info.playbook, loaded.lines) if info.playbook is not None else None
    measured = metrics.compute(state) if state is not None else None
    if measured is not None:  # the drill model's metrics replace the line-level estimates (docs/metrics.md)
        h.update(
            {
                "outcome": measured.outcome,
                "end_reason": measured.end_reason,
                "time_to_detect_s": measured.time_to_detect_s,
                "time_to_decision_s": measured.time_to_decision_s,
                "time_to_rollback_s": measured.time_to_rollback_s,
                "time_to_restore_s": measured.time_to_restore_s,
                "rollback_step": measured.rollback_step,
                "rollback_attempts": measured.rollback_attempts,
                "rollback_success_rate": measured.rollback_success_rate,
                "false_alarms": measured.false_alarms,
                "fault_t": measured.impact_t,
                "trigger_t": measured.detection_t,
                "decision_t": measured.decision_t,
                "rollback_t": measured.rollback_t,
                "restored_t": measured.restored_t,
                "fidelity_measured": measured.fidelity is not None,
            }
        )
        if measured.fidelity is not None:
            h["fidelity_match_rate"] = measured.fidelity.match_rate
            h["fidelity_max_deviation"] = measured.fidelity.max_deviation
            h["fidelity_passed"] = measured.fidelity.passed
    if state is not None:
        decision = summary.decision_row(state)
        review = summary.review_rows(state)
        lessons, actions, notes = review["lessons"], review["action_items"], review["notes"]
    else:  # an old log whose playbook is gone: what polars can still say from the lines alone
        lessons, actions = sections.review(ev)
        notes = sections.notes(ev)
        decision = None
        if h["decided"]:
            decision = {
                "option": h["decision_option"],
                "expected": h["decision_expected"],
                "rationale": h["decision_rationale"],
                "actor": h["decision_actor"],
                "proposed": h["decision_proposed"],
                "t": h["decision_t"],
            }
    fidelity = None
    if h["fidelity_measured"]:
        fidelity = {
            "match_rate": h["fidelity_match_rate"],
            "max_deviation": h["fidelity_max_deviation"],
            "passed": h["fidelity_passed"],
        }
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "log": path.name,
        "drill": hd.get("drill"),
        "title": hd.get("title"),
        "model": hd.get("model"),
        "environment": hd.get("environment"),
        "playbook": hd.get("playbook"),
        "playbook_loaded": info.loaded,
        "seed": hd.get("seed"),
        "versions": hd.get("versions"),
        "started_at": head.get("ts"),
        "duration_s": loaded.end_t,
        "outcome": h["outcome"],
        "end_reason": h["end_reason"],
        **chain,
        "time_to_detect_s": h["time_to_detect_s"],
        "time_to_decision_s": h["time_to_decision_s"],
        "time_to_rollback_s": h["time_to_rollback_s"],
        "time_to_restore_s": h["time_to_restore_s"],
        "time_to_restore_from_detection_s": measured.time_to_restore_from_detection_s if measured else None,
        "detected_by": measured.detected_by if measured else None,
        "impact_source": measured.impact_source if measured else None,
        "rollback_step": h["rollback_step"],
        "rollback_attempts": h["rollback_attempts"],
        "rollback_success_rate": h["rollback_success_rate"],
        "restoration_fidelity": fidelity,
        "false_alarms": h["false_alarms"],
        "false_alarm_triggers": measured.false_alarm_triggers if measured else None,
        "escalations_raised": measured.escalations if measured else None,
        "adherence": measured.adherence if measured else None,
        "moments": {k: h[k] for k in ("fault_t", "trigger_t", "decision_t", "rollback_t", "restored_t")},
        "decision": decision,
        "triggers": sections.rows(episodes),
        "roles": summary.role_rows(state) if state else sections.roles(ev, info, roster),
        "gates": summary.gate_rows(state) if state else sections.gates(ev, info),
        "escalations": summary.escalation_rows(state) if state else sections.escalations(ev),
        "notes": notes,
        "lessons": lessons,
        "action_items": actions,
        "steps": summary.step_rows(state) if state else sections.steps(ev, info, decision),
        "phases": summary.phase_rows(state, loaded.end_t) if state else sections.phases(ev, loaded.end_t),
        "timeline": sections.timeline(ev),
        "teardown": summary.teardown_rows(state) if state else sections.teardown(path),
        "teardown_declared": len(info.playbook.teardown) if info.playbook is not None else None,
        "signals": _signals(hd),
        "markers": sections.markers(ev, h),
        "warnings": [w.replace(str(path), path.name) for w in warnings],
        **downstream.sections_of(state, measured),
    }
    return Report(_clean(data), loaded, info, warnings, broken)
