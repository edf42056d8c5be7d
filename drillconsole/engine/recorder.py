"""The only writer of a drill's log: every event is logged, folded into the state, then announced."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from drillconsole.clock import Clock
from drillconsole.drill.state import DrillState, apply
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook


class LogWriter(Protocol):
    """What the recorder needs from a session log."""

    def append(self, t: float, type: str, actor: str, data: dict[str, Any] | None = None) -> Event: ...

    def sync(self) -> None: ...


class Recorder:
    """Logs an event (fsynced if it matters), folds it into the state, tells listeners: in that order, always."""

    def __init__(self, playbook: Playbook, log: LogWriter, clock: Clock, state: DrillState) -> None:
        self.playbook = playbook
        self.log = log
        self.clock = clock
        self.state = state
        self._listeners: list[Callable[[Event], None]] = []

    def now(self) -> float:
        """Drill time, never behind the last event."""
        return max(self.clock.now(), self.state.t)

    def emit(self, type: EventType, actor: str, data: Mapping[str, Any], *, auto: bool = False) -> Event:
        """Write one event and fold it."""
        payload = {**data, "auto": True} if auto else dict(data)
        event = self.log.append(self.now(), type, actor, payload)
        apply(self.state, event)
        for listener in self._listeners:
            listener(event)
        return event

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call `listener(event)` after every event is logged and folded."""
        self._listeners.append(listener)
