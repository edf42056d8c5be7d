"""Who may do what, and when: every operator command's rule as a pure function of the drill state.

Each `may_*` returns the one-line reason a command is refused, or None when it
is allowed. The engine's command processor refuses with these before anything
is logged; the console, the replay and the auto player ask the same functions,
so a UI can show why a key does nothing and can never bypass a rule.
"""

from __future__ import annotations

from drillconsole.drill import flow
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Phase, Playbook, Step

OUTCOMES = ("restored", "failed", "aborted")


def has_authority(playbook: Playbook, role: str, authority: str) -> bool:
    """Whether the role's playbook authority includes `authority`."""
    return authority in playbook.roles[role].authority


def role_problem(state: DrillState, role: str) -> str | None:
    """An unknown role, or a drill that has ended."""
    if role not in state.playbook.roles:
        return f"unknown role '{role}'"
    if state.ended:
        return "the drill has ended"
    return None


def person_problem(state: DrillState, person: str | None, role: str) -> str | None:
    """A person acts only for a role they hold; commands without a person (engine, auto player) are not bound."""
    if person is None:
        return None
    holder = state.holders.get(role)
    if holder == person:
        return None
    if holder is None:
        return f"{person} does not hold role {role} (nobody does: assume it first)"
    return f"{person} does not hold role {role} (held by {holder})"


def stale_problem(state: DrillState, step: Step, request_seq: int | None) -> str | None:
    """An approval or rejection must answer the gate's current, still pending request."""
    gate = state.gates.get(step.id)
    if request_seq is None or gate is None:
        return None
    if gate.request_seq != request_seq:
        current = "none" if gate.request_seq is None else f"#{gate.request_seq}"
        return f"stale: request #{request_seq} of {step.id} is no longer current (current request {current})"
    if gate.status != "requested":
        return f"stale: request #{request_seq} of {step.id} is already {gate.status}"
    return None


def two_person_problem(state: DrillState, person: str | None, step: Step) -> str | None:
    """Under two-person, the approver must be another person than the requester and the step's executor.

    A solo drill (one person holds every role) cannot hold the rule: the approval
    is allowed and recorded as not held.
    """
    gate = state.gates.get(step.id)
    if person is None or step.gate is None or not step.gate.two_person or gate is None or state.solo:
        return None
    if person == gate.requested_person:
        return f"two-person rule: {person} requested this gate and cannot approve it"
    if person == state.holders.get(step.owner):
        return f"two-person rule: {person} executes {step.id} (holds {step.owner}) and cannot approve it"
    return None


def step_problem(playbook: Playbook, step_id: str) -> str | None:
    """An unknown step id."""
    return None if any(s.id == step_id for s in playbook.steps) else f"unknown step '{step_id}'"


def may_execute(playbook: Playbook, role: str, step: Step) -> str | None:
    """The step's owner, or a role with `execute_steps`, may run it."""
    if role != step.owner and not has_authority(playbook, role, "execute_steps"):
        return f"step {step.id} is owned by {step.owner}; {role} lacks execute_steps authority"
    return None


def may_check(state: DrillState, role: str, item: str, *, uncheck: bool = False) -> str | None:
    """Tick (or untick) one of the role's own checklist items, once its phase is reached."""
    key = (role, item)
    if key not in state.checklist:
        return f"role {role} has no checklist item '{item}'"
    checked = state.checklist[key].checked
    if uncheck:
        return None if checked else f"{role}/{item} is not checked"
    if checked:
        return f"{role}/{item} is already checked"
    spec = next(i for i in state.playbook.roles[role].checklist if i.id == item)
    if not state.phase_reached(spec.phase):
        return f"{role}/{item} is for phase {spec.phase.value}; the drill is in {state.phase.value}"
    return None


def may_decide(state: DrillState, role: str, option: str, rationale: str) -> str | None:
    """The decision: once, by a role with `declare_rollback`, with a known option and a rationale."""
    step = state.playbook.decision_step
    if step is None:
        return "this playbook has no decision step"
    if not has_authority(state.playbook, role, "declare_rollback"):
        return f"{role} lacks declare_rollback authority"
    if state.decision is not None:
        return f"already decided: {state.decision['option']}"
    options = [o.id for o in step.options]
    if option not in options:
        return f"unknown option '{option}' (choose {', '.join(options)})"
    if not rationale.strip():
        return "a decision needs a rationale"
    if not state.phase_reached(Phase.detect):
        return "nothing to decide yet: no fault has been detected"
    return None


def allowed_approvers(playbook: Playbook, step: Step, requested_by: str | None = None) -> list[str]:
    """Roles that may approve the step's gate: approvers with authority, minus owner and requester under two-person."""
    gate = step.gate
    if gate is None:
        return []
    excluded = {step.owner, requested_by} if gate.two_person else set()
    return [r for r in gate.approver if has_authority(playbook, r, "approve_gate") and r not in excluded]


