"""Alerts: pending gates, a decision that is needed, who is late, fired triggers — most urgent, then newest, first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape

from drillconsole.drill.wording import format_duration
from drillconsole.ui.present import GATE_MARK, clock
from drillconsole.ui.widgets.live_text import LiveText

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState

GATE, DECISION, LATE, TRIGGER = range(4)
"""Urgency ranks: a gate expires on its own, a decision is the next move, someone late, then what fired."""


@dataclass(frozen=True)
class Alert:
    """One line of the panel: its urgency rank, when it arose, and its markup."""

    rank: int
    t: float
    markup: str


def escalation_text(state: DrillState, esc: dict[str, Any], now: float) -> str:
    """An escalation in words: a late checklist item reads by its text, not its id (a step may share the id)."""
    subject = str(esc.get("subject", ""))
    if esc.get("kind") == "checklist" and "/" in subject:
        role, item_id = subject.split("/", 1)
        item = (
            next((i for i in state.playbook.roles[role].checklist if i.id == item_id), None)
            if role in state.playbook.roles
            else None
        )
        if item is not None:
            due = state.item_due_t(role, item_id)
            late = f" — {format_duration(max(0.0, now - due))} past due" if due is not None else ""
            return f"[b]{escape(role)} [/b]checklist: “{escape(item.text)}”{late}"
    message = str(esc.get("message") or subject)
    roles = [str(r) for r in esc.get("late_roles", [])]
    # "the gate … has waited 1m" already names who must act when the role is in the message.
    late_roles = (
        "" if roles and all(r in message for r in roles) else f" — waiting on [b]{escape(', '.join(roles) or '?')}[/b]"
    )
    return escape(message) + late_roles


def open_alerts(state: DrillState, now: float) -> list[Alert]:
    """Every alert that needs attention now, most urgent first and newest first within a rank."""
    s, pb = state, state.playbook
    alerts: list[Alert] = []
    for sid, gate in s.gates.items():
        if gate.status == "requested":
            expires = (
                f", expires in {format_duration(max(0.0, gate.expires_t - now))}" if gate.expires_t is not None else ""
            )
            alerts.append(
                Alert(
                    GATE,
                    gate.requested_t or 0.0,
                    f"[b $band-warn]{GATE_MARK} GATE [/]{escape(sid)} awaits approval{expires} (key a)",
                )
            )
    if s.fired_order and s.decision is None and not s.ended:
        first = s.fired_order[0][0]
        alerts.append(
            Alert(
                DECISION,
                first,
                f"[b $band-warn]▲ DECISION [/]needed — {format_duration(now - first)} since the first trigger (key d)",
            )
        )
    for esc in s.escalations:
        if not _resolved(state, esc):
            text = escalation_text(state, esc, now)
            alerts.append(Alert(LATE, float(esc["t"]), f"[b $late]◷ LATE [/]{clock(esc['t'])} {text}"))
    for trig in pb.triggers:
        tv = s.triggers[trig.id]
        if not tv.active:
            continue
        if s.decision:  # once decided, what was decided matters more than what was proposed
            outcome = f" · decided [b]{escape(s.decision['option'])}[/b]"
        else:
            outcome = f" → proposes [b]{escape(trig.proposes)}[/b]" if trig.proposes else ""
        alerts.append(
            Alert(
                TRIGGER,
                tv.fired[-1],
                f"[b $band-critical]✖ TRIGGER [/]{clock(tv.fired[-1])} {escape(trig.id)} on {escape(trig.signal)}{outcome}",
            )
        )
    return sorted(alerts, key=lambda a: (a.rank, -a.t))


def _resolved(state: DrillState, esc: dict[str, Any]) -> bool:
    """Whether what an escalation was about has been dealt with since."""
    s, subject = state, str(esc.get("subject", ""))
    if esc.get("kind") == "checklist" and "/" in subject:
        role, item = subject.split("/", 1)
        check = s.checklist.get((role, item))
        return check is None or check.checked
    if esc.get("kind") == "decision":
        return s.decision is not None
    if esc.get("kind") == "gate":
        gate = s.gates.get(subject.removeprefix("gate ").split("@")[0])
        return gate is None or gate.status != "requested"
    return False


class Alerts(VerticalScroll):
    """Grows with its alerts up to a share of the screen, then scrolls (Tab reaches it); the title counts them."""

    DEFAULT_CSS = """
    Alerts {
        height: auto;
        max-height: 40%;
        padding: 0 1;
        border: round $band-critical;
        border-title-color: $band-critical;
        border-subtitle-color: $text-muted;
        scrollbar-size-vertical: 1;
        &.-quiet { border: round $panel-edge; border-title-color: $text-muted; }
        &:focus { background-tint: $foreground 5%; }
        & > LiveText { height: auto; }
    }
    """

    def __init__(self, state: DrillState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state = state
        self._text = LiveText()
        self.count = 0
        """How many alerts are open."""
        self.border_title = "Alerts"

    def compose(self) -> ComposeResult:
        yield self._text

    def _lines(self, now: float) -> list[str]:
        """The open alerts' markup, in the order shown."""
        return [a.markup for a in open_alerts(self._state, now)]

    def show(self, now: float) -> None:
        """Repaint when the alerts changed; the title says how many are open, the subtitle whether more are below."""
        lines = self._lines(now)
        self.count = len(lines)
        self.set_class(not lines, "-quiet")
        self._text.show_markup("\n".join(lines) if lines else "[dim]no alerts[/dim]")
        title = f"Alerts · {len(lines)} open" if lines else "Alerts"
        if self.border_title != title:
            self.border_title = title
        self._more_below()
        self.call_after_refresh(self._more_below)  # new lines change the scroll range once laid out

    def _more_below(self) -> None:
        subtitle = "more below ↓ (Tab here, then ↓)" if self.max_scroll_y > self.scroll_y else ""
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
