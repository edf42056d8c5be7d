"""The engine's background work (polls, actions, backfills), supervised: no task's error is ever lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class Supervisor:
    """Starts tasks, wakes the run loop when one finishes, and reports any unexpected error once."""

    def __init__(self, on_error: Callable[[str, BaseException], None]) -> None:
        self._on_error = on_error
        self._tasks: dict[asyncio.Task[Any], str] = {}
        self.wakeup = asyncio.Event()

    def spawn(self, coro: Coroutine[Any, Any, Any], where: str) -> None:
        """Run `coro` in the background; `where` names it in an error report."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks[task] = where
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        where = self._tasks.pop(task, "task")
        if not task.cancelled() and task.exception() is not None:
            self._on_error(where, task.exception())  # type: ignore[arg-type]
        self.wake()

    def wake(self) -> None:
        """Make the run loop look again (a command arrived, a task finished)."""
        self.wakeup.set()

    @property
    def idle(self) -> bool:
        """Nothing is in flight."""
        return not self._tasks

    async def settle(self) -> None:
        """Wait for every task in flight (the virtual clock runs them to completion before time moves)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def cancel_all(self) -> None:
        """Stop everything in flight (the drill is over)."""
        for task in list(self._tasks):
            task.cancel()