def may_request(state: DrillState, role: str, step: Step, *, undo: bool = False) -> str | None:
    """Ask for a gate's approval: a gated step its role may run, runnable now (or, for undo, succeeded)."""
    if step.gate is None:
        return f"step {step.id} has no gate"
    problem = may_execute(state.playbook, role, step)
    if problem is None and not undo:
        problem = flow.blocker(state, step)
    if problem is None and undo and state.steps[step.id].status != "succeeded":
        problem = f"step {step.id} is {state.steps[step.id].status}; only a succeeded step can be undone"
    if problem is not None:
        return problem
    gate = state.gates[step.id]
    if gate.status == "requested":
        return f"gate of {step.id} is already requested"
    if gate.status == "approved" and not undo and state.steps[step.id].status != "succeeded":
        return f"gate of {step.id} is already approved"
    return None


def may_approve(
    state: DrillState,
    role: str,
    step: Step,
    phrase: str,
    *,
    person: str | None = None,
    request_seq: int | None = None,
) -> str | None:
    """Approve a requested gate: a named approver with authority, not the owner or requester under two-person, exact phrase.

    With people known, the approver must be another person than the requester
    and executor, and an approval naming an older request is stale.
    """
    gate = state.gates.get(step.id)
    if step.gate is None or gate is None:
        return f"step {step.id} has no gate"
    stale = stale_problem(state, step, request_seq)
    if stale is not None:
        return stale
    if gate.status != "requested":
        return f"gate of {step.id} is not awaiting approval ({gate.status})"
    if not has_authority(state.playbook, role, "approve_gate"):
        return f"{role} lacks approve_gate authority"
    if role not in step.gate.approver:
        return f"{role} is not an approver of {step.id} (approvers: {', '.join(step.gate.approver)})"
    if step.gate.two_person and role in (step.owner, gate.requested_by):
        return f"two-person rule: {role} cannot approve a step it executes or requested"
    if phrase != step.gate.phrase:
        return "confirm phrase does not match"
    return two_person_problem(state, person, step)


def may_reject(state: DrillState, role: str, step: Step, *, request_seq: int | None = None) -> str | None:
    """Refuse a requested gate: any approver of it with authority (a rejection naming an older request is stale)."""
    stale = stale_problem(state, step, request_seq)
    if stale is not None:
        return stale
    gate = state.gates.get(step.id)
    if step.gate is None or gate is None or gate.status != "requested":
        return f"no pending gate on {step.id}"
    if role not in step.gate.approver or not has_authority(state.playbook, role, "approve_gate"):
        return f"{role} may not decide the gate of {step.id}"
    return None


def may_run(state: DrillState, role: str, step: Step) -> str | None:
    """Run a pending step its role may execute, when the flow allows it (a gated step then asks for approval)."""
    view = state.steps[step.id]
    if step.kind == "decision":
        return "a decision step is completed by deciding"
    if view.status == "failed":
        return f"step {step.id} failed; retry it or skip it"
    if view.status != "pending":
        return f"step {step.id} is {view.status}"
    return may_execute(state.playbook, role, step) or flow.blocker(state, step)


def may_retry(state: DrillState, role: str, step: Step) -> str | None:
    """Run a finally failed step again."""
    view = state.steps[step.id]
    if view.status != "failed":
        return f"step {step.id} has not failed"
    if view.will_retry:
        return f"step {step.id} retries by itself"
    return may_execute(state.playbook, role, step)


def may_skip(state: DrillState, role: str, step: Step, reason: str) -> str | None:
    """Skip a pending or failed step, with a reason (never the decision)."""
    view = state.steps[step.id]
    if not reason.strip():
        return "skipping needs a reason"
    if view.status not in ("pending", "failed"):
        return f"step {step.id} is {view.status}"
    if step.kind == "decision":
        return "the decision cannot be skipped"
    return may_execute(state.playbook, role, step)


def may_undo(state: DrillState, role: str, step: Step) -> str | None:
    """Reverse a succeeded step that has an undo (a gated step's undo is gated like the step)."""
    if step.undo is None:
        return f"step {step.id} has no undo"
    view = state.steps[step.id]
    if view.status != "succeeded":
        return f"step {step.id} is {view.status}; only a succeeded step can be undone"
    return may_execute(state.playbook, role, step)


def may_end(state: DrillState, role: str, outcome: str | None) -> str | None:
    """End the drill: a role with `end_drill`; `restored` only once verification passed."""
    if not has_authority(state.playbook, role, "end_drill"):
        return f"{role} lacks end_drill authority"
    if outcome is not None and outcome not in OUTCOMES:
        return f"unknown outcome '{outcome}' (choose {', '.join(OUTCOMES)})"
    if outcome == "restored" and not state.phase_reached(Phase.restore):
        return "cannot declare restored before verification passed"
    return None


def default_outcome(state: DrillState) -> str:
    """What ending the drill now means when no outcome is named."""
    return "restored" if state.phase_reached(Phase.restore) else "aborted"
