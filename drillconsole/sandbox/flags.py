"""Feature flags behind the sandbox's REST contract (see `drillconsole.actions.http_flags`)."""

from __future__ import annotations

import threading

ALL = "*"


class FlagStore:
    """Boolean flags, each with a value for all segments and optional per-segment values (thread-safe)."""

    def __init__(self, flags: dict[str, bool] | None = None) -> None:
        self._values: dict[str, dict[str, bool]] = {name: {ALL: bool(v)} for name, v in (flags or {}).items()}
        self._lock = threading.Lock()

    def get(self, flag: str, segment: str | None = None) -> bool | None:
        """The flag's value for the segment (falling back to all segments); None for an unknown flag."""
        with self._lock:
            values = self._values.get(flag)
            if values is None:
                return None
            return values.get(segment or ALL, values[ALL])

    def set(self, flag: str, value: bool, segment: str | None = None) -> bool:
        """Set the flag for one segment, or for every segment when none is named; False for an unknown flag."""
        with self._lock:
            values = self._values.get(flag)
            if values is None:
                return False
            if segment is None:
                for key in list(values):
                    values[key] = value
            else:
                values[segment] = value
            return True

    def snapshot(self) -> dict[str, dict[str, bool]]:
        with self._lock:
            return {name: dict(values) for name, values in self._values.items()}
