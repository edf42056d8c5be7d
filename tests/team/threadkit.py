"""A team drill whose engine runs in a thread of its own, for participants that block on their commands (the console)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drillconsole.launch import prepare
from drillconsole.log.events import Event
from drillconsole.log.reader import read_log


class ServedDrill:
    """A real engine serving its socket (and NATS when given) from a thread; `call` runs code in its loop."""

    def __init__(self, playbook: Path, log_dir: Path, nats: str | None = None) -> None:
        team: dict[str, Any] = {"person": "operator", "roles": []}
        if nats is not None:
            team["nats"] = nats
        self.prepared = prepare(playbook, log_dir=log_dir, team=team)
        self.engine = self.prepared.engine
        self.hub = self.prepared.seat.hub
        self.socket = self.prepared.seat.server.path
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self.loop.run_until_complete, args=(self._serve(),), daemon=True)

    async def _serve(self) -> None:
        task = asyncio.get_running_loop().create_task(self.engine.run())
        while not self.engine.state.started:
            await asyncio.sleep(0.01)
        self._started.set()
        await task

    def start(self) -> ServedDrill:
        self._thread.start()
        assert self._started.wait(30), "the engine did not start"
        return self

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `fn` in the engine's loop (where the hub lives) and return its result."""

        async def run() -> Any:
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(30)

    def events(self, type: str | None = None) -> list[Event]:
        self.call(self.engine.log.sync)
        return [e for e in read_log(self.prepared.log_path).events if type is None or e.type == type]

    def stop(self) -> None:
        if self._thread.is_alive():
            if not self.engine.state.ended:
                self.loop.call_soon_threadsafe(self.engine.end_drill, "engine", "aborted", "test over")
            self._thread.join(30)
        self.prepared.log.close()
