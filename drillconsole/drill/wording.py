"""One vocabulary for people: drill clock `T+mm:ss`, durations `1m05s`, and every event as one readable line.

The console's timeline, the replay's markers, the report and the headless
progress lines all word events here, so a drill reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event

if TYPE_CHECKING:  # the console imports this module before its first frame: no playbook models yet
    from drillconsole.playbook.models import Playbook


def format_duration(seconds: float | None) -> str:
    """Render seconds compactly: `42s`, `2m05s`, `1h02m` (never negative: a duration is at least zero)."""
    if seconds is None:
        return "—"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def format_clock(seconds: float) -> str:
    """Render drill time as `T+mm:ss` (or `T+h:mm:ss` past an hour)."""
    s = max(0, int(seconds))
    if s >= 3600:
        return f"T+{s // 3600}:{(s % 3600) // 60:02d}:{s % 60:02d}"
    return f"T+{s // 60:02d}:{s % 60:02d}"


HIDDEN = frozenset({EventType.SIGNAL_SAMPLE, EventType.LOG_SEALED})
"""Events never shown: samples are what the panels draw."""

KINDS = (
    "session",
    "phase",
    "signal",
    "trigger",
    "decision",
    "checklist",
    "gate",
    "step",
    "verify",
    "escalation",
    "note",
    "comms",
    "review",
    "access",
)
"""Timeline filter kinds, in the order the filter cycles through them."""

_KIND_OF = {
    "fidelity": "verify",
    "consistency": "verify",
    "reconcile": "verify",
    "discrepancy": "verify",
    "source": "signal",
    "scenario": "signal",
    "participant": "session",
    "role": "session",
}


@dataclass(frozen=True)
class TimelineLine:
    """One readable line of the timeline."""

    seq: int
    t: float
    actor: str
    kind: str
    type: str
    text: str

    @property
    def clock(self) -> str:
        return format_clock(self.t)


def kind_of(event_type: str) -> str:
    """The filter kind of an event type (`gate.approved` → `gate`)."""
    head = event_type.split(".", 1)[0]
    return _KIND_OF.get(head, head)


def _n(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


_TEXT: dict[str, Callable[[dict[str, Any]], str]] = {
    EventType.SESSION_STARTED: lambda d: (
        f"drill {d.get('drill')} started ({d.get('environment')}, seed {d.get('seed')})"
    ),
    EventType.SESSION_RESUMED: lambda d: f"session resumed from event {d.get('from_seq')}",
    EventType.SESSION_ENDED: lambda d: f"drill ended: {d.get('outcome')} — {d.get('reason', '')}",
    EventType.SIGNAL_STATE: lambda d: (
        f"{d['signal']} {d.get('prev')} → {d['state']} "
        + (f"({d['reason']})" if d.get("reason") else f"({_n(d.get('value'))})")
    ),
    EventType.SOURCE_ERROR: lambda d: f"{d['signal']} source error: {d.get('error')} (miss {d.get('misses')})",
    EventType.SCENARIO_INJECTED: lambda d: f"injection {d['injection']} on {d['signal']} ({d['kind']})",
    EventType.TRIGGER_FIRED: lambda d: (
        f"TRIGGER {d['trigger']} fired on {d['signal']} ({_n(d.get('value'))})"
        + (f" → proposes {d['proposes']}" if d.get("proposes") else "")
    ),
    EventType.TRIGGER_CLEARED: lambda d: f"trigger {d['trigger']} cleared ({_n(d.get('value'))})",
    EventType.PHASE_ENTERED: lambda d: f"phase → {d['phase']}",
    EventType.DECISION_MADE: lambda d: f"DECISION {d['option']}: {d.get('rationale', '')}",
    EventType.CHECKLIST_CHECKED: lambda d: f"checked {d['role']}/{d['item']}" + (" (late)" if d.get("late") else ""),
    EventType.CHECKLIST_UNCHECKED: lambda d: f"unchecked {d['role']}/{d['item']}",
    EventType.GATE_REQUESTED: lambda d: f"gate of {d['step']} requested; approvers {', '.join(d.get('approvers', []))}",
    EventType.GATE_APPROVED: lambda d: (
        f"gate of {d['step']} APPROVED by {d.get('approver')}"
        + (" (two-person rule NOT held: one person holds every role)" if d.get("two_person_held") is False else "")
    ),
    EventType.GATE_REJECTED: lambda d: f"gate of {d['step']} rejected by {d.get('approver')}: {d.get('reason', '')}",
    EventType.GATE_EXPIRED: lambda d: f"gate of {d['step']} expired unapproved",
    EventType.STEP_STARTED: lambda d: (
        f"step {d['step']} started (attempt {d.get('attempt')})" + (" retry" if d.get("retry") else "")
    ),
    EventType.STEP_SUCCEEDED: lambda d: f"step {d['step']} succeeded",
    EventType.STEP_FAILED: lambda d: (
        f"step {d['step']} FAILED: {d.get('error')}" + (" — will retry" if d.get("will_retry") else "")
    ),
    EventType.STEP_SKIPPED: lambda d: f"step {d['step']} skipped: {d.get('reason', '')}",
    EventType.STEP_UNDONE: lambda d: f"step {d['step']} undone",
    EventType.STEP_RETRYING: lambda d: (
        f"{'undo of ' if d.get('undo') else 'step '}{d['step']}: {d.get('error')} — retrying in {d['retry_in']:g}s"
        f" (attempt {d['next_try']} of {d['tries']})"
    ),
    EventType.TEARDOWN_DONE: lambda d: f"teardown: {d['action']}",
    EventType.TEARDOWN_FAILED: lambda d: f"teardown FAILED: {d['action']}: {d.get('error')}",
    EventType.VERIFY_PASSED: lambda d: f"verification {d['step']} passed",
    EventType.VERIFY_FAILED: lambda d: f"verification {d['step']} FAILED: {d.get('reason', '')}",
    EventType.FIDELITY_MEASURED: lambda d: (
        f"fidelity match {d.get('match_rate', 0):.1%} vs v{d.get('reference')} reference"
        + (" ✓" if d.get("passed") else " ✖")
        + (f" (step {d['step']})" if d.get("step") != "fidelity" else "")
    ),
    EventType.CONSISTENCY_CHECKED: lambda d: _consistency(d),
    EventType.RECONCILE_RECORDED: lambda d: (
        f"reconcile {d['step']}: {d.get('scored', 0):,} records scored by v{d.get('suspect')}; "
        + ", ".join(f"{sid} {x.get('handled', 0):,} {_done(d)}" for sid, x in (d.get("systems") or {}).items())
    ),
    EventType.DISCREPANCY_RESIDUAL: lambda d: (
        f"RESIDUAL DISCREPANCY {d.get('count', 0):,} records unreconciled in {', '.join(d.get('systems', []))}"
        f" (owner {d.get('owner')}): {d.get('reason', '')}"
    ),
    EventType.ESCALATION_RAISED: lambda d: (
        f"ESCALATION {d.get('message') or d.get('subject')} (late: {', '.join(d.get('late_roles', []))})"
    ),
    EventType.NOTE_ADDED: lambda d: f"note: {d.get('text', '')}",
    EventType.COMMS_SENT: lambda d: f"sent to {d.get('channel')}: {d.get('text', '')}",
    EventType.REVIEW_LESSON: lambda d: f"lesson: {d.get('text', '')}",
    EventType.REVIEW_ACTION: lambda d: f"action item for {d.get('owner')} due {d.get('due')}: {d.get('text', '')}",
    EventType.PARTICIPANT_JOINED: lambda d: (
        f"{d['person']} joined via {d.get('via')} holding {', '.join(d.get('roles', [])) or 'no role'}"
    ),
    EventType.PARTICIPANT_LEFT: lambda d: f"{d['person']} left: {d.get('reason', '')}",
    EventType.ROLE_ASSUMED: lambda d: f"{d['person']} now holds {d['role']}",
    EventType.ROLE_RENOUNCED: lambda d: f"{d['person']} gave up {d['role']}: {d.get('reason', '')}",
    EventType.ACCESS_DENIED: lambda d: (
        f"REFUSED {d.get('command')}" + (f" {d['step']}" if d.get("step") else "") + f": {d.get('reason', '')}"
    ),
}


def _consistency(d: dict[str, Any]) -> str:
    """`billing on v41 ✓` when all agree; otherwise every dependent still off the live version, named."""
    if d.get("passed"):
        return f"dependents on v{d.get('live_version')} ✓ ({', '.join(d.get('dependents') or {})})"
    deps = d.get("dependents") or {}
    named = ", ".join(
        f"{dep} still on v{deps.get(dep, {}).get('version')}"
        if deps.get(dep, {}).get("version")
        else f"{dep} unreadable"
        for dep in d.get("lagging", [])
    )
    return f"DEPENDENTS NOT ON v{d.get('live_version')}: {named} ✖"


def _done(d: dict[str, Any]) -> str:
    return "queued" if d.get("method") == "queue" else "re-scored"


def _late_item(d: dict[str, Any], playbook: Playbook) -> str | None:
    """A late checklist item's escalation by the item's text (a step may share the item's id)."""
    role, _, item_id = str(d.get("subject", "")).partition("/")
    if d.get("kind") != "checklist" or role not in playbook.roles:
        return None
    item = next((i for i in playbook.roles[role].checklist if i.id == item_id), None)
    if item is None:
        return None
    return f"ESCALATION {role} checklist item late: “{item.text}”"


def describe_event(event: Event, playbook: Playbook | None = None) -> TimelineLine | None:
    """The timeline line of an event (checklist items by their text with a playbook), or None if not shown."""
    if event.type in HIDDEN:
        return None
    render = _TEXT.get(event.type)
    try:
        late = _late_item(event.data, playbook) if playbook and event.type == EventType.ESCALATION_RAISED else None
        text = late or (render(event.data) if render else f"{event.type} {event.data}")
    except (KeyError, TypeError, ValueError):
        text = f"{event.type} {event.data}"
    if event.auto:
        text += " [auto]"
    if event.by is not None:
        text += f" — by {event.by}"
    return TimelineLine(event.seq, event.t, event.actor, kind_of(event.type), event.type, text)
