"""Reading session logs and verifying their hash chain, line by line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event, canonical, sha256_hex

MALFORMED = "truncated or malformed line"
EDITED = "hash mismatch (line edited)"
NOT_CANONICAL = "line is not in canonical form (line edited)"
EMPTY = "empty log"

_FIELDS: dict[str, type | tuple[type, ...]] = {
    "seq": int,
    "ts": str,
    "t": (int, float),
    "type": str,
    "actor": str,
    "data": dict,
    "prev": str,
    "hash": str,
}


class LogError(Exception):
    """A session log that cannot be used as it is (broken chain, in use, empty)."""


@dataclass(frozen=True)
class ChainReport:
    """What verification found: the events before the first bad line, and that line's problem."""

    events: list[Event]
    ok: bool
    bad_line: int | None
    problem: str | None
    complete: bool


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which canonical JSON cannot carry."""
    raise ValueError(f"{name} is not valid JSON")


def _parse(line: bytes) -> Event | None:
    """The event on one line, or None if the line is not a complete, well-typed event."""
    try:
        d = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(d, dict):
        return None
    for key, kind in _FIELDS.items():
        value = d.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    return Event.from_dict(d)


def _check(raw: bytes, prev: Event | None, lineno: int) -> tuple[Event | None, str | None]:
    """Verify one line against the event before it: (event, None) or (None, problem)."""
    line = raw[:-1] if raw.endswith(b"\n") else raw
    event = _parse(line)
    if event is None:
        return None, MALFORMED
    try:
        body, full = canonical(event.body()), canonical(event.to_dict())
    except ValueError:  # lone surrogates and the like
        return None, MALFORMED
    if sha256_hex(body) != event.hash:
        return None, EDITED
    if full != line:
        return None, NOT_CANONICAL
    if prev is None:
        if event.seq != 0:
            return None, f"seq {event.seq} at the start, expected 0 (line deleted or reordered)"
        anchor = event.data.get("playbook_hash") if event.type == EventType.SESSION_STARTED else None
        if isinstance(anchor, str) and event.prev != anchor:
            return None, "prev does not match the playbook hash (line edited)"
        return event, None
    if event.seq != prev.seq + 1:
        return None, f"seq {event.seq} follows {prev.seq} (line deleted or reordered)"
    if event.prev != prev.hash:
        return None, f"prev does not match the hash of line {lineno - 1} (line deleted or reordered)"
    return event, None


def read_log(path: Path) -> ChainReport:
    """Read and verify a whole log; raises OSError only if the file cannot be read."""
    events: list[Event] = []
    complete = False
    blank_at: int | None = None
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                blank_at = lineno if blank_at is None else blank_at
                continue
            if blank_at is not None:  # blank lines are tolerated only at the very end
                return ChainReport(events, False, blank_at, MALFORMED, complete)
            event, problem = _check(raw, events[-1] if events else None, lineno)
            if event is None:
                return ChainReport(events, False, lineno, problem, complete)
            events.append(event)
            complete = complete or event.type == EventType.SESSION_ENDED
    if not events:
        return ChainReport(events, False, 1, EMPTY, False)
    return ChainReport(events, True, None, None, complete)


def iter_events(path: Path) -> Iterator[Event]:
    """Every event in the file, unverified, stopping at the first line that does not parse."""
    with open(path, "rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:
                event = Event.from_dict(json.loads(raw))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                return
            yield event


def verify_command(path: Path) -> int:
    """`drillconsole verify LOG`: one line of verdict; exit 0 intact, 1 broken, 2 unreadable."""
    try:
        report = read_log(Path(path))
    except OSError as exc:
        print(f"drillconsole: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback
        print(f"drillconsole: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if not report.ok:
        print(f"{path}:{report.bad_line}: {report.problem}")
        return 1
    n = len(report.events)
    message = f"ok: {n} event{'' if n == 1 else 's'}, chain intact"
    if not report.complete:
        message += "; no session.ended (drill did not finish)"
    print(message)
    return 0
