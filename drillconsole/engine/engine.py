"""The drill engine: samples signals, fires triggers, runs steps, and writes every change as an event.

It never imports Textual. Commands come from the console, a headless script or
the auto player; every accepted command becomes an event in the session log
and the state is the fold of those events.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any, Protocol

from drillconsole.drill import flow
from drillconsole.drill.state import DrillState, apply, fold
from drillconsole.engine.commands import CommandError, CommandsMixin
from drillconsole.engine.sampling import SamplingMixin
from drillconsole.engine.stepping import Completion, SteppingMixin
from drillconsole.engine.timers import TimersMixin
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Phase, Playbook
from drillconsole.secrets import Redactor
from drillconsole.signals import SignalSource, build_sources
from drillconsole.sim.target import SimulatedTarget

__all__ = ["CommandError", "Engine", "Player"]


class Player(Protocol):
    """Something that plays roles: the auto player or a timed script."""

    def next_time(self, engine: Engine) -> float | None: ...

    def act(self, engine: Engine, now: float) -> None: ...


class Engine(CommandsMixin, SamplingMixin, TimersMixin, SteppingMixin):
    """Runs one drill of a playbook against its sources and targets."""

    def __init__(
        self,
        playbook: Playbook,
        log: Any,
        clock: Any,
        *,
        seed: int | None = None,
        playbook_path: str = "",
        playbook_hash: str = "",
        redactor: Redactor | None = None,
        existing: list[Event] | None = None,
        players: list[Player] | None = None,
        sources: dict[str, SignalSource] | None = None,
        http: Any = None,
    ) -> None:
        self.playbook = playbook
        self.log = log
        self.clock = clock
        self.redactor = redactor or Redactor()
        self.players = list(players or [])
        self.playbook_path = playbook_path
        self.playbook_hash = playbook_hash
        self.http = http
        self.existing = list(existing or [])
        self.state = fold(playbook, self.existing) if self.existing else DrillState.initial(playbook)
        if self.existing:
            self.seed = self.state.seed
        else:
            self.seed = playbook.drill.seed if seed is None else seed
            self.state.seed = self.seed
        self.target = SimulatedTarget(playbook, self.seed)
        self.sources = sources if sources is not None else build_sources(playbook, self.target, self)
        self._listeners: list[Callable[[Event], None]] = []
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._completions: list[Completion] = []
        self._polling: set[str] = set()
        self._next_poll: dict[str, float] = {}
        self._last_error_t: dict[str, float] = {}
        self._misses: dict[str, int] = {}
        self.rejected: list[str] = []
        self._begun = False
        self._owns_http = False

    # --- events -------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call `listener(event)` after every event is logged and folded."""
        self._listeners.append(listener)

    def now(self) -> float:
        """Drill time, never behind the last event."""
        return max(self.clock.now(), self.state.t)

    def emit(self, type: str, actor: str, data: dict[str, Any], *, auto: bool = False) -> Event:
        """Log an event (fsynced if it matters), fold it, tell listeners."""
        if auto:
            data = {**data, "auto": True}
        event = self.log.append(self.now(), type, actor, data)
        apply(self.state, event)
        for listener in self._listeners:
            listener(event)
        return event

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        """Write `session.started` (or `session.resumed`) and the first phase."""
        if self.existing:
            self._resume()
            return
        pb, drill = self.playbook, self.playbook.drill
        self.emit(
            EventType.SESSION_STARTED,
            ENGINE,
            {
                "playbook": self.playbook_path,
                "playbook_hash": self.playbook_hash,
                "drill": drill.id,
                "title": drill.title,
                "model": drill.model,
                "seed": self.seed,
                "environment": drill.environment,
                "roster": {rid: role.title for rid, role in pb.roles.items()},
                "versions": {"suspect": drill.versions.suspect, "known_safe": drill.versions.known_safe},
                "clock": "virtual" if self.clock.virtual else "real",
                "speed": getattr(self.clock, "speed", 1.0),
                "signals": [
                    {
                        "id": s.id,
                        "title": s.title,
                        "unit": s.unit,
                        "bands": s.bands.model_dump(by_alias=True, exclude_none=True),
                    }
                    for s in pb.signals
                ],
            },
        )
        self.emit(EventType.PHASE_ENTERED, ENGINE, {"phase": Phase.baseline.value, "prev": None})

    def _resume(self) -> None:
        last = self.existing[-1]
        self.emit(EventType.SESSION_RESUMED, ENGINE, {"from_seq": last.seq, "at_t": last.t})
        for step in self.playbook.steps:
            if self.state.steps[step.id].status == "running":
                self.emit(
                    EventType.STEP_FAILED,
                    ENGINE,
                    {
                        "step": step.id,
                        "attempt": self.state.steps[step.id].attempts,
                        "duration": None,
                        "error": "interrupted: the session stopped while the step ran",
                        "will_retry": False,
                    },
                )

    async def run(self, until: float | None = None) -> str | None:
        """Run until the drill ends (or, for tests and tools, until drill time `until`); return the outcome."""
        if not self._begun:
            self._begin()
        try:
            while not self.state.ended:
                if self.clock.virtual and self._tasks:
                    await asyncio.gather(*list(self._tasks), return_exceptions=True)
                self._wake.clear()
                t_next = self._next_time()
                if until is not None and t_next > until:
                    await self.clock.sleep_until(until, self._wake)
                    if self.clock.now() >= until:
                        return None
                    continue
                await self.clock.sleep_until(t_next, self._wake)
                if not self.state.ended:
                    self.tick(self.now())
        except BaseException:
            await self._finish()
            raise
        await self._finish()
        return self.state.outcome

    def _begin(self) -> None:
        self._begun = True
        begin = getattr(self.clock, "begin", None)
        if begin is not None:
            begin()
        if not self.state.started or self.existing:
            self.start()
            self.existing = []
        start = self.now()
        for signal in self.playbook.signals:
            # The grid point at or before now: a new drill samples at T+0, a resumed one at once.
            self._next_poll[signal.id] = math.floor(start / signal.interval + 1e-9) * signal.interval
        if self.http is None and _needs_http(self.playbook, self.sources):
            import httpx

            # One shared client for every source and action; each request sets its own timeout.
            self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
            self._owns_http = True
        for sid, source in self.sources.items():
            if not source.synchronous and hasattr(source, "backfill"):
                self._spawn(self._backfill(sid, source))

    async def _finish(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for source in self.sources.values():
            await source.close()
        if self._owns_http and self.http is not None:
            await self.http.aclose()
            self.http = None
        self.log.sync()

    @property
    def idle(self) -> bool:
        """No action, poll or backfill is in flight."""
        return not self._tasks

    def wake(self) -> None:
        """Make the run loop look again (a command arrived, a task finished)."""
        self._wake.set()

    # --- one moment of the drill ---------------------------------------------

    def tick(self, now: float) -> None:
        """Everything due at `now`, in a fixed order so runs are reproducible."""
        self._inject(now)
        self._finish_completions(now)
        self._poll(now)
        self._timers(now)
        self.progress()
        for player in self.players:
            if self.state.ended:
                break
            player.act(self, now)
            self.progress()

    def _next_time(self) -> float:
        now = self.now()
        times = [*self._next_poll.values(), self.playbook.drill.time_limit]
        times += [inj.at for inj in self.playbook.scenario if inj.id not in self.state.injected]
        times += [c.due for c in self._completions]
        times += self._timer_times(now)
        for player in self.players:
            t = player.next_time(self)
            if t is not None:
                times.append(t)
        return max(now, min(times))

    def _inject(self, now: float) -> None:
        for inj in self.playbook.scenario:
            if inj.id not in self.state.injected and inj.at <= now:
                data = {
                    "injection": inj.id,
                    "signal": inj.signal,
                    "kind": inj.kind,
                    "transient": inj.transient,
                    "delta": inj.delta,
                }
                if inj.kind == "drift":
                    data["rate"] = inj.rate
                self.emit(EventType.SCENARIO_INJECTED, ENGINE, data)

    def progress(self) -> None:
        """Skip steps that do not apply and move through the phases as far as the rules allow."""
        while not self.state.ended:
            step = flow.next_step(self.state)
            if (
                step is not None
                and self.state.phase_reached(step.phase)
                and self.state.steps[step.id].status == "pending"
            ) and flow.applicable(self.state, step) is False:
                self.emit(
                    EventType.STEP_SKIPPED,
                    ENGINE,
                    {"step": step.id, "reason": flow.not_applicable_reason(self.state, step)},
                )
                continue
            nxt = flow.phase_after(self.state)
            if nxt is None:
                return
            self.emit(EventType.PHASE_ENTERED, ENGINE, {"phase": nxt.value, "prev": self.state.phase.value})

    # --- steps ----------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _needs_http(playbook: Playbook, sources: dict[str, SignalSource]) -> bool:
    """Whether any source, target or action of the drill talks HTTP."""
    if any(not source.synchronous for source in sources.values()):
        return True
    if any(target.kind in ("mlflow", "http") for target in playbook.targets.values()):
        return True
    actions = [a for step in playbook.steps for a in (step.action, step.undo) if a is not None and a != "restore"]
    return any(a.type == "http" or getattr(a, "url", None) for a in actions)
