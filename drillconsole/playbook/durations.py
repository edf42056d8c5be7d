"""Human durations (`30s`, `2m`, `1h30m`, `250ms`, `30d`) parsed to seconds (formatting lives in `drill.wording`)."""

from __future__ import annotations

import math
import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
DURATION_PATTERN = r"^\s*((\d+(\.\d+)?)(ms|s|m|h|d))+\s*$"


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
