"""A clock for snapshots and tests: virtual up to a moment, then standing still."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine, Player

YIELD_EVERY = 50
"""Give the event loop a turn after this many instant wake-ups, so the UI never starves."""


class HeldClock:
    """Jumps ahead like a virtual clock until `hold_at`, then holds that time forever.

    A drill run on it reaches a fixed, reproducible moment (same seed, same
    inputs) and stays there while the console is looked at, so screenshots
    and snapshot tests show no moving time.
    """

    virtual = True

    def __init__(self, hold_at: float, start_at: float = 0.0) -> None:
        self.hold_at = hold_at
        self._now = start_at
        self._instant = 0

    def now(self) -> float:
        """Drill seconds: never past `hold_at`."""
        return self._now

    @property
    def holding(self) -> bool:
        """Whether time has reached `hold_at` and stopped."""
        return self._now >= self.hold_at

    async def sleep_until(self, t: float, wake: asyncio.Event | None = None) -> None:
        """Jump to `t` (at most `hold_at`); past the hold, wait for `wake` instead."""
        if wake is not None and wake.is_set():
            await self._breathe()
            return
        if t > self._now:
            self._now = min(t, self.hold_at)
        if t <= self._now:
            await self._breathe()
            return
        if wake is None:
            await asyncio.Event().wait()
        else:
            await wake.wait()

    async def _breathe(self) -> None:
        self._instant += 1
        if self._instant % YIELD_EVERY == 0:
            await asyncio.sleep(0)


class UntilHold:
    """Wraps a player (e.g. the auto player) so it plays only until the held clock stops."""

    def __init__(self, player: Player, clock: HeldClock) -> None:
        self._player = player
        self._clock = clock

    def next_time(self, engine: Engine) -> float | None:
        """The wrapped player's next moment, or None once time holds."""
        if self._clock.holding:
            return None
        return self._player.next_time(engine)

    def act(self, engine: Engine, now: float) -> None:
        """Act as the wrapped player, never at or after the hold."""
        if not self._clock.holding:
            self._player.act(engine, now)
