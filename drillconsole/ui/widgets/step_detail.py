"""The selected step in full: exactly what it will do, its gate, its state and result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from textual.markup import escape

from drillconsole.drill.wording import format_duration
from drillconsole.ui.present import clock, step_status
from drillconsole.ui.widgets.live_text import LiveText

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState
    from drillconsole.playbook.models import Action, Playbook, Step

GATE_WORDS = {
    "none": "not yet requested (running the step requests it)",
    "requested": "requested, awaiting approval",
}
"""How a gate's status reads in the detail pane (the raw `none` says nothing)."""


def action_lines(action: Action, playbook: Playbook) -> list[str]:
    """What an action will do: the summary line, then its exact fields (secrets masked)."""
    from drillconsole.actions.describe import describe, summary  # with the playbook models

    d: dict[str, Any] = describe(action, playbook)
    lines = [f"[b]Will do: [/b]{escape(summary(action, playbook))}"]
    kind = d["type"]
    if kind == "http":
        for name, value in (d.get("headers") or {}).items():
            lines.append(f"  header {escape(name)}: {escape(str(value))}")
    elif kind == "command":
        lines.append(f"  argv: {escape(repr(d['argv']))}" + (f"  cwd {escape(d['cwd'])}" if d.get("cwd") else ""))
    return lines


def _what(step: Step, playbook: Playbook) -> list[str]:
    if step.action is not None:
        return action_lines(step.action, playbook)
    if step.verify is not None:
        v = step.verify
        return [
            f"[b]Will check: [/b]{escape(', '.join(v.signals))} at most {v.state} within "
            f"{format_duration(v.within)}, held {format_duration(v.hold)}"
        ]
    if step.kind == "fidelity":
        f = step.fidelity
        probes = (
            f"{f.probes} probes, tolerance {f.tolerance:g}, min match {f.min_match:.0%}" if f else "default probe set"
        )
        return [
            f"[b]Will measure: [/b]live outputs vs v{escape(playbook.drill.versions.known_safe)} reference ({probes})"
        ]
    if step.kind == "decision":
        return ["[b]Options: [/b]" + escape(", ".join(f"{o.id} ({o.title})" for o in step.options))]
    return ["[b]Manual: [/b]a person does it; running it records who did"]


def result_text(result: dict[str, Any]) -> str:
    """A step result as `key=value` pairs; a nested mapping reads `key: a=x, b=y` (not a Python dict)."""
    parts = []
    for key, value in result.items():
        if key == "delivered":  # no webhook configured: the message is in the log, nobody was sent anything
            parts.append("delivered" if value else "recorded in the log (no webhook, not sent)")
        elif isinstance(value, dict):
            parts.append(f"{key}: " + ", ".join(f"{k}={v}" for k, v in value.items()))
        else:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


class Approvers(Protocol):
    """Who may approve a gate now: the live drill's rules, or the replay's at the replayed moment."""

    def allowed_approvers(self, step: Step) -> list[str]: ...


class StepDetail(LiveText):
    """Detail pane of the selected step."""

    DEFAULT_CSS = """
    StepDetail {
        height: auto;
        max-height: 50%;
        border-top: solid $panel-edge;
        padding: 0 1;
    }
    """

    def __init__(self, state: DrillState, seat: Approvers, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._state = state
        self._seat = seat
        self.step_id: str | None = None

    def show(self, now: float) -> None:
        """Repaint the selected step when anything shown changed."""
        if self.step_id is None:
            return
        self.show_markup("\n".join(self._lines(self._state.playbook.step(self.step_id), now)))

    def _lines(self, step: Step, now: float) -> list[str]:
        from drillconsole.actions.describe import summary
        from drillconsole.drill import flow

        s, pb = self._state, self._state.playbook
        view = s.steps[step.id]
        head = f"[b]{escape(step.title)} [/b] [dim]{escape(step.id)} · {step.kind} · {step.phase.value} · owner {escape(step.owner)}[/dim]"
        # Where the step stands comes first: the pane shows at most a few lines, and the status is what is read most.
        state = f"[b]Status: [/b]{step_status(view)}"
        if view.attempts:
            state += f" · attempt {view.attempts}"
        if view.status == "pending" and not s.ended:
            blocker = flow.blocker(s, step)
            if blocker:
                state += f" · [dim]{escape(blocker)}[/dim]"
        lines = [head, state]
        if view.error:
            lines.append(f"[b $band-critical]Error: [/]{escape(view.error)}")
        if view.skip_reason:
            lines.append(f"[b]Skipped: [/b]{escape(view.skip_reason)}")
        if view.result and view.status in ("succeeded", "undone"):
            lines.append("[b]Result: [/b]" + escape(result_text(view.result)))
        if step.description:
            lines.append(f"[dim]{escape(step.description)}[/dim]")
        lines += _what(step, pb)
        if step.gate is not None:
            gate = s.gates[step.id]
            allowed = ", ".join(self._seat.allowed_approvers(step)) or "nobody"
            rule = " (two-person)" if step.gate.two_person else ""
            lines.append(
                f"[b]Gate: [/b]{GATE_WORDS.get(gate.status, gate.status)} · approvers {escape(allowed)}{rule}"
                f" · timeout {format_duration(step.gate.timeout)}"
            )
            if gate.status == "requested" and gate.expires_t is not None:
                lines.append(
                    f"  requested by {escape(gate.requested_by or '?')} {clock(gate.requested_t)}, "
                    f"expires {clock(gate.expires_t)} (in {format_duration(max(0.0, gate.expires_t - now))})"
                )
        if step.undo is not None:
            lines.append(
                f"[b]Undo: [/b]{'restore the prior value' if step.undo == 'restore' else escape(summary(step.undo, pb))}"
            )
        return lines
