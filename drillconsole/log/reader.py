"""Reading session logs and verifying their hash chain: events for replay, or a byte-level scan for `verify`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.lines import EDITED, MALFORMED, NOT_CANONICAL, PREV_KEY, TAIL, check_line

__all__ = ["EDITED", "EMPTY", "MALFORMED", "NOT_CANONICAL", "ChainReport", "LogError", "Scan", "read_log", "scan_log"]

EMPTY = "empty log"
SEAL_TYPE = EventType.LOG_SEALED
CHUNK = 8 << 20
"""Bytes read at a time by the scan: large enough to amortise, small enough to keep memory flat."""

_EXPECT_TAIL = b'","hash":"'
_SPECIAL = (b'"type":"log.sealed"', b'"type":"session.ended"')


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


@dataclass(frozen=True)
class SealRecord:
    """A `log.sealed` line as found in the chain: where it is and what it claims."""

    line: int
    seq: int
    prev: str
    data: dict[str, Any]


@dataclass
class Scan:
    """What a byte-level scan found: how far the chain holds, its head, whether it ended, and its seals."""

    events: int = 0
    bad_line: int | None = None
    problem: str | None = None
    head_seq: int = -1
    head_hash: str | None = None
    ended_seq: int | None = None
    seals: list[SealRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every line verified (and there was at least one)."""
        return self.problem is None


def _linked(event: Event, seq: int, prev: str | None, lineno: int) -> str | None:
    """The problem with an event's place in the chain (seq and prev), or None."""
    if prev is None:
        if event.seq != 0:
            return f"seq {event.seq} at the start, expected 0 (line deleted or reordered)"
        anchor = event.data.get("playbook_hash") if event.type == EventType.SESSION_STARTED else None
        if isinstance(anchor, str) and event.prev != anchor:
            return "prev does not match the playbook hash (line edited)"
        return None
    if event.seq != seq:
        return f"seq {event.seq} follows {seq - 1} (line deleted or reordered)"
    if event.prev != prev:
        return f"prev does not match the hash of line {lineno - 1} (line deleted or reordered)"
    return None


class _Chain:
    """The running state of a verification, line by line; `fast` lines skip JSON entirely."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.events: list[Event] = []
        self.scan = Scan()
        self.seq = 0
        self.prev: str | None = None
        self.lineno = 0
        self.blank_at: int | None = None

    def fail(self, lineno: int, problem: str) -> None:
        self.scan.bad_line, self.scan.problem = lineno, problem

    def slow(self, raw: bytes) -> bool:
        """Verify one line by decoding it; False once the chain is broken."""
        self.lineno += 1
        if not raw.strip():
            self.blank_at = self.lineno if self.blank_at is None else self.blank_at
            return True
        if self.blank_at is not None:  # blank lines are tolerated only at the very end
            self.fail(self.blank_at, MALFORMED)
            return False
        event, problem = check_line(raw)
        if event is None:
            self.fail(self.lineno, problem or MALFORMED)
            return False
        problem = _linked(event, self.seq, self.prev, self.lineno)
        if problem is not None:
            self.fail(self.lineno, problem)
            return False
        self._accept(event.seq, event.hash)
        if event.type == EventType.SESSION_ENDED and self.scan.ended_seq is None:
            self.scan.ended_seq = event.seq
        elif event.type == SEAL_TYPE:
            self.scan.seals.append(SealRecord(self.lineno, event.seq, event.prev, event.data))
        if self.keep:
            self.events.append(event)
        return True

    def _accept(self, seq: int, digest: str) -> None:
        self.seq, self.prev = seq + 1, digest
        self.scan.events += 1
        self.scan.head_seq, self.scan.head_hash = seq, digest

    def fast(self, lines: list[bytes], watch: bool) -> bool:
        """Verify whole lines by slicing and hashing; hand anything unusual to `slow`."""
        sha, i, n = hashlib.sha256, 0, len(lines)
        while i < n:
            if self.prev is None or self.blank_at is not None:
                if not self.slow(lines[i]):
                    return False
                i += 1
                continue
            seq, prev = self.seq, self.prev.encode()
            expect = PREV_KEY + prev + _EXPECT_TAIL
            start = i
            while i < n:
                line = lines[i]
                digest = line[-66:-2]
                head = b'{"seq":%d,' % seq
                if (
                    line[-TAIL - 74 : -66] != expect
                    or not line.startswith(head)
                    or line[-2:] != b'"}'
                    or sha(line[:-TAIL]).hexdigest().encode() != digest
                    or (watch and (line.startswith(_SPECIAL[0], len(head)) or line.startswith(_SPECIAL[1], len(head))))
                ):
                    break
                expect = PREV_KEY + digest + _EXPECT_TAIL
                seq += 1
                i += 1
            if i > start:
                self.lineno += i - start
                self.scan.events += i - start - 1
                self._accept(seq - 1, lines[i - 1][-66:-2].decode())
            if i < n:
                if not self.slow(lines[i]):
                    return False
                i += 1
        return True

    def finish(self) -> None:
        if self.scan.problem is None and self.scan.events == 0:
            self.fail(1, EMPTY)


def _run(path: Path, keep: bool) -> _Chain:
    chain = _Chain(keep)
    with open(path, "rb") as f:
        if keep:
            for raw in f:
                if not chain.slow(raw[:-1] if raw.endswith(b"\n") else raw):
                    return chain
            chain.finish()
            return chain
        carry = b""
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            buf = carry + chunk if carry else chunk
            lines = buf.split(b"\n")
            carry = lines.pop()
            watch = any(s in buf for s in _SPECIAL)
            if not chain.fast(lines, watch):
                return chain
        if carry and not chain.slow(carry):
            return chain
    chain.finish()
    return chain


def scan_log(path: Path) -> Scan:
    """Verify a whole log at disk speed (schema 2) without decoding events; raises OSError only if unreadable."""
    return _run(Path(path), keep=False).scan


def read_log(path: Path) -> ChainReport:
    """Read and verify a whole log, decoding every event; raises OSError only if the file cannot be read."""
    chain = _run(Path(path), keep=True)
    s = chain.scan
    return ChainReport(chain.events, s.ok, s.bad_line, s.problem, s.ended_seq is not None)


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
