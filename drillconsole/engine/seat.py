"""What a console holds of a drill: a seat — the fold to read and the commands to send, never the engine.

Three things fill a seat: the `Engine` itself (a headless run, a script), the
local person's seat in a team drill (`team.session.LocalParticipant`: every
command goes through the hub as that person) and a participant's seat on
another terminal (`team.remote.RemoteEngine`). The console and the review
screen are typed against `DrillSeat` only, so nothing on screen can reach past
the command processor: every command is checked by the drill model's rules
(`drillconsole.drill.rules`) wherever it is sent from, and a refusal raises
`CommandError` with the one-line reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

from drillconsole.clock import Clock
from drillconsole.drill.state import DrillState
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook, Step


class DrillCommands(Protocol):
    """Every command an operator may send; each is checked against the rules before anything is logged."""

    def check(self, role: str, item: str, *, auto: bool = False) -> None: ...

    def uncheck(self, role: str, item: str, *, auto: bool = False) -> None: ...

    def decide(self, role: str, option: str, rationale: str, *, auto: bool = False) -> None: ...

    def request_gate(self, role: str, step_id: str, *, auto: bool = False) -> None: ...

    def approve(
        self, role: str, step_id: str, phrase: str, *, auto: bool = False, request_seq: int | None = None
    ) -> None: ...

    def reject(
        self, role: str, step_id: str, reason: str, *, auto: bool = False, request_seq: int | None = None
    ) -> None: ...

    def deny(self, role: str, command: str, reason: str, *, step_id: str | None = None) -> None: ...

    def run_step(self, role: str, step_id: str, *, auto: bool = False) -> Any: ...

    def retry(self, role: str, step_id: str, *, auto: bool = False) -> Any: ...

    def skip(self, role: str, step_id: str, reason: str, *, auto: bool = False) -> None: ...

    def undo(self, role: str, step_id: str, *, auto: bool = False) -> Any: ...

    def note(self, role: str, text: str, *, auto: bool = False) -> None: ...

    def end(self, role: str, outcome: str | None = None, reason: str = "", *, auto: bool = False) -> Any: ...

    def lesson(self, role: str, text: str, *, auto: bool = False) -> None: ...

    def action_item(self, role: str, text: str, owner: str, due: str, *, auto: bool = False) -> None: ...

    def allowed_approvers(self, step: Step) -> list[str]: ...


class DrillSeat(DrillCommands, Protocol):
    """A console's seat at a drill: the playbook and fold to read, the clock, the commands, and the run."""

    @property
    def playbook(self) -> Playbook: ...

    @property
    def state(self) -> DrillState: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def idle(self) -> bool: ...

    @property
    def held_roles(self) -> list[str] | None:
        """The roles this seat's person holds in a team drill (None: no person, every role may act)."""
        ...

    def now(self) -> float: ...

    def subscribe(self, listener: Callable[[Event], None]) -> None: ...

    def wake(self) -> None: ...

    async def run(self) -> str | None: ...

    def end_drill(self, actor: str, outcome: str, reason: str, *, auto: bool = False) -> None: ...


class SentCommands(ABC):
    """The commands of a seat whose commands travel as messages (`send(name, role, auto, **args)`).

    The argument names are the wire protocol's (`team.protocol.COMMANDS`); the
    engine's `CommandProcessor` checks them when they arrive.
    """

    @abstractmethod
    def send(self, name: str, role: str, *, auto: bool = False, **args: Any) -> Any:
        """Deliver one command; raises `CommandError` with the reason when it is refused."""

    def check(self, role: str, item: str, *, auto: bool = False) -> None:
        self.send("check", role, auto=auto, item=item)

    def uncheck(self, role: str, item: str, *, auto: bool = False) -> None:
        self.send("uncheck", role, auto=auto, item=item)

    def decide(self, role: str, option: str, rationale: str, *, auto: bool = False) -> None:
        self.send("decide", role, auto=auto, option=option, rationale=rationale)

    def request_gate(self, role: str, step_id: str, *, auto: bool = False) -> None:
        self.send("request_gate", role, auto=auto, step=step_id)

    def approve(
        self, role: str, step_id: str, phrase: str, *, auto: bool = False, request_seq: int | None = None
    ) -> None:
        self.send("approve", role, auto=auto, step=step_id, phrase=phrase, request_seq=request_seq)

    def reject(
        self, role: str, step_id: str, reason: str, *, auto: bool = False, request_seq: int | None = None
    ) -> None:
        self.send("reject", role, auto=auto, step=step_id, reason=reason, request_seq=request_seq)

    def deny(self, role: str, command: str, reason: str, *, step_id: str | None = None) -> None:
        self.send("deny", role, command=command, reason=reason, step=step_id)

    def run_step(self, role: str, step_id: str, *, auto: bool = False) -> Any:
        return self.send("run_step", role, auto=auto, step=step_id)

    def retry(self, role: str, step_id: str, *, auto: bool = False) -> Any:
        return self.send("retry", role, auto=auto, step=step_id)

    def skip(self, role: str, step_id: str, reason: str, *, auto: bool = False) -> None:
        self.send("skip", role, auto=auto, step=step_id, reason=reason)

    def undo(self, role: str, step_id: str, *, auto: bool = False) -> Any:
        return self.send("undo", role, auto=auto, step=step_id)

    def note(self, role: str, text: str, *, auto: bool = False) -> None:
        self.send("note", role, auto=auto, text=text)

    def end(self, role: str, outcome: str | None = None, reason: str = "", *, auto: bool = False) -> Any:
        return self.send("end", role, auto=auto, outcome=outcome, reason=reason)

    def lesson(self, role: str, text: str, *, auto: bool = False) -> None:
        self.send("lesson", role, auto=auto, text=text)

    def action_item(self, role: str, text: str, owner: str, due: str, *, auto: bool = False) -> None:
        self.send("action_item", role, auto=auto, text=text, owner=owner, due=due)
