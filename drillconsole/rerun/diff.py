"""Compare a re-run with the drill it re-ran: outcome, the sequence of what happened, refused inputs, every metric."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from drillconsole.drill.wording import format_clock
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.rerun.metrics import METRICS, Metric, show
from drillconsole.rerun.run import Rerun, RerunError

DEFAULT_TOLERANCE = 0.10
SEQUENCE_TYPES = frozenset(
    {
        EventType.DECISION_MADE,
        EventType.GATE_APPROVED,
        EventType.GATE_REJECTED,
        EventType.GATE_EXPIRED,
        EventType.STEP_SUCCEEDED,
        EventType.STEP_FAILED,
        EventType.STEP_SKIPPED,
        EventType.STEP_UNDONE,
    }
)
"""What the compared sequence is made of: decisions, gate outcomes and step results."""


@dataclass(frozen=True)
class Entry:
    """One moment of the sequence: a decision, a gate outcome or a step result (compared without its time)."""

    t: float
    text: str


@dataclass
class Diff:
    """The comparison, as lines for people, and the findings that make it a regression."""

    lines: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    @property
    def regression(self) -> bool:
        """Whether anything changed beyond tolerance."""
        return bool(self.findings)


def sequence(events: list[Event]) -> list[Entry]:
    """The decisions, gate outcomes and step results of a drill, in order."""
    out = []
    for e in events:
        if e.type not in SEQUENCE_TYPES:
            continue
        d, step = e.data, e.data.get("step")
        text = {
            EventType.DECISION_MADE: f"decision {d.get('option')} by {e.actor}",
            EventType.GATE_APPROVED: f"gate {step} approved by {e.actor}",
            EventType.GATE_REJECTED: f"gate {step} rejected by {e.actor}",
            EventType.GATE_EXPIRED: f"gate {step} expired",
            EventType.STEP_SUCCEEDED: f"step {step} succeeded",
            EventType.STEP_FAILED: f"step {step} failed{' (undo)' if d.get('undo') else ''}",
            EventType.STEP_SKIPPED: f"step {step} skipped by {e.actor}",
            EventType.STEP_UNDONE: f"step {step} undone",
        }[EventType(e.type)]
        out.append(Entry(e.t, text))
    return out


def outcome(events: list[Event]) -> str:
    """The drill's outcome, or `unfinished`."""
    ended = [e for e in events if e.type == EventType.SESSION_ENDED]
    return str(ended[-1].data.get("outcome")) if ended else "unfinished"


def parse_tolerance(text: str) -> float:
    """`10%` (or `10`) as the fraction 0.1; RerunError if it is not a percentage."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", text)
    if match is None:
        raise RerunError(f"--tolerance: '{text}' is not a percentage (e.g. 10%)")
    return float(match.group(1)) / 100.0


def parse_overrides(items: tuple[str, ...]) -> dict[str, float]:
    """`METRIC=PCT` pairs, each naming a known metric."""
    known = {m.key for m in METRICS}
    out = {}
    for item in items:
        key, _, pct = item.partition("=")
        if key not in known:
            raise RerunError(f"--tolerance-for: unknown metric '{key}' (choose {', '.join(sorted(known))})")
        out[key] = parse_tolerance(pct)
    return out


def _within(old: float | None, new: float | None, tolerance: float) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return abs(new - old) <= tolerance * abs(old) + 1e-9


def _change(metric: Metric, old: float | None, new: float | None) -> str:
    if old is None or new is None or old == new:
        return "same" if old == new else "appeared" if old is None else "gone"
    worse = (new > old) == (metric.better == "lower")
    rel = f" {(new - old) / abs(old):+.0%}" if old else ""
    return f"{'worse' if worse else 'better'}{rel}"


def compare(
    run: Rerun,
    old_metrics: dict[str, float | None],
    new_metrics: dict[str, float | None],
    tolerance: float = DEFAULT_TOLERANCE,
    overrides: dict[str, float] | None = None,
    playbook_changes: list[str] | None = None,
) -> Diff:
    """The diff of a re-run against its original; any finding makes it a regression."""
    diff = Diff()
    old_out, new_out = outcome(run.original.events), outcome(run.events)
    same = "same" if old_out == new_out else "CHANGED"
    diff.lines.append(f"outcome: {old_out} → {new_out} ({same})")
    if old_out != new_out:
        diff.findings.append(f"outcome {old_out} → {new_out}")
    if playbook_changes:
        diff.lines.append("playbook changes:")
        diff.lines += [f"  {c}" for c in playbook_changes]
    _sequence(diff, sequence(run.original.events), sequence(run.events))
    _refusals(diff, run)
    diff.lines.append(f"metrics (tolerance {tolerance:.0%}):")
    for metric in METRICS:
        old, new = old_metrics.get(metric.key), new_metrics.get(metric.key)
        allowed = (overrides or {}).get(metric.key, tolerance)
        ok = _within(old, new, allowed)
        mark = "" if ok else f"  ✗ beyond {allowed:.0%}"
        diff.lines.append(
            f"  {metric.label:<22} {show(metric, old):>8} → {show(metric, new):<8} {_change(metric, old, new)}{mark}"
        )
        if not ok:
            diff.findings.append(f"{metric.label} {show(metric, old)} → {show(metric, new)}")
    return diff


def _sequence(diff: Diff, old: list[Entry], new: list[Entry]) -> None:
    matcher = difflib.SequenceMatcher(a=[e.text for e in old], b=[e.text for e in new], autojunk=False)
    if matcher.ratio() == 1.0:
        diff.lines.append(f"sequence: same ({len(old)} decisions, gate outcomes and step results)")
        return
    diff.lines.append("sequence: CHANGED (- before, + now)")
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for e in old[i1:i2]:
            diff.lines.append(f"  - {format_clock(e.t)}  {e.text}")
            diff.findings.append(f"no longer: {e.text}")
        for e in new[j1:j2]:
            diff.lines.append(f"  + {format_clock(e.t)}  {e.text}")
            diff.findings.append(f"now: {e.text}")


def _refusals(diff: Diff, run: Rerun) -> None:
    lines = []
    for recorded, verdict in zip(run.inputs, run.verdicts, strict=True):
        before, now = recorded.refused_before, verdict
        if before is None and now is not None:
            lines.append(f"  {recorded.describe()}: accepted before, refused now: {now}")
            diff.findings.append(f"refused: {recorded.describe()} ({now})")
        elif before is not None and now is None:
            lines.append(f"  {recorded.describe()}: refused before ({before}), accepted now")
            diff.findings.append(f"accepted: {recorded.describe()}")
    refused_both = sum(1 for r, v in zip(run.inputs, run.verdicts, strict=True) if r.refused_before and v)
    note = f"; {refused_both} refused before and now" if refused_both else ""
    diff.lines.append(f"inputs: {len(run.inputs)} re-issued, {len(lines)} answered differently{note}")
    diff.lines += lines
