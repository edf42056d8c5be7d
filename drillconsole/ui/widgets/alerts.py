"""Alerts: fired triggers with the decision they propose, pending gates, and who is late."""

from __future__ import annotations

from textual.markup import escape

from drillconsole.drill.state import DrillState
from drillconsole.drill.wording import format_duration
from drillconsole.ui.present import GATE_MARK, clock
from drillconsole.ui.widgets.live_text import LiveText

ESCALATIONS_SHOWN = 3
"""Most recent escalations listed."""


class Alerts(LiveText):
    """A short list; empty means nothing needs anyone's attention."""

    DEFAULT_CSS = """
    Alerts {
        height: auto;
        max-height: 8;
        padding: 0 1;
        border: round $band-critical;
        border-title-color: $band-critical;
        &.-quiet { border: round $panel-edge; border-title-color: $text-muted; }
    }
    """

    def __init__(self, state: DrillState, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._state = state
        self.border_title = "Alerts"

    def show(self, now: float) -> None:
        """Repaint when the alerts changed."""
        lines = self._lines(now)
        markup = "\n".join(lines) if lines else "[dim]no alerts[/dim]"
        self.set_class(not lines, "-quiet")
        self.show_markup(markup)

    def _lines(self, now: float) -> list[str]:
        s, pb = self._state, self._state.playbook
        lines: list[str] = []
        for trig in pb.triggers:
            tv = s.triggers[trig.id]
            if not tv.active:
                continue
            if s.decision:  # once decided, what was decided matters more than what was proposed (and fits one line)
                outcome = f" · decided [b]{escape(s.decision['option'])}[/b]"
            else:
                outcome = f" → proposes [b]{escape(trig.proposes)}[/b]" if trig.proposes else ""
            lines.append(
                f"[b $band-critical]✖ TRIGGER [/]{clock(tv.fired[-1])} {escape(trig.id)} on {escape(trig.signal)}{outcome}"
            )
        if s.fired_order and s.decision is None and not s.ended:
            lines.append(
                f"[b $band-warn]▲ DECISION [/]needed — {format_duration(now - s.fired_order[0][0])} since the first trigger (key d)"
            )
        for sid, gate in s.gates.items():
            if gate.status == "requested" and gate.expires_t is not None:
                lines.append(
                    f"[b $band-warn]{GATE_MARK} GATE [/]{escape(sid)} awaits approval, expires in "
                    f"{format_duration(max(0.0, gate.expires_t - now))} (key a)"
                )
        open_escalations = [e for e in s.escalations if not self._resolved(e)]
        for esc in open_escalations[-ESCALATIONS_SHOWN:]:
            roles = list(esc.get("late_roles", []))
            message = str(esc.get("message") or esc.get("subject", ""))
            # "comms/initial-update is past due — late: comms" says the role twice; name only roles the message does not.
            late = (
                ""
                if roles and all(r in message for r in roles)
                else f" — late: [b]{escape(', '.join(roles) or '?')}[/b]"
            )
            lines.append(f"[b $late]◷ ESCALATION [/]{clock(esc['t'])} {escape(message)}{late}")
        return lines

    def _resolved(self, esc: dict[str, object]) -> bool:
        """Whether what an escalation was about has been dealt with since."""
        s, subject = self._state, str(esc.get("subject", ""))
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
