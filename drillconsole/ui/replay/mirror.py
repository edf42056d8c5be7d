"""What the console's widgets read during a replay: one DrillState overwritten per seek, and approver rules."""

from __future__ import annotations

from dataclasses import fields

from drillconsole.drill.state import DrillState
from drillconsole.engine.commands import CommandsMixin
from drillconsole.playbook.models import Playbook

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
    """A read-only stand-in for the engine that answers `allowed_approvers` with the engine's own rule."""

    # The engine's methods only read `self.playbook` and `self._has`, so they run unchanged on this object.
    _has = CommandsMixin._has
    allowed_approvers = CommandsMixin.allowed_approvers

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
