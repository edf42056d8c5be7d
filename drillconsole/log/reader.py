"""Reading session logs and verifying their hash chain: events for replay, or a byte-level scan for `verify`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.lines import EDITED, MALFORMED, NOT_CANONICAL, PREV_KEY, check_line, is_sample_line, parse

__all__ = [
    "EDITED",
    "EMPTY",
    "MALFORMED",
    "NOT_CANONICAL",
    "ChainReport",
    "LogError",
    "Scan",
    "read_log",
    "read_verified_lines",
    "scan_log",
]

EMPTY = "empty log"
SEAL_TYPE = EventType.LOG_SEALED
_EXPECT_TAIL = b'","hash":"'
_CHUNK = 1 << 20
_SIG = b'"sig":"'
_ENDED = b',"type":"session.ended",'
_TOP_SEQ = re.compile(rb'\{"seq":\d+')


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
        self.sealed: list[bytes] = []

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

    def fast(self, lines: Iterator[bytes]) -> bool:
        """Verify whole schema-2 lines by slicing and hashing (no JSON); hand anything else to `slow`."""
        for raw in lines:
            if self.prev is None or self.blank_at is not None:
                if not self.slow(raw.rstrip(b"\n")):
                    return False
                continue
            n, last, odd = _run(lines, raw, PREV_KEY + self.prev.encode() + _EXPECT_TAIL, self.sealed)
            if n:
                self.lineno += n
                self.scan.events += n - 1
                self._accept(self.seq + n - 1, last[-67:-3].decode())
                # seq is inside the hashed bytes and the chain fixes the order; checking the run's last seq is enough.
                if not last.startswith(b'{"seq":%d,' % (self.seq - 1)):
                    self.fail(self.lineno, "seq out of order (line edited)")
                    return False
            if odd is not None and not self.slow(odd.rstrip(b"\n")):
                return False
        return True

    def specials(self, path: Path, sealed: list[bytes]) -> None:
        """Record the seals the fast loop set aside, and find `session.ended` from the end of the file."""
        seen = {seal.seq for seal in self.scan.seals}
        for line in sealed:
            event = parse(line.rstrip(b"\n"))
            if event is not None and event.type == SEAL_TYPE and event.seq not in seen:
                self.scan.seals.append(SealRecord(event.seq + 1, event.seq, event.prev, event.data))
        self.scan.seals.sort(key=lambda seal: seal.seq)
        if self.scan.ended_seq is None:
            self.scan.ended_seq = _last_end(path)

    def finish(self) -> None:
        if self.scan.problem is None and self.scan.events == 0:
            self.fail(1, EMPTY)


def _run(lines: Iterator[bytes], first: bytes, expect: bytes, sealed: list[bytes]) -> tuple[int, bytes, bytes | None]:
    """The tight loop: (lines verified, the last of them, the first line it could not verify or None).

    A schema-2 line (newline included) ends with `,"prev":"P","hash":"H"}\n`;
    it holds if P is the previous line's hash and H is the sha256 of every byte
    before `,"hash":"`. Lines whose data ends with a 128-hex `sig` (seals) are
    set aside in `sealed` for their signatures to be checked.
    """
    sha, n, last, line = hashlib.sha256, 0, b"", first
    while True:
        digest = line[-67:-3]
        if line[-150:-67] != expect or line[-3:] != b'"}\n' or sha(line[:-76]).hexdigest().encode() != digest:
            return n, last, line
        if line[-287:-280] == _SIG:
            sealed.append(line)
        expect = PREV_KEY + digest + _EXPECT_TAIL
        n, last = n + 1, line
        line = next(lines, b"")
        if not line:
            return n, last, None


def _last_end(path: Path) -> int | None:
    """The seq of the last `session.ended` line, searching back from the end of the file (where it is)."""
    with open(path, "rb") as f:
        end = f.seek(0, 2)
        tail = b""
        while end > 0:
            start = max(0, end - _CHUNK)
            f.seek(start)
            buf = f.read(end - start) + tail
            pos = buf.rfind(_ENDED)
            while pos >= 0:
                line_start = buf.rfind(b"\n", 0, pos) + 1
                if line_start > 0 or start == 0:
                    line_end = buf.find(b"\n", pos)
                    event = parse(buf[line_start : line_end if line_end >= 0 else len(buf)].rstrip())
                    if (
                        event is not None
                        and event.type == EventType.SESSION_ENDED
                        and _TOP_SEQ.fullmatch(buf, line_start, pos)
                    ):
                        return event.seq
                pos = buf.rfind(_ENDED, 0, pos)
            cut = buf.find(b"\n")
            tail = buf[: cut + 1] if cut >= 0 else buf  # a line cut by the chunk boundary is searched again
            end = start
    return None


def _read(path: Path, keep: bool) -> _Chain:
    chain = _Chain(keep)
    with open(path, "rb") as f:
        lines = iter(f)
        if keep:
            for raw in lines:
                if not chain.slow(raw.rstrip(b"\n")):
                    return chain
        elif not chain.fast(lines):
            return chain
    if not keep and chain.scan.ok:
        chain.specials(path, chain.sealed)
    chain.finish()
    return chain


def scan_log(path: Path) -> Scan:
    """Verify a whole log at disk speed (schema 2) without decoding events; raises OSError only if unreadable."""
    return _read(Path(path), keep=False).scan


def read_verified_lines(path: Path) -> tuple[list[bytes], Scan]:
    """The lines of a log the chain holds for (no newlines, blank ones left out), and the scan that checked them.

    Verified at disk speed like `scan_log` (schema-2 lines by slicing and hashing), so a reader
    that decodes only the lines it needs (replay) still refuses an edited log. Seal signatures
    and `session.ended` are not looked for (`verify` does that).
    """
    lines, chain = _verified_lines(Path(path))
    return lines, chain.scan


def _verified_lines(path: Path) -> tuple[list[bytes], _Chain]:
    """The lines the chain holds for (no newlines, blank ones left out), and the chain that checked them."""
    with open(path, "rb") as f:
        lines = f.readlines()
    chain = _Chain(keep=False)
    chain.fast(iter(lines))
    chain.finish()
    kept = [line.rstrip(b"\n") for line in lines if line.strip()]
    del kept[chain.scan.events :]
    return kept, chain


def read_log(path: Path, samples: bool = True) -> ChainReport:
    """Read and verify a whole log, decoding every event; raises OSError only if the file cannot be read.

    `samples=False`: every line is still verified (at disk speed, like `scan_log`), but only the events
    that are not `signal.sample` are decoded and kept. A re-run needs no samples, and a four-hour,
    200-signal drill's samples take hundreds of MB as objects.
    """
    if samples:
        chain = _read(Path(path), keep=True)
        s = chain.scan
        return ChainReport(chain.events, s.ok, s.bad_line, s.problem, s.ended_seq is not None)
    lines, chain = _verified_lines(Path(path))
    if chain.scan.ok:
        chain.specials(Path(path), chain.sealed)
    events = []
    for line in lines:
        if is_sample_line(line):
            continue
        event = parse(line)
        if event is not None and event.type != EventType.SIGNAL_SAMPLE:
            events.append(event)
    s = chain.scan
    return ChainReport(events, s.ok, s.bad_line, s.problem, s.ended_seq is not None)


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
