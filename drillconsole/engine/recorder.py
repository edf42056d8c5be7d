"""The only writer of a drill's log: every event is logged, folded into the state, then announced."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from drillconsole.clock import Clock
from drillconsole.drill.state import DrillState, apply
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook


class LogWriter(Protocol):
    """What the recorder needs from a session log."""

    def append(
        self, t: float, type: str, actor: str, data: dict[str, Any] | None = None, by: str | None = None
    ) -> Event: ...

    def sync(self) -> None: ...


class Recorder:
    """Logs an event (fsynced if it matters), folds it into the state, tells listeners: in that order, always."""

    def __init__(self, playbook: Playbook, log: LogWriter, clock: Clock, state: DrillState) -> None:
        self.playbook = playbook
        self.log = log
        self.clock = clock
        self.state = state
        self._listeners: list[Callable[[Event], None]] = []
        self.person: str | None = None
        """The person whose command is being applied (team drills); events written meanwhile carry it as `by`."""
        self._command_id: str | None = None

    @contextmanager
    def attributed(self, person: str | None, command_id: str | None = None) -> Iterator[None]:
        """Attribute every event written inside to `person`; the first one also carries `command_id`."""
        saved = self.person, self._command_id
        self.person, self._command_id = person, command_id
        try:
            yield
        finally:
            self.person, self._command_id = saved

    def now(self) -> float:
        """Drill time, never behind the last event."""
        return max(self.clock.now(), self.state.t)

    def emit(
        self, type: EventType, actor: str, data: Mapping[str, Any], *, auto: bool = False, by: str | None = None
    ) -> Event:
        """Write one event and fold it (`by` defaults to the person whose command is being applied)."""
        payload = {**data, "auto": True} if auto else dict(data)
        if self._command_id is not None:
            # The id goes on the command's first event only, so a log holds each id once.
            payload["command_id"], self._command_id = self._command_id, None
        person = by if by is not None else self.person
        event = self.log.append(self.now(), type, actor, payload, by=person)
        apply(self.state, event)
        for listener in self._listeners:
            listener(event)
        return event

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call `listener(event)` after every event is logged and folded."""
        self._listeners.append(listener)
