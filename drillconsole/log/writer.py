"""The append-only, hash-chained session-log writer: durable events fsynced at once, samples batched."""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillconsole.clock import utc_stamp
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import DURABLE_TYPES, Event
from drillconsole.log.lines import LOG_SCHEMA, encode_body, encode_data, frame
from drillconsole.log.reader import SEAL_TYPE, LogError, read_log
from drillconsole.secrets import Redactor

if TYPE_CHECKING:
    from drillconsole.log.seal import Sealer

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

SYNC_INTERVAL = 1.0
"""Seconds a non-durable event may stay un-fsynced (checked on each append)."""

SEAL_EVERY = 10.0
"""Drill seconds between seals of the head (also sealed after `session.ended` and at close).

Drill time, not wall time, so the same drill seals at the same events on every run.
"""


def plain(value: Any, scrub: bool = False) -> Any:
    """A JSON-safe copy: string keys, lists, non-finite floats as None, odd objects as text."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if scrub else value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {plain(k if isinstance(k, str) else str(k), scrub): plain(v, scrub) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v, scrub) for v in value]
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return plain(float(value))
    return plain(str(value), scrub)


def _encoded(data: dict[str, Any], redactor: Redactor | None) -> tuple[dict[str, Any], bytes]:
    """Redacted data and its bytes as written; odd values (objects, NaN, bad text) become plain JSON first.

    The common case encodes once: only data that fails to encode is made
    `plain` (objects to text, NaN to null) and then redacted, so text made from
    an object is redacted too.
    """
    clean = redactor.deep(data) if redactor is not None else data
    if all(isinstance(k, str) for k in clean):
        try:
            return clean, encode_data(clean)
        except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
            pass
    clean = plain(data)
    clean = redactor.deep(clean) if redactor is not None else clean
    try:
        return clean, encode_data(clean)
    except UnicodeEncodeError:  # lone surrogates
        clean = plain(clean, scrub=True)
        return clean, encode_data(clean)


def _lock(fd: int, path: Path) -> None:
    """Take an exclusive lock so two processes never append to one log (best effort)."""
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LogError(f"{path}: in use by another drillconsole process") from None
    except OSError:  # file systems without locks
        pass


def _sync_dir(directory: Path) -> None:
    """Make a new file's directory entry durable (ignored where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    with contextlib.suppress(OSError):
        os.fsync(fd)
    os.close(fd)


def _end_cleanly(fd: int, path: Path) -> None:
    """Drop trailing blank lines and end the last line with a newline, so appends start a fresh line."""
    size = os.fstat(fd).st_size
    with open(path, "rb") as f:
        end = size
        while end > 0:
            start = max(0, end - 4096)
            f.seek(start)
            kept = f.read(end - start).rstrip()
            if kept:
                end = start + len(kept)
                break
            end = start
        f.seek(end)
        if f.read(2) == b"\n":
            return
    os.ftruncate(fd, end)
    os.write(fd, b"\n")
    os.fsync(fd)


