"""Drills staged at a fixed moment for snapshots, screenshots and tests (same seed ⇒ same screen)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.widgets import Input

from drillconsole import resources
from drillconsole.launch import Prepared, prepare
from drillconsole.ui.clocks import HeldClock, UntilHold
from drillconsole.ui.launcher import ConsoleLoad, LaunchProblem


def held_drill(hold_at: float, log_dir: Path, *, playbook: Path | None = None, auto: bool = True) -> Prepared:
    """A drill that runs virtually (auto-played if `auto`) until `hold_at` drill seconds, then holds."""
    from drillconsole.engine.players import AutoPlayer

    clock = HeldClock(hold_at)
    players = [UntilHold(AutoPlayer(), clock)] if auto else []
    return prepare(playbook or resources.bundled_playbook("demo"), log_dir=log_dir, clock=clock, players=players)


@dataclass(frozen=True)
class HeldLoad(ConsoleLoad):
    """The console's load (validate, prepare), held until `release` is set: the screen before it is then certain."""

    release: threading.Event = field(default_factory=threading.Event)
    abandoned: threading.Event = field(default_factory=threading.Event)
    limit: float = 300.0
    """Seconds to wait for the release before preparing anyway (a test that never releases fails, not hangs)."""

    def __call__(self) -> Prepared:
        self.release.wait(self.limit)
        if self.abandoned.is_set():
            raise LaunchProblem(["drillconsole: the load was abandoned (the screen was all that was wanted)"])
        return super().__call__()

    def abandon(self) -> None:
        """Let the held load go without preparing anything (no log is opened)."""
        self.abandoned.set()
        self.release.set()


def steady_cursors() -> None:
    """Text cursors that do not blink from now on, so screenshots come out the same every time."""
    Input.__dict__["cursor_blink"]._default = False  # the reactive's default, for every Input made afterwards


async def settle(app: Any, pilot: Any, timeout: float = 60.0) -> None:
    """Wait until a held drill stands still at its hold and the screen shows it (`timeout` only bounds a failure)."""
    seat = app.seat
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        held = isinstance(seat.clock, HeldClock) and seat.clock.holding
        if (held or seat.state.ended) and seat.idle:
            break
        if loop.time() > deadline:
            raise TimeoutError(f"the drill did not reach its hold within {timeout:g}s")
        await pilot.pause()
    await pilot.pause()
    app.refresh_now()
    await pilot.pause()
