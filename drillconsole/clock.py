"""Clocks: drill time comes from one of these, never from `time` directly."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


def utc_now() -> datetime:
    """Wall-clock UTC time (only for the `ts` field and file names)."""
    return datetime.now(UTC)


def utc_stamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with microseconds and a `Z` suffix."""
    moment = moment or utc_now()
    # isoformat is several times faster than strftime, and every log line carries one of these.
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


class Clock(Protocol):
    """Drill seconds since the session start, and a way to wait on them."""

    virtual: bool

    def now(self) -> float: ...

    async def sleep_until(self, t: float, wake: asyncio.Event | None = None) -> None: ...


@runtime_checkable
class SteeredClock(Protocol):
    """A clock the console may pause, resume and speed up (a real clock; not a virtual or a follower's)."""

    speed: float

    @property
    def paused(self) -> bool: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def set_speed(self, speed: float) -> None: ...


class RealClock:
    """Monotonic clock, optionally faster than real time (`speed`), pausable."""

    virtual = False

    def __init__(self, speed: float = 1.0, start_at: float = 0.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._offset = start_at
        self._origin = time.monotonic()
        self._paused_at: float | None = None

    def begin(self) -> None:
        """Start counting from here: time spent loading or confirming before the drill is not drill time."""
        self._origin = time.monotonic()

    def now(self) -> float:
        if self._paused_at is not None:
            return self._paused_at
        return self._offset + (time.monotonic() - self._origin) * self.speed

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = self.now()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._offset, self._origin = self._paused_at, time.monotonic()
            self._paused_at = None

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        now = self.now()
        self._offset, self._origin, self.speed = now, time.monotonic(), speed
        if self._paused_at is not None:
            self._paused_at = now

    async def sleep_until(self, t: float, wake: asyncio.Event | None = None) -> None:
        """Sleep until drill time `t`, or until `wake` is set."""
        while True:
            if self._paused_at is not None:
                delay = 0.25
            else:
                delay = (t - self.now()) / self.speed
                if delay <= 0:
                    return
            delay = min(delay, 0.25)
            if wake is None:
                await asyncio.sleep(delay)
            else:
                try:
                    await asyncio.wait_for(wake.wait(), delay)
                    return
                except TimeoutError:
                    pass


class VirtualClock:
    """Time that jumps straight to the next scheduled moment."""

    virtual = True

    def __init__(self, start_at: float = 0.0) -> None:
        self._now = start_at

    def now(self) -> float:
        return self._now

    async def sleep_until(self, t: float, wake: asyncio.Event | None = None) -> None:
        if wake is not None and wake.is_set():
            return
        if t > self._now:
            self._now = t
