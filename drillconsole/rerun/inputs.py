"""The operator inputs recorded in a session log, as timed `ScriptCommand`s.

A log records effects, not keystrokes, so each input is read back from the
event it wrote, and the events the engine wrote as a *consequence* of an input
are left out: anything by the `engine` actor, the `step.started` that directly
follows a `gate.approved` (the approval ran the step), automatic retries (a
failed step restarted `retry_delay` after it failed), and the `undo of X
requested` note that an undo writes. Confirm phrases are never logged: an
approval takes the phrase of the playbook the re-run uses, so a changed phrase
is not a finding but a changed approver or rule is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillconsole.drill import rules
from drillconsole.drill.state import DrillState, apply
from drillconsole.engine.players import ScriptCommand
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook

SKIPPED_IN_FOLD = frozenset({EventType.SIGNAL_SAMPLE, EventType.SIGNAL_STATE, EventType.LOG_SEALED})
"""Events the input reader need not fold: they never change a step, a gate or a phase."""

WRONG_PHRASE = ""
"""What a re-run types for an approval the original drill refused for its phrase (the typed text is never logged)."""

RETRY_SLACK = 1e-6


@dataclass(frozen=True)
class RecordedInput:
    """One operator input read back from a log: when, by whom, what, and whether the original drill refused it."""

    seq: int
    command: ScriptCommand
    auto: bool = False
    refused_before: str | None = None
    """The reason the original drill refused it (an `access.denied`), or None if it was accepted."""

    def describe(self) -> str:
        """`T+83s commander approve registry-rollback`: the input in one line."""
        c = self.command
        what = c.item or c.step or c.option or (c.text[:40] if c.text else "") or (c.outcome or "")
        return f"T+{c.at:g}s {c.role} {c.do}{' ' + what if what else ''}"


def _phrase(playbook: Playbook, step_id: str) -> str:
    step = next((s for s in playbook.steps if s.id == step_id), None)
    return step.gate.phrase if step is not None and step.gate is not None else WRONG_PHRASE


def _undo_note_step(state: DrillState, text: object) -> str | None:
    """The step an `undo of X requested` note is about (the note the step runner writes), or None."""
    if not isinstance(text, str) or not text.startswith("undo of ") or not text.endswith(" requested"):
        return None
    step = text[len("undo of ") : -len(" requested")]
    return step if step in state.steps else None


def _auto_retry(state: DrillState, playbook: Playbook, step_id: str, t: float) -> bool:
    """Whether a retry at `t` is the engine's automatic one (due `retry_delay` after the failure)."""
    view = state.steps.get(step_id)
    step = next((s for s in playbook.steps if s.id == step_id), None)
    if view is None or step is None or view.status != "failed" or not view.will_retry or view.ended_t is None:
        return False
    # The timers restart such a step exactly when the delay is over, so a person can only retry before that.
    return t >= view.ended_t + step.retry_delay - RETRY_SLACK


def recorded_inputs(events: list[Event], recorded: Playbook, target: Playbook | None = None) -> list[RecordedInput]:
    """Every operator input of the drill in log order; `recorded` is the playbook it ran, `target` gives the phrases."""
    target = target or recorded
    state = DrillState.initial(recorded)
    out: list[RecordedInput] = []
    prev: Event | None = None
    for event in events:
        if event.type in SKIPPED_IN_FOLD:
            continue
        if event.actor != ENGINE:
            found = _input_of(event, prev, state, recorded, target)
            if found is not None:
                fields, refused = found
                command = ScriptCommand.model_validate({"at": event.t, "role": event.actor, **fields})
                out.append(RecordedInput(event.seq, command, bool(event.data.get("auto")), refused))
        apply(state, event)
        prev = event
    return out


def _input_of(
    event: Event, prev: Event | None, state: DrillState, recorded: Playbook, target: Playbook
) -> tuple[dict[str, Any], str | None] | None:
    """The script fields of the input that wrote `event` (and the refusal reason), or None for a consequence."""
    d, kind = event.data, event.type
    follows_approval = (
        prev is not None and prev.type == EventType.GATE_APPROVED and prev.data.get("step") == d.get("step")
    )
    if kind == EventType.CHECKLIST_CHECKED:
        return {"do": "check", "item": d["item"]}, None
    if kind == EventType.CHECKLIST_UNCHECKED:
        return {"do": "uncheck", "item": d["item"]}, None
    if kind == EventType.DECISION_MADE:
        return {"do": "decide", "option": d["option"], "rationale": d.get("rationale", "")}, None
    if kind == EventType.GATE_REQUESTED:
        return {"do": "undo" if d.get("undo") else "request", "step": d["step"]}, None
    if kind == EventType.GATE_APPROVED:
        return {"do": "approve", "step": d["step"], "phrase": _phrase(target, d["step"])}, None
    if kind == EventType.GATE_REJECTED:
        return {"do": "reject", "step": d["step"], "reason": d.get("reason", "")}, None
    if kind == EventType.ACCESS_DENIED and d.get("command") in ("approve", "reject") and d.get("step"):
        reason = str(d.get("reason", ""))
        fields: dict[str, Any] = {"do": d["command"], "step": d["step"]}
        if d["command"] == "approve":
            # A phrase refusal is re-typed wrong; any other refusal gets the right phrase, so only the rule decides.
            fields["phrase"] = WRONG_PHRASE if "phrase" in reason else _phrase(target, d["step"])
        return fields, reason
    if kind == EventType.STEP_STARTED:
        if d.get("undo") or follows_approval:
            return None
        if d.get("retry"):
            return (
                None if _auto_retry(state, recorded, d["step"], event.t) else ({"do": "retry", "step": d["step"]}, None)
            )
        return {"do": "run", "step": d["step"]}, None
    if kind == EventType.STEP_SKIPPED:
        return {"do": "skip", "step": d["step"], "reason": d.get("reason", "")}, None
    if kind == EventType.NOTE_ADDED:
        undone = _undo_note_step(state, d.get("text"))
        if undone is not None:
            is_consequence = (
                prev is not None and prev.type == EventType.GATE_APPROVED and prev.data.get("step") == undone
            )
            return None if is_consequence else ({"do": "undo", "step": undone}, None)
        return {"do": "note", "text": d.get("text", "")}, None
    if kind == EventType.SESSION_ENDED:
        outcome = d.get("outcome")
        reason = d.get("reason", "")
        fields = {"do": "end"}
        if outcome != rules.default_outcome(state):
            fields["outcome"] = outcome
        if reason != f"ended by {event.actor}":
            fields["reason"] = reason
        return fields, None
    if kind == EventType.REVIEW_LESSON:
        return {"do": "lesson", "text": d.get("text", "")}, None
    if kind == EventType.REVIEW_ACTION:
        return {"do": "action", "text": d.get("text", ""), "owner": d.get("owner"), "due": d.get("due", "")}, None
    return None
