"""`drillconsole replay LOG`: check the input, open the log, then run the replay app."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from drillconsole.replay import ReplayError, ReplaySession, TimeFormatError, parse_time


def parse_speed(text: str) -> float:
    """Playback speed from `5`, `5x` or `5×` (any positive number); ReplayError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*[x×]?\s*", text or "")
    speed = float(match.group(1)) if match else 0.0
    if not speed > 0:
        raise ReplayError(f"bad --speed {text!r}: give a positive number of drill seconds per second (1, 5, 20, 60)")
    return speed


def open_replay(
    log: Path, *, speed: str = "1", at: str | None = None, playbook: Path | None = None
) -> tuple[ReplaySession, float, float]:
    """Check the options and open the log: (session, speed, start time); every problem is a one-line ReplayError."""
    rate = parse_speed(speed)
    try:
        start = parse_time(at) if at is not None else 0.0
    except TimeFormatError as exc:
        raise ReplayError(f"--at: {exc}") from None
    return ReplaySession.open(Path(log), playbook=playbook), rate, start


def replay_command(
    log: Path, *, speed: str = "1", theme: str | None = None, at: str | None = None, playbook: Path | None = None
) -> int:
    """Replay a session log in the console; 0 when closed, 2 for bad input (one line on stderr)."""
    try:
        session, rate, start = open_replay(log, speed=speed, at=at, playbook=playbook)
    except ReplayError as exc:
        print(f"drillconsole: {exc}", file=sys.stderr)
        return 2
    from drillconsole.ui.replay.app import ReplayApp

    app = ReplayApp(session, speed=rate, at=start, theme=theme)
    for problem in app.theme_problems:
        print(f"drillconsole: {problem}", file=sys.stderr)
    code = app.run()
    return 0 if code is None else code
