"""Step actions: one executor module per kind of action or target."""

from __future__ import annotations

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome, Executor
from drillconsole.playbook.models import Action, Playbook

__all__ = ["ActionContext", "ActionError", "ActionOutcome", "Executor", "executor_for"]


def executor_for(action: Action, playbook: Playbook) -> Executor:
    """The executor that runs this action against its target."""
    from drillconsole.actions import command, fault, http_call, http_flags, mlflow, notify, simulated

    if action.type in ("registry.set_alias", "flag.set"):
        target = playbook.targets.get(action.target)
        if target is None:
            raise ActionError(f"action {action.type}: unknown target '{action.target}'")
        kind = (action.type, target.type, target.kind)
        executors: dict[tuple[str, str, str], type[Executor]] = {
            ("registry.set_alias", "registry", "simulated"): simulated.SimulatedRegistry,
            ("registry.set_alias", "registry", "mlflow"): mlflow.MlflowRegistry,
            ("flag.set", "flags", "simulated"): simulated.SimulatedFlags,
            ("flag.set", "flags", "http"): http_flags.HttpFlags,
        }
        if kind not in executors:
            raise ActionError(
                f"action {action.type} cannot act on target {action.target} ({target.type}, {target.kind})"
            )
        return executors[kind]()
    others: dict[str, type[Executor]] = {
        "http": http_call.HttpCall,
        "command": command.RunCommand,
        "notify": notify.Notify,
        "fault.inject": fault.InjectFault,
    }
    if action.type not in others:
        raise ActionError(f"action {action.type} is not supported")
    return others[action.type]()
