"""Session-log events as readable timeline lines (time, actor, what happened)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drillconsole.durations import format_clock
from drillconsole.log.events import Event

if TYPE_CHECKING:  # the app imports this module before its first frame: no playbook models yet
    from drillconsole.playbook.models import Playbook

HIDDEN = frozenset({"signal.sample"})
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

_KIND_OF = {"fidelity": "verify", "source": "signal", "scenario": "signal"}


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
    "session.started": lambda d: f"drill {d.get('drill')} started ({d.get('environment')}, seed {d.get('seed')})",
    "session.resumed": lambda d: f"session resumed from event {d.get('from_seq')}",
    "session.ended": lambda d: f"drill ended: {d.get('outcome')} — {d.get('reason', '')}",
    "signal.state": lambda d: f"{d['signal']} {d.get('prev')} → {d['state']} ({_n(d.get('value'))})",
    "source.error": lambda d: f"{d['signal']} source error: {d.get('error')} (miss {d.get('misses')})",
    "scenario.injected": lambda d: f"injection {d['injection']} on {d['signal']} ({d['kind']})",
    "trigger.fired": lambda d: (
        f"TRIGGER {d['trigger']} fired on {d['signal']} ({_n(d.get('value'))})"
        + (f" → proposes {d['proposes']}" if d.get("proposes") else "")
    ),
    "trigger.cleared": lambda d: f"trigger {d['trigger']} cleared ({_n(d.get('value'))})",
    "phase.entered": lambda d: f"phase → {d['phase']}",
    "decision.made": lambda d: f"DECISION {d['option']}: {d.get('rationale', '')}",
    "checklist.checked": lambda d: f"checked {d['role']}/{d['item']}" + (" (late)" if d.get("late") else ""),
    "checklist.unchecked": lambda d: f"unchecked {d['role']}/{d['item']}",
    "gate.requested": lambda d: f"gate of {d['step']} requested; approvers {', '.join(d.get('approvers', []))}",
    "gate.approved": lambda d: f"gate of {d['step']} APPROVED by {d.get('approver')}",
    "gate.rejected": lambda d: f"gate of {d['step']} rejected by {d.get('approver')}: {d.get('reason', '')}",
    "gate.expired": lambda d: f"gate of {d['step']} expired unapproved",
    "step.started": lambda d: (
        f"step {d['step']} started (attempt {d.get('attempt')})" + (" retry" if d.get("retry") else "")
    ),
    "step.succeeded": lambda d: f"step {d['step']} succeeded",
    "step.failed": lambda d: (
        f"step {d['step']} FAILED: {d.get('error')}" + (" — will retry" if d.get("will_retry") else "")
    ),
    "step.skipped": lambda d: f"step {d['step']} skipped: {d.get('reason', '')}",
    "step.undone": lambda d: f"step {d['step']} undone",
    "verify.passed": lambda d: f"verification {d['step']} passed",
    "verify.failed": lambda d: f"verification {d['step']} FAILED: {d.get('reason', '')}",
    "fidelity.measured": lambda d: (
        f"fidelity match {d.get('match_rate', 0):.1%} vs v{d.get('reference')} reference"
        + (" ✓" if d.get("passed") else " ✖")
        + (f" (step {d['step']})" if d.get("step") != "fidelity" else "")
    ),
    "escalation.raised": lambda d: (
        f"ESCALATION {d.get('message') or d.get('subject')} (late: {', '.join(d.get('late_roles', []))})"
    ),
    "note.added": lambda d: f"note: {d.get('text', '')}",
    "access.denied": lambda d: (
        f"REFUSED {d.get('command')}" + (f" {d['step']}" if d.get("step") else "") + f": {d.get('reason', '')}"
    ),
    "comms.sent": lambda d: f"sent to {d.get('channel')}: {d.get('text', '')}",
    "review.lesson": lambda d: f"lesson: {d.get('text', '')}",
    "review.action": lambda d: f"action item for {d.get('owner')} due {d.get('due')}: {d.get('text', '')}",
}


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
        late = _late_item(event.data, playbook) if playbook and event.type == "escalation.raised" else None
        text = late or (render(event.data) if render else f"{event.type} {event.data}")
    except (KeyError, TypeError, ValueError):
        text = f"{event.type} {event.data}"
    if event.auto:
        text += " [auto]"
    return TimelineLine(event.seq, event.t, event.actor, kind_of(event.type), event.type, text)
