"""Messages between the engine worker, the widgets and the app (the seams of the console)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from drillconsole.launch import Prepared


class DrillStopped(Message):
    """The engine's run loop returned: the drill has ended with `outcome`."""

    def __init__(self, outcome: str | None) -> None:
        super().__init__()
        self.outcome = outcome


class EngineFailed(Message):
    """The engine's run loop raised; the console shows the error and offers to quit (the drill is logged as it stood)."""

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


class DrillLoaded(Message):
    """The loading worker validated the playbook and prepared the drill."""

    def __init__(self, prepared: Prepared) -> None:
        super().__init__()
        self.prepared = prepared


class LoadFailed(Message):
    """The loading worker found bad input; `lines` go to stderr once the app has closed."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines
