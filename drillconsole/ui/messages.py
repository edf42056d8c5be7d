"""Messages between the engine worker, the widgets and the app (the seams of the console)."""

from __future__ import annotations

from textual.message import Message


class DrillStopped(Message):
    """The engine's run loop returned: the drill has ended with `outcome`."""

    def __init__(self, outcome: str | None) -> None:
        super().__init__()
        self.outcome = outcome


class EngineFailed(Message):
    """The engine's run loop raised; the console shows it and stops the clock."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class StepHighlighted(Message):
    """The step list's cursor moved to `step_id`."""

    def __init__(self, step_id: str) -> None:
        super().__init__()
        self.step_id = step_id


class RoleViewChanged(Message):
    """The checklist tab, and so the role the console acts as, changed to `role`."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role
