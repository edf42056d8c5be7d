"""Human durations (`30s`, `2m`, `1h30m`, `250ms`) parsed to seconds."""

from __future__ import annotations

import math
import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
DURATION_PATTERN = r"^\s*((\d+(\.\d+)?)(ms|s|m|h))+\s*$"


def parse_duration(value: object) -> float:
    """Return seconds for a duration string or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"duration must be a finite number of seconds, not {value!r}")
        if value < 0:
            raise ValueError(f"duration must not be negative: {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"not a duration: {value!r}")
    text = value.strip()
    pos, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"unparseable duration {value!r} (use e.g. 30s, 2m, 1h, 1m30s)")
    if not math.isfinite(total):  # `1e999s` would parse as infinity
        raise ValueError(f"duration {value!r} is not finite")
    return total


def format_duration(seconds: float | None) -> str:
    """Render seconds compactly: `42s`, `2m05s`, `1h02m`."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def format_clock(seconds: float) -> str:
    """Render drill time as `T+mm:ss` (or `T+h:mm:ss` past an hour)."""
    s = max(0, int(seconds))
    if s >= 3600:
        return f"T+{s // 3600}:{(s % 3600) // 60:02d}:{s % 60:02d}"
    return f"T+{s // 60:02d}:{s % 60:02d}"
