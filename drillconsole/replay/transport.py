"""Replay transport: play/pause, speed ladder and seeking over a timeline, on an injected wall clock."""

from __future__ import annotations

import re
from typing import Protocol

from drillconsole.playbook.durations import parse_duration

SPEEDS: tuple[float, ...] = (1.0, 5.0, 20.0, 60.0)
"""The speed ladder `faster()` and `slower()` move along."""


class Timeline(Protocol):
    """What the transport needs of a replay (a ReplaySession is one)."""

    @property
    def duration(self) -> float: ...

    def next_event_t(self, t: float) -> float | None: ...

    def prev_event_t(self, t: float) -> float | None: ...

    def next_phase_t(self, t: float) -> float | None: ...

    def prev_phase_t(self, t: float) -> float | None: ...


class TimeFormatError(ValueError):
    """A drill time the user typed that is not understood (one line)."""


_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")


def parse_time(text: str) -> float:
    """Drill seconds from `83`, `83s`, `1m23s`, `1:23`, `1:02:03` or `T+01:23`; TimeFormatError otherwise."""
    raw = text.strip() if isinstance(text, str) else ""
    body = raw[2:].strip() if raw[:2].upper() == "T+" else raw
    error = TimeFormatError(f"bad time {text!r}: use seconds (83, 83s), m:ss (1:23) or T+mm:ss (T+01:23)")
    if not body:
        raise error
    match = _CLOCK.match(body)
    if match:
        hours, minutes, seconds = match.groups()
        if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise error
        return int(hours or 0) * 3600.0 + int(minutes) * 60.0 + float(seconds)
    try:
        return float(body) if re.fullmatch(r"\d+(?:\.\d+)?", body) else parse_duration(body)
    except ValueError:
        raise error from None


class Transport:
    """Where the replay is and whether it plays; every method takes the wall time `now` in seconds."""

    def __init__(self, timeline: Timeline, *, speed: float = 1.0, start: float = 0.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed:g}")
        self.timeline = timeline
        self._speed = float(speed)
        self._playing = False
        self._anchor_t = self._clamp(start)
        self._anchor_now = 0.0

    # --- reading ---------------------------------------------------------------

    @property
    def duration(self) -> float:
        """Drill time of the end of the replay."""
        return self.timeline.duration

    @property
    def speed(self) -> float:
        """Drill seconds per wall second while playing."""
        return self._speed

    @property
    def playing(self) -> bool:
        """Whether the position advances (it stops by itself at the end; read `position` first)."""
        return self._playing

    def position(self, now: float) -> float:
        """Drill time at wall time `now`; reaching the end pauses there."""
        if not self._playing:
            return self._anchor_t
        t = self._anchor_t + max(0.0, now - self._anchor_now) * self._speed
        if t >= self.duration:
            self._playing, self._anchor_t, self._anchor_now = False, self.duration, now
            return self.duration
        return t

    def at_end(self, now: float) -> bool:
        """Whether the position is at the end of the replay."""
        return self.position(now) >= self.duration

    # --- play / pause / speed --------------------------------------------------

    def _rebase(self, now: float, t: float | None = None) -> None:
        """Restart the play anchor at `now`, at t (default: the current position)."""
        self._anchor_t = self.position(now) if t is None else self._clamp(t)
        self._anchor_now = now

    def play(self, now: float) -> None:
        """Start playing (from the start again if at the end)."""
        if self._playing:
            return
        self._rebase(now, 0.0 if self.at_end(now) and self.duration > 0 else None)
        self._playing = self.duration > 0

    def pause(self, now: float) -> None:
        """Stop at the current position."""
        self._rebase(now)
        self._playing = False

    def toggle(self, now: float) -> bool:
        """Play if paused, pause if playing; returns whether it now plays."""
        if self._playing and not self.at_end(now):
            self.pause(now)
        else:
            self.play(now)
        return self._playing

    def set_speed(self, speed: float, now: float) -> float:
        """Use any positive speed (e.g. from `--speed`), keeping the position."""
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed:g}")
        self._rebase(now)
        self._speed = float(speed)
        return self._speed

    def faster(self, now: float) -> float:
        """Next speed up the ladder (stays at the top); returns the new speed."""
        up = [s for s in SPEEDS if s > self._speed]
        return self.set_speed(up[0] if up else self._speed, now)

    def slower(self, now: float) -> float:
        """Next speed down the ladder (stays at the bottom); returns the new speed."""
        down = [s for s in SPEEDS if s < self._speed]
        return self.set_speed(down[-1] if down else self._speed, now)

    # --- moving ------------------------------------------------------------------

    def _clamp(self, t: float) -> float:
        """t within [0, duration]."""
        return min(max(0.0, float(t)), self.duration)

    def seek(self, t: float, now: float) -> float:
        """Go to drill time t, clamped to [0, duration]; playing continues from there."""
        self._rebase(now, t)
        if self._playing and self._anchor_t >= self.duration:
            self._playing = False
        return self._anchor_t

    def jump(self, delta: float, now: float) -> float:
        """Move by `delta` drill seconds (negative: back), clamped."""
        return self.seek(self.position(now) + delta, now)

    def step_event(self, direction: int, now: float) -> float:
        """Go to the next (+1) or previous (-1) event, skipping signal samples; the ends if there is none."""
        t = self.position(now)
        target = self.timeline.next_event_t(t) if direction > 0 else self.timeline.prev_event_t(t)
        return self.seek(target if target is not None else (self.duration if direction > 0 else 0.0), now)

    def step_phase(self, direction: int, now: float) -> float:
        """Go to the next (+1) or previous (-1) phase entry; the ends if there is none."""
        t = self.position(now)
        target = self.timeline.next_phase_t(t) if direction > 0 else self.timeline.prev_phase_t(t)
        return self.seek(target if target is not None else (self.duration if direction > 0 else 0.0), now)
