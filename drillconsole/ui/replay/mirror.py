"""What the console's widgets read during a replay: one DrillState overwritten per seek, and approver rules."""

from __future__ import annotations

from dataclasses import fields

from drillconsole.drill import rules
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import Playbook, Step

_FIELDS = tuple(f.name for f in fields(DrillState))


class StateMirror:
    """The one DrillState the widgets keep a reference to, made to show any folded state."""

    def __init__(self, playbook: Playbook) -> None:
        self.state = DrillState.initial(playbook)

    def load(self, folded: DrillState) -> DrillState:
        """Point every field of the widgets' state at the folded state's (a shallow copy: re-load after each peek)."""
        state = self.state
        for name in _FIELDS:
            setattr(state, name, getattr(folded, name))
        return state


class ApproverRules:
    """Answers `allowed_approvers` for the step detail panel during a replay, with the drill model's own rule."""

    def __init__(self, state_mirror: StateMirror) -> None:
        self._mirror = state_mirror

    def allowed_approvers(self, step: Step) -> list[str]:
        """Roles that may approve the step's gate in the state shown."""
        state = self._mirror.state
        gate = state.gates.get(step.id)
        return rules.allowed_approvers(state.playbook, step, gate.requested_by if gate else None)
