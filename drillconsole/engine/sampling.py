"""Signal sampling: polls, band states, triggers, stale sources (mixed into `Engine`)."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from drillconsole.engine import evaluate
from drillconsole.log.events import ENGINE
from drillconsole.signals import SignalSource, SourceError
from drillconsole.signals.simulated import sample_synchronous

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine

POLL_GRACE = 1.0
"""Seconds beyond a source's own timeout before the engine gives up on a poll."""

SOURCE_ERROR_EVERY = 30.0
"""After a signal is stale, repeat its `source.error` at most this often (drill seconds)."""


class SamplingMixin:
    """Turns polls into `signal.sample`, `signal.state`, `trigger.*` and `source.error` events."""

    def _poll(self: Engine, now: float) -> None:
        due_now: list[str] = []
        for sid, due in self._next_poll.items():
            if due > now + 1e-9:
                continue
            source = self.sources[sid]
            interval = self.playbook.signal(sid).interval
            self._next_poll[sid] = max(due + interval, math.floor(now / interval + 1e-9) * interval + interval)
            if source.synchronous:
                due_now.append(sid)
            elif sid not in self._polling:
                self._polling.add(sid)
                self._spawn(self._remote_poll(sid, source))
        if due_now:  # every simulated signal due now in one vectorised draw
            values: dict[str, float | None] = dict(sample_synchronous(self.sources, due_now, self.state, now))
            self.record_samples(values, now)

    async def _remote_poll(self: Engine, sid: str, source: SignalSource) -> None:
        # A source that never answers must still go stale: bound every poll, whatever the source does.
        limit = getattr(self.playbook.signal(sid).source, "timeout", 10.0) + POLL_GRACE
        try:
            value: float | None = await asyncio.wait_for(source.poll(), limit)
            error = None
        except SourceError as exc:
            value, error = None, str(exc)
        except TimeoutError:
            value, error = None, f"no answer within {limit:g}s"
        finally:
            self._polling.discard(sid)
        if self.state.ended:
            return
        if error is None:
            self.record_samples({sid: value}, self.now())
        else:
            self.record_source_error(sid, error, self.now())
        self.wake()

    async def _backfill(self: Engine, sid: str, source: Any) -> None:
        try:
            points = await source.backfill()
        except SourceError as exc:
            self.record_source_error(sid, f"backfill: {exc}", self.now())
            return
        if points and not self.state.ended:
            self.record_backfill(sid, points)

    def record_backfill(self: Engine, sid: str, points: list[tuple[float, float]]) -> None:
        """Log history from before the drill (drill times ≤ 0) so sparklines start full; bands ignore it."""
        self.emit("signal.sample", ENGINE, {"values": {}, "history": {sid: [[round(t, 3), v] for t, v in points]}})

    def record_samples(self: Engine, values: dict[str, float | None], now: float) -> None:
        """Log samples, then band states and triggers that change because of them."""
        self.emit("signal.sample", ENGINE, {"values": values})
        for sid in values:
            self._misses.pop(sid, None)
        for sid, value in values.items():
            if value is None:
                continue
            new = evaluate.band_state(self.state, sid, now)
            view = self.state.signals[sid]
            if new != view.state:
                self.emit("signal.state", ENGINE, {"signal": sid, "state": new, "prev": view.state, "value": value})
        for trig in self.playbook.triggers:
            if trig.signal not in values or values[trig.signal] is None:
                continue
            tv = self.state.triggers[trig.id]
            if not tv.active:
                fires, detail = evaluate.trigger_condition(self.state, trig, now)
                if fires:
                    self.emit(
                        "trigger.fired",
                        ENGINE,
                        {
                            "trigger": trig.id,
                            "signal": trig.signal,
                            "value": values[trig.signal],
                            "proposes": trig.proposes,
                            "detail": detail,
                        },
                    )
            elif evaluate.trigger_clears(self.state, trig, now):
                self.emit(
                    "trigger.cleared", ENGINE, {"trigger": trig.id, "signal": trig.signal, "value": values[trig.signal]}
                )

    def record_source_error(self: Engine, sid: str, error: str, now: float) -> None:
        """Count a missed poll; rate-limited `source.error`, then `stale` after N misses."""
        view = self.state.signals[sid]
        # Misses since the last sample, counted here: the state only knows the logged ones, and a dead
        # source must not flood the log with an event per poll.
        misses = max(self._misses.get(sid, 0), view.misses) + 1
        self._misses[sid] = misses
        limit = self.playbook.signal(sid).stale_after
        last = self._last_error_t.get(sid)
        if misses <= limit or last is None or now - last >= SOURCE_ERROR_EVERY:
            self._last_error_t[sid] = now
            self.emit("source.error", ENGINE, {"signal": sid, "error": error, "misses": misses})
        if misses >= limit and view.state != "stale":
            self.emit(
                "signal.state", ENGINE, {"signal": sid, "state": "stale", "prev": view.state, "value": view.value}
            )
