"""What a console offers a person: the commands their held roles could ever do, by the playbook's authority.

`rules` decides whether one command is allowed *now* (state, phase, phrase);
this module decides whether a console should offer a command at all to someone
holding `held` roles — a key in the footer, an entry in the palette. Each
function returns the one-line reason it is not offered, or None. The engine
still checks every command with `rules`: hiding a key is a courtesy, never the
guard.
"""

from __future__ import annotations

from collections.abc import Sequence

from drillconsole.drill.rules import allowed_approvers, has_authority, may_execute
from drillconsole.playbook.models import Authority, Playbook, Step

STEP_COMMANDS = ("run_step", "retry", "skip", "undo", "request_gate")
"""Commands that act on a step: its owner, or a role with `execute_steps`."""

AUTHORITY: dict[str, tuple[Authority, str]] = {
    "decide": (Authority.declare_rollback, "decide on the response"),
    "end": (Authority.end_drill, "end the drill"),
}
"""Commands that need one authority, with what they do in words."""


def holding(held: Sequence[str]) -> str:
    """'you hold tech_lead' / 'you hold no role' (the start of every reason)."""
    return f"you hold {', '.join(held)}" if held else "you hold no role"


def executes(playbook: Playbook, held: Sequence[str], step: Step) -> bool:
    """Whether one of the held roles may run, retry, skip or undo this step."""
    return step.kind != "decision" and any(may_execute(playbook, role, step) is None for role in held)


def approves(playbook: Playbook, held: Sequence[str], step: Step, requested_by: str | None = None) -> bool:
    """Whether one of the held roles may approve (or reject) this step's gate."""
    return any(role in held for role in allowed_approvers(playbook, step, requested_by))


def not_offered(playbook: Playbook, held: Sequence[str], command: str, role: str | None = None) -> str | None:
    """Why a console does not offer `command` (a protocol command name) to someone holding `held`, or None.

    `role` is the role the command would act as where the console picks it
    (the checklist tab for `check`).
    """
    if command in STEP_COMMANDS:
        if any(executes(playbook, held, step) for step in playbook.steps):
            return None
        owners = sorted({s.owner for s in playbook.steps if s.kind != "decision"})
        executors = playbook.roles_with(Authority.execute_steps)
        return f"{holding(held)}, which runs no step: steps are run by their owner ({', '.join(owners)})" + (
            f" or {', '.join(executors)} (execute_steps)" if executors else ""
        )
    if command in ("approve", "reject"):
        if any(approves(playbook, held, step) for step in playbook.steps if step.gate is not None):
            return None
        approvers = sorted({r for s in playbook.steps for r in allowed_approvers(playbook, s)})
        return f"{holding(held)}, which approves no gate (approvers: {', '.join(approvers) or 'nobody'})"
    if command in AUTHORITY:
        authority, what = AUTHORITY[command]
        if any(has_authority(playbook, r, authority) for r in held):
            return None
        holders = playbook.roles_with(authority)
        return (
            f"{holding(held)}: to {what} needs {authority.value} authority ({', '.join(holders) or 'no role'} has it)"
        )
    if command in ("check", "uncheck"):
        if role is not None and role not in held:
            return f"{holding(held)}: {role}'s checklist is ticked by whoever holds {role}"
        return None if held else f"{holding(held)}: a checklist is ticked by its role's holder"
    if command in ("note", "lesson", "action_item"):
        return None if held else f"{holding(held)}: notes are written as a role (assume one first)"
    return None
