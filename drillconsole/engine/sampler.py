"""Signal sampling: polls become `signal.sample`, band states, triggers and stale sources."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from typing import Any

from drillconsole.drill import evaluate
from drillconsole.engine.recorder import Recorder
from drillconsole.engine.tasks import Supervisor
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.signals import Reading, SignalSource, SourceError

POLL_GRACE = 1.0
"""Seconds beyond a source's own timeout before the engine gives up on a poll."""

SOURCE_ERROR_EVERY = 30.0
"""After a signal is stale, repeat its `source.error` at most this often (drill seconds)."""


class Sampler:
    """Polls every signal on its interval grid and records what came back."""

    def __init__(self, recorder: Recorder, sources: Mapping[str, SignalSource], tasks: Supervisor) -> None:
        self.rec = recorder
        self.sources = sources
        self.tasks = tasks
        self._groups: dict[tuple[float, float], list[str]] = {}
        """Signals due together: (due, interval) -> ids; a tick touches groups, not every signal."""
        self._plans: dict[tuple[str, ...], tuple[Any, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        self._polling: set[str] = set()
        self._order: dict[str, int] = {}
        self._last_error_t: dict[str, float] = {}
        self._misses: dict[str, int] = {}
        self._measured: dict[str, float] = {}
        """Unix time of the newest measurement recorded per remote signal: nothing older is recorded after it."""

    def begin(self, start: float) -> None:
        """Schedule the first polls: a new drill samples at T+0, a resumed one at the grid point at or before now."""
        for signal in self.rec.playbook.signals:
            due = math.floor(start / signal.interval + 1e-9) * signal.interval
            last = self.rec.state.signals[signal.id].last_t
            if last is not None and due <= last + 1e-9:  # a resumed drill never samples an instant twice
                due = (math.floor(last / signal.interval + 1e-9) + 1) * signal.interval
            self._groups.setdefault((due, signal.interval), []).append(signal.id)
        self._order = {signal.id: i for i, signal in enumerate(self.rec.playbook.signals)}
        for sid, source in self.sources.items():
            if not source.synchronous and hasattr(source, "backfill"):
                self.tasks.spawn(self._backfill(sid, source), f"backfill of {sid}")

    def next_times(self) -> list[float]:
        """When a poll is next due."""
        return [due for due, _ in self._groups]

    def _plan(self, ids: tuple[str, ...]) -> tuple[Any, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """For a group: its simulated bank, the ids it samples, other synchronous ids, remote ids (computed once)."""
        plan = self._plans.get(ids)
        if plan is None:
            bank = next((getattr(self.sources[s], "bank", None) for s in ids if self.sources[s].synchronous), None)
            banked = tuple(s for s in ids if bank is not None and getattr(self.sources[s], "bank", None) is bank)
            others = tuple(s for s in ids if self.sources[s].synchronous and s not in banked)
            remote = tuple(s for s in ids if not self.sources[s].synchronous)
            plan = self._plans[ids] = (bank, banked, others, remote)
        return plan

    def poll(self, now: float) -> None:
        """Sample synchronous sources inline (one event per instant); start remote polls that are due."""
        due_groups = [key for key in self._groups if key[0] <= now + 1e-9]
        if not due_groups:
            return
        state = self.rec.state
        values: dict[str, float | None] = {}
        for key in sorted(due_groups):
            due, interval = key
            ids = self._groups.pop(key)
            nxt = max(due + interval, math.floor(now / interval + 1e-9) * interval + interval)
            self._groups.setdefault((nxt, interval), []).extend(ids)
            bank, banked, others, remote = self._plan(tuple(ids))
            if bank is not None:  # every simulated signal due now in one vectorised draw
                values.update(bank.sample(state, now, banked))
            for sid in others:
                values[sid] = round(self.sources[sid].sample(state, now), 6)
            for sid in remote:
                if sid not in self._polling:
                    self._polling.add(sid)
                    self.tasks.spawn(self._remote_poll(sid, self.sources[sid]), f"poll of {sid}")
        if len(due_groups) > 1:  # keep the playbook's order of signals in the event, as one group already has
            order = self._order
            values = dict(sorted(values.items(), key=lambda kv: order[kv[0]]))
        if values:
            self.record_samples(values, now)

    async def _remote_poll(self, sid: str, source: SignalSource) -> None:
        # A source that never answers must still go stale: bound every poll, whatever the source does.
        limit = getattr(self.rec.playbook.signal(sid).source, "timeout", 10.0) + POLL_GRACE
        reading: Reading | None = None
        try:
            read = getattr(source, "read", None)
            if read is not None:
                reading = await asyncio.wait_for(read(), limit)
            else:  # a source that cannot say when it measured: the answer is as fresh as its arrival
                reading = Reading(await asyncio.wait_for(source.poll(), limit), time.time())
            error = None
        except SourceError as exc:
            error = str(exc)
        except TimeoutError:
            error = f"no answer within {limit:g}s"
        except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # a hostile answer is a failed poll
            error = f"unusable answer: {type(exc).__name__}"
        finally:
            self._polling.discard(sid)
        if self.rec.state.ended:
            return
        if reading is not None and error is None:
            self.record_reading(sid, reading, self.rec.now())
        else:
            self.record_source_error(sid, error or "no value", self.rec.now())
        self.tasks.wake()

    def record_reading(self, sid: str, reading: Reading, now: float) -> None:
        """Record a remote value if it is fresh; a value measured too long ago makes the signal stale instead.

        Age is measured in real seconds against the signal's `max_age` (scaled by the
        clock's speed); a value older than one already recorded is never recorded again,
        so after an outage pre-outage values cannot come back as current.
        """
        signal = self.rec.playbook.signal(sid)
        speed = getattr(self.rec.clock, "speed", 1.0) or 1.0
        age = max(0.0, time.time() - reading.measured)
        newest = self._measured.get(sid)
        if age * speed > signal.freshness + 1e-9:
            self._stale(sid, f"last measured {age * speed:.0f}s ago (max age {signal.freshness:g}s)", now)
            return
        if newest is not None and reading.measured < newest - 1e-6:
            self._stale(sid, f"the source answered with a value older than one already shown ({age:.0f}s old)", now)
            return
        self._measured[sid] = reading.measured
        self.record_samples({sid: reading.value}, now, measured={sid: round(now - age * speed, 3)})

    def _stale(self, sid: str, reason: str, now: float) -> None:
        view = self.rec.state.signals[sid]
        self._misses.pop(sid, None)
        if view.state != "stale":
            data = {"signal": sid, "state": "stale", "prev": view.state, "value": view.value, "reason": reason}
            self.rec.emit(EventType.SIGNAL_STATE, ENGINE, data)

    async def _backfill(self, sid: str, source: Any) -> None:
        try:
            points = await source.backfill()
        except SourceError as exc:
            self.record_source_error(sid, f"backfill: {exc}", self.rec.now())
            return
        if points and not self.rec.state.ended:
            self.record_backfill(sid, points)

    def record_backfill(self, sid: str, points: list[tuple[float, float]]) -> None:
        """Log history from before the drill (drill times ≤ 0) so sparklines start full; bands ignore it."""
        history = {sid: [[round(t, 3), v] for t, v in points]}
        self.rec.emit(EventType.SIGNAL_SAMPLE, ENGINE, {"values": {}, "history": history})

    def record_samples(
        self, values: dict[str, float | None], now: float, *, measured: dict[str, float] | None = None
    ) -> None:
        """Log samples (with the drill time each remote value was measured), then band states and triggers."""
        rec, state = self.rec, self.rec.state
        sample: dict[str, Any] = {"values": values}
        if measured:
            sample["measured"] = measured
        rec.emit(EventType.SIGNAL_SAMPLE, ENGINE, sample)
        if self._misses:
            for sid in values:
                self._misses.pop(sid, None)
        signals = state.signals
        for sid, new in evaluate.band_changes(state, values, now):
            view = signals[sid]
            data: dict[str, Any] = {"signal": sid, "state": new, "prev": view.state, "value": values[sid]}
            since = view.critical_since if new == "critical" else view.warn_since if new == "warn" else None
            if since is not None:
                data["since"] = since
            rec.emit(EventType.SIGNAL_STATE, ENGINE, data)
        for trig in rec.playbook.triggers:
            value = values.get(trig.signal)
            if value is None:
                continue
            tv = state.triggers[trig.id]
            if trig.kind == "threshold" and tv.breach_since is None and not tv.active:
                continue  # not breached: it cannot fire
            if not tv.active:
                fires, detail = evaluate.trigger_condition(state, trig, now)
                if fires:
                    data = {
                        "trigger": trig.id,
                        "signal": trig.signal,
                        "value": value,
                        "proposes": trig.proposes,
                        "detail": detail,
                    }
                    rec.emit(EventType.TRIGGER_FIRED, ENGINE, data)
            elif evaluate.trigger_clears(state, trig, now):
                rec.emit(EventType.TRIGGER_CLEARED, ENGINE, {"trigger": trig.id, "signal": trig.signal, "value": value})

    def record_source_error(self, sid: str, error: str, now: float) -> None:
        """Count a missed poll; rate-limited `source.error`, then `stale` after N misses."""
        rec = self.rec
        view = rec.state.signals[sid]
        # Misses since the last sample, counted here: the state only knows the logged ones, and a dead
        # source must not flood the log with an event per poll.
        misses = max(self._misses.get(sid, 0), view.misses) + 1
        self._misses[sid] = misses
        limit = rec.playbook.signal(sid).stale_after
        last = self._last_error_t.get(sid)
        if misses <= limit or last is None or now - last >= SOURCE_ERROR_EVERY:
            self._last_error_t[sid] = now
            rec.emit(EventType.SOURCE_ERROR, ENGINE, {"signal": sid, "error": error, "misses": misses})
        if misses >= limit and view.state != "stale":
            reason = f"{misses} polls without an answer: {error}"
            stale = {"signal": sid, "state": "stale", "prev": view.state, "value": view.value, "reason": reason}
            rec.emit(EventType.SIGNAL_STATE, ENGINE, stale)

    async def close(self) -> None:
        """Close every source."""
        for source in self.sources.values():
            await source.close()
