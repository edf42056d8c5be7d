"""Team-drill test helpers: a real engine, its real Unix socket, real followers."""

from __future__ import annotations

import asyncio
from typing import Any

from drillkit import mini

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.reader import read_log
from drillconsole.team.follower import Follower

GATED = {
    "id": "gated",
    "title": "Alias 2 → 1",
    "phase": "baseline",
    "owner": "tech",
    "kind": "action",
    "action": {"type": "registry.set_alias", "target": "registry", "from": "2", "to": "1"},
    "gate": {"approver": ["commander", "steward"], "phrase": "ROLL BACK", "two_person": True, "timeout": "60s"},
    "retries": 0,
}


def team_playbook() -> dict[str, Any]:
    """The mini drill with a gated step in the baseline phase and the fault far away (nothing happens on its own)."""
    data = mini()
    data["steps"] = [GATED, *data["steps"]]
    data["scenario"][0]["at"] = "30m"
    data["drill"]["time_limit"] = "60m"
    return data


class TeamDrill:
    """A running engine serving participants, and helpers to join it."""

    def __init__(self, prepared: Any) -> None:
        self.prepared = prepared
        self.local = prepared.seat
        self.engine = prepared.engine
        self.hub = prepared.seat.hub
        self.server = prepared.seat.server
        self.socket = self.server.path
        self.followers: list[Follower] = []
        self.task: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.engine.run())
        async with asyncio.timeout(10):
            while self.server._server is None:
                await asyncio.sleep(0)
            while not self.engine.state.started:
                await asyncio.sleep(0.01)

    async def join(self, person: str, roles: list[str] | None = None, **kw: Any) -> Follower:
        """A follower that joined and runs in the background, collecting its events."""
        events: list[Event] = []
        follower = Follower(self.socket, person, roles, on_event=events.append, **kw)
        follower.events = events  # type: ignore[attr-defined]
        await follower.join()
        follower.task = asyncio.get_running_loop().create_task(follower.run())  # type: ignore[attr-defined]
        self.followers.append(follower)
        await asyncio.wait_for(follower.caught_up.wait(), 10)
        return follower

    def events(self, type: str | None = None) -> list[Event]:
        self.engine.log.sync()
        return [e for e in read_log(self.prepared.log_path).events if type is None or e.type == type]

    async def stop(self) -> None:
        for follower in self.followers:
            await follower.close()
        if not self.engine.state.ended:
            self.engine.end_drill("engine", "aborted", "test over")
        if self.task is not None:
            await asyncio.wait_for(self.task, 10)
        self.prepared.log.close()


def by_type(events: list[Event], type: EventType) -> list[Event]:
    return [e for e in events if e.type == type]
