"""What an action executor gets and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

    from drillconsole.drill.state import DrillState
    from drillconsole.playbook.models import Playbook
    from drillconsole.secrets import Redactor


class ActionError(Exception):
    """An action failed; the message says why in one line and nothing was half-done.

    `transient` marks failures worth trying again inside the step's time budget
    (connection refused, timeouts, 5xx); anything else (a compare-and-set refusal,
    a 4xx, a bad answer) is final.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class ActionOutcome:
    """Result of one attempt: what changed, for the log and for undo."""

    result: dict[str, Any] = field(default_factory=dict)
    latency: float = 0.0
    """Simulated drill seconds the action takes (simulated targets only)."""
    comms: dict[str, Any] | None = None
    """For notify actions: what was sent (logged as `comms.sent`)."""


@dataclass
class ActionContext:
    """Everything an executor may use; side effects go only through these."""

    playbook: Playbook
    state: DrillState
    redactor: Redactor
    http: httpx.AsyncClient | None = None
    env: dict[str, str] | None = None


class Executor(Protocol):
    """Runs one kind of action."""

    async def run(self, action: Any, ctx: ActionContext) -> ActionOutcome:
        """Do it, or raise ActionError with nothing half-done."""
        ...
