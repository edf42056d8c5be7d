"""A session log opened for replay: verified events, the playbook it ran, and the state at any moment."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from drillconsole.drill.recorded import RecordedPlaybookError, recorded_playbook
from drillconsole.drill.state import DrillState
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.lines import MALFORMED
from drillconsole.log.reader import read_verified_lines
from drillconsole.playbook.models import Playbook
from drillconsole.replay.checkpoints import CHECKPOINT_EVERY, CheckpointFold
from drillconsole.replay.events import DENSE_TYPES, LogEvents, UndecodableLine
from drillconsole.replay.markers import Marker, build_markers

__all__ = ["DENSE_TYPES", "ReplayError", "ReplaySession"]


class ReplayError(Exception):
    """A log that cannot be replayed (one line, meant for the user)."""


@dataclass(frozen=True)
class ReadLog:
    """The verified events of a log and what verification found after them."""

    events: LogEvents
    ok: bool
    bad_line: int | None
    problem: str | None
    complete: bool


def _read(log_path: Path) -> ReadLog:
    """Read and verify the log, turning every failure into a one-line ReplayError."""
    try:
        lines, scan = read_verified_lines(log_path)
    except OSError as exc:
        raise ReplayError(f"cannot read {log_path}: {exc.strerror or exc}") from None
    except Exception as exc:
        raise ReplayError(f"cannot read {log_path}: {exc}") from None
    ok, bad_line, problem = scan.ok, scan.bad_line, scan.problem
    try:
        events = LogEvents(lines)
    except UndecodableLine as exc:  # hashed as written, yet not an event: the chain holds up to it
        events = LogEvents(lines[: exc.at])
        ok, bad_line, problem = False, exc.at + 1, MALFORMED
    if not events:
        raise ReplayError(f"{log_path} is not a session log (line {bad_line}: {problem})")
    first = events[0]
    if first.type != EventType.SESSION_STARTED:
        raise ReplayError(f"{log_path} is not a session log (it starts with {first.type}, not session.started)")
    return ReadLog(events, ok, bad_line, problem, EventType.SESSION_ENDED in events.types)


def _warning(report: ReadLog) -> str | None:
    """What the user must know about a log that is not whole, or None."""
    if not report.ok:
        n = len(report.events)
        return (
            f"chain broken at line {report.bad_line}: {report.problem}; "
            f"replaying the {n} event{'' if n == 1 else 's'} before it"
        )
    if not report.complete:
        return "drill did not finish (no session.ended); replaying to its last event"
    return None


def _playbook(started: Event, override: Path | None) -> tuple[Playbook, Path, str | None]:
    """The playbook the drill ran: embedded in the log, or (older logs, `--playbook`) a file with the recorded hash."""
    try:
        recorded = recorded_playbook(started.data, override)
    except RecordedPlaybookError as exc:
        raise ReplayError(str(exc)) from None
    return recorded.playbook, Path(recorded.name), recorded.note


class ReplaySession:
    """A verified session log and its playbook, folded with the live `apply` to any moment."""

    def __init__(
        self,
        path: Path,
        playbook: Playbook,
        playbook_path: Path,
        report: ReadLog,
        *,
        checkpoint_every: int = CHECKPOINT_EVERY,
    ) -> None:
        self.path = path
        self.playbook = playbook
        self.playbook_path = playbook_path
        self.events: LogEvents = report.events
        self.complete = report.complete
        self.warning: str | None = _warning(report)
        sparse = self.events.sparse()
        self.markers: list[Marker] = build_markers(sparse)
        # drill time never goes backwards in a log the engine wrote; the running max keeps bisect sound regardless
        self._times = list(accumulate(self.events.times, max))
        self._step_times = sorted({e.t for e in sparse})
        self._phase_times = sorted({e.t for e in sparse if e.type == EventType.PHASE_ENTERED})
        self._fold = CheckpointFold(playbook, self.events, checkpoint_every)

    @classmethod
    def open(
        cls, log_path: Path, *, playbook: Path | None = None, checkpoint_every: int = CHECKPOINT_EVERY
    ) -> ReplaySession:
        """Open a log for replay with the playbook it names (or `playbook`), raising a one-line ReplayError.

        Opening verifies the chain and decodes every event but the samples; the snapshots seeks start
        from are folded by `build_checkpoints` (in slices, after the first frame) or by the first seek
        that needs them.
        """
        log_path = Path(log_path)
        report = _read(log_path)
        pb, pb_path, note = _playbook(report.events[0], playbook)
        session = cls(log_path, pb, pb_path, report, checkpoint_every=checkpoint_every)
        if note is not None:
            session.warning = f"{session.warning}; {note}" if session.warning else note
        return session

    def build_checkpoints(self, limit: int | None = None) -> bool:
        """Fold up to `limit` more events into the seek snapshots (None: all); whether every event is in now."""
        return self._fold.build(limit)

    # --- what the log holds --------------------------------------------------

    @property
    def started(self) -> dict[str, Any]:
        """The data of `session.started` (drill, seed, roster, versions, signals...)."""
        return self.events[0].data

    @property
    def duration(self) -> float:
        """Drill time of the last replayable event."""
        return self._times[-1]

    @property
    def checkpoints(self) -> int:
        """How many state snapshots are kept for seeking."""
        return len(self._fold)

    # --- state at a moment ---------------------------------------------------

    def index_at(self, t: float) -> int:
        """Index of the last event with `event.t <= t` (-1 before the first event)."""
        return bisect_right(self._times, t) - 1

    def state_at(self, t: float) -> DrillState:
        """A new state folded from every event with `event.t <= t` (the caller may keep it)."""
        return self._fold.state(self.index_at(t) + 1)

    def state_after(self, seq: int) -> DrillState:
        """A new state folded from events 0..seq (-1: before the first event)."""
        if not -1 <= seq < len(self.events):
            raise ValueError(f"no event {seq}: the replay holds events 0..{len(self.events) - 1}")
        return self._fold.state(seq + 1)

    def peek_at(self, t: float) -> DrillState:
        """Like `state_at` but shared and read-only, valid until the next peek: cheap for playback."""
        return self._fold.peek(self.index_at(t) + 1)

    # --- navigation ----------------------------------------------------------

    def next_event_t(self, t: float) -> float | None:
        """Time of the next event after t, skipping signal samples (None at the end)."""
        return _after(self._step_times, t)

    def prev_event_t(self, t: float) -> float | None:
        """Time of the last event before t, skipping signal samples (None at the start)."""
        return _before(self._step_times, t)

    def next_phase_t(self, t: float) -> float | None:
        """Time the next phase is entered after t (None if no later phase)."""
        return _after(self._phase_times, t)

    def prev_phase_t(self, t: float) -> float | None:
        """Time the last phase before t was entered (None if none)."""
        return _before(self._phase_times, t)

    def markers_between(self, t0: float, t1: float) -> list[Marker]:
        """Markers with t0 <= t <= t1, in log order."""
        return [m for m in self.markers if t0 <= m.t <= t1]


def _after(times: list[float], t: float) -> float | None:
    """The first time strictly after t."""
    i = bisect_right(times, t)
    return times[i] if i < len(times) else None


def _before(times: list[float], t: float) -> float | None:
    """The last time strictly before t."""
    i = bisect_left(times, t)
    return times[i - 1] if i > 0 else None