class SessionLog:
    """An open session log: appends hash-chained events, fsyncing the durable ones before returning.

    With a `sealer`, the writer also appends `log.sealed` records signing the head:
    after `session.ended`, at close, and after the first event at least `seal_every`
    drill seconds after the last seal.
    """

    def __init__(
        self,
        path: Path,
        fd: int,
        next_seq: int,
        last_hash: str,
        redactor: Redactor | None = None,
        wall: Callable[[], str] = utc_stamp,
        monotonic: Callable[[], float] = time.monotonic,
        sync_interval: float = SYNC_INTERVAL,
        existing: list[Event] | None = None,
        sealer: Sealer | None = None,
        seal_every: float = SEAL_EVERY,
    ) -> None:
        self.path = path
        self.next_seq = next_seq
        self.last_hash = last_hash
        self.existing: list[Event] = existing or []
        self.fsyncs = 0
        self._fd: int | None = fd
        self._size = os.fstat(fd).st_size
        self._redactor = redactor
        self._wall = wall
        self._monotonic = monotonic
        self._interval = sync_interval
        self._dirty_since: float | None = None
        self._failed: str | None = None
        self._mutex = threading.Lock()
        self._sealer = sealer
        self._seal_every = seal_every
        self.observers: list[Callable[[Event, bytes], None]] = []
        """Called with (event, line) for every line written, seals included, once it is as durable as its type needs."""
        self._written: list[tuple[Event, bytes]] = []
        last = self.existing[-1] if self.existing else None
        self._sealed = last is None or last.type == SEAL_TYPE
        self._last_t = last.t if last is not None else 0.0
        self._last_seal_t = self._last_t
        if sealer is not None:
            sealer.publish(path.parent)

    @classmethod
    def create(
        cls,
        path: Path,
        playbook_hash: str,
        redactor: Redactor | None = None,
        wall: Callable[[], str] = utc_stamp,
        monotonic: Callable[[], float] = time.monotonic,
        sync_interval: float = SYNC_INTERVAL,
        sealer: Sealer | None = None,
    ) -> SessionLog:
        """Start a new log whose chain is anchored on the playbook hash; never overwrites a file."""
        if not isinstance(playbook_hash, str) or not playbook_hash:
            raise ValueError("playbook_hash must be the sha256 hex of the playbook bytes")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        _lock(fd, path)
        _sync_dir(path.parent)
        return cls(path, fd, 0, playbook_hash, redactor, wall, monotonic, sync_interval, sealer=sealer)

    @classmethod
    def open_for_append(
        cls,
        path: Path,
        redactor: Redactor | None = None,
        wall: Callable[[], str] = utc_stamp,
        monotonic: Callable[[], float] = time.monotonic,
        sync_interval: float = SYNC_INTERVAL,
        sealer: Sealer | None = None,
    ) -> SessionLog:
        """Reopen an intact, unfinished log to resume a drill; raises LogError (naming the bad line) otherwise.

        A log whose drill ended (`session.ended`) is left exactly as it is: there is nothing to resume.
        """
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        _lock(fd, path)
        try:
            report = read_log(path)
            if not report.ok:
                raise LogError(f"{path}:{report.bad_line}: {report.problem}; cannot resume")
            if report.complete:  # the chain holds `session.ended`
                ended = next(e for e in reversed(report.events) if e.type == EventType.SESSION_ENDED)
                outcome = ended.data.get("outcome", "?")
                raise LogError(
                    f"{path}: this drill already ended (outcome {outcome}, at {ended.t:g} s); nothing to resume "
                    "(read it with `drillconsole replay` or `drillconsole report`)"
                )
            _end_cleanly(fd, path)
        except BaseException:
            os.close(fd)
            raise
        last = report.events[-1]
        return cls(
            path, fd, last.seq + 1, last.hash, redactor, wall, monotonic, sync_interval, report.events, sealer=sealer
        )

    @property
    def closed(self) -> bool:
        """Whether close() has been called."""
        return self._fd is None

    def append(
        self, t: float, type: str, actor: str, data: dict[str, Any] | None = None, by: str | None = None
    ) -> Event:
        """Redact, chain, write and (for durable types) fsync one event (`by`: the person, hashed); returns it."""
        if data is not None and not isinstance(data, dict):
            raise TypeError("event data must be a dict")
        if not math.isfinite(t):
            raise ValueError(f"event time must be finite, got {t!r}")
        with self._mutex:
            if self._fd is None:
                raise ValueError(f"session log {self.path} is closed")
            if self._failed:
                raise OSError(f"session log {self.path} is unusable: {self._failed}")
            raw = data or {}
            if self.next_seq == 0 and type == EventType.SESSION_STARTED:
                anchor = raw.get("playbook_hash")
                if anchor is not None and anchor != self.last_hash:
                    raise ValueError("session.started playbook_hash differs from the hash the log was created with")
                raw = {**raw, "log_schema": LOG_SCHEMA}
            event = self._write_event(round(float(t), 3), type, actor, *_encoded(raw, self._redactor), by=by)
            now = self._monotonic()
            if self._dirty_since is None:
                self._dirty_since = now
            if self._sealer is not None and (
                type == EventType.SESSION_ENDED or event.t - self._last_seal_t >= self._seal_every
            ):
                self._seal()  # fsynced with the event if that is durable, else with the next batch
            if type in DURABLE_TYPES or now - self._dirty_since >= self._interval:
                self._fsync()
            self._announce()
            return event

    def _announce(self) -> None:
        """Hand what was just written to the observers (participants follow the log through this)."""
        written, self._written = self._written, []
        for event, line in written:
            for observer in self.observers:
                observer(event, line)

    def _write_event(
        self, t: float, type: str, actor: str, data: dict[str, Any], data_bytes: bytes, by: str | None = None
    ) -> Event:
        """Frame (schema 2), write and chain one event whose data is clean and encoded."""
        ts = self._wall()
        line, digest = frame(encode_body(self.next_seq, t, ts, type, actor, data_bytes, self.last_hash, by))
        self._write(line)
        event = Event(self.next_seq, ts, t, type, actor, data, self.last_hash, digest, by)
        if self.observers:
            self._written.append((event, line))
        self.next_seq += 1
        self.last_hash = digest
        self._last_t = t
        self._sealed = False
        return event

    def _seal(self) -> None:
        """Append a `log.sealed` record signing the current head (the caller fsyncs)."""
        assert self._sealer is not None
        seal = self._sealer.seal(self.next_seq - 1, self.last_hash)
        self._write_event(self._last_t, SEAL_TYPE, ENGINE, seal, encode_data(seal))
        self._sealed = True
        self._last_seal_t = self._last_t

    def _write(self, line: bytes) -> None:
        """Write a whole line; on failure cut the file back so no partial line remains."""
        assert self._fd is not None
        view, done = memoryview(line), 0
        try:
            while done < len(line):
                done += os.write(self._fd, view[done:])
        except OSError as exc:
            if done:
                try:
                    os.ftruncate(self._fd, self._size)
                except OSError:
                    self._failed = f"partial line left after write error: {exc}"
            raise
        self._size += len(line)

    def _fsync(self) -> None:
        """fsync the file; a failed fsync makes the log unusable (the kernel may have dropped data)."""
        assert self._fd is not None
        try:
            os.fsync(self._fd)
        except OSError as exc:
            self._failed = f"fsync failed: {exc}"
            raise
        self.fsyncs += 1
        self._dirty_since = None

    def sync(self) -> None:
        """fsync now if anything was written since the last fsync."""
        with self._mutex:
            if self._fd is not None and self._dirty_since is not None and not self._failed:
                self._fsync()

    def seal(self) -> None:
        """Sign the head now (if a sealer is set and anything is unsealed) and fsync."""
        with self._mutex:
            if self._fd is not None and self._sealer is not None and not self._sealed and not self._failed:
                self._seal()
                self._fsync()
                self._announce()

    def close(self) -> None:
        """Seal the head (with a sealer), sync and close; calling it again does nothing."""
        with self._mutex:
            if self._fd is None:
                return
            try:
                if self._sealer is not None and not self._sealed and not self._failed and self.next_seq > 0:
                    self._seal()
                    self._dirty_since = self._dirty_since if self._dirty_since is not None else 0.0
                if self._dirty_since is not None and not self._failed:
                    self._fsync()
                self._announce()
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> SessionLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
