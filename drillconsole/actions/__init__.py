"""Step actions: one executor module per kind of action or target."""

from __future__ import annotations

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome, Executor
from drillconsole.playbook.models import Action, Playbook

__all__ = ["ActionContext", "ActionError", "ActionOutcome", "Executor", "executor_for"]


def executor_for(action: Action, playbook: Playbook) -> Executor:
    """The executor that runs this action against its target."""
    from drillconsole.actions import notify, simulated

    if action.type == "registry.set_alias":
        kind = playbook.targets[action.target].kind
        if kind == "simulated":
            return simulated.SimulatedRegistry()
    elif action.type == "flag.set":
        kind = playbook.targets[action.target].kind
        if kind == "simulated":
            return simulated.SimulatedFlags()
    elif action.type == "notify":
        return notify.Notify()
    raise ActionError(f"action {action.type} on this target is not supported yet")
