"""The drill engine: composes the recorder, sampler, step runner, timers and command processor, and runs the clock.

It never imports Textual. Sources (simulated or remote), executors and the
fidelity meter are given to it by the composition root (`drillconsole.wiring`);
every accepted command becomes an event and the state is the fold of those events.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from drillconsole.actions import ActionContext, executor_for
from drillconsole.clock import Clock
from drillconsole.drill import flow
from drillconsole.drill.state import DrillState, fold
from drillconsole.engine.commands import CommandProcessor
from drillconsole.engine.recorder import LogWriter, Recorder
from drillconsole.engine.sampler import Sampler
from drillconsole.engine.steps import FidelityMeter, StepRunner
from drillconsole.engine.tasks import Supervisor
from drillconsole.engine.timers import Timers
from drillconsole.errors import CommandError
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Injection, Phase, Playbook
from drillconsole.secrets import Redactor
from drillconsole.signals import SignalSource

__all__ = ["CommandError", "Engine", "Player"]


class Player(Protocol):
    """Something that plays roles: the auto player or a timed script."""

    def next_time(self, engine: Engine) -> float | None: ...

    def act(self, engine: Engine, now: float) -> None: ...


class Service(Protocol):
    """Something that runs beside the drill in the engine's loop (it must never block the engine)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Engine:
    """Runs one drill of a playbook against the sources and targets it is given."""

    def __init__(
        self,
        playbook: Playbook,
        log: LogWriter,
        clock: Clock,
        *,
        seed: int | None = None,
        playbook_path: str = "",
        playbook_hash: str = "",
        playbook_text: str | None = None,
        redactor: Redactor | None = None,
        existing: list[Event] | None = None,
        players: list[Player] | None = None,
        sources: Mapping[str, SignalSource] | None = None,
        fidelity: FidelityMeter | None = None,
        http: Any = None,
        started_extra: dict[str, Any] | None = None,
    ) -> None:
        self.playbook = playbook
        self.log = log
        self.clock = clock
        self.redactor = redactor or Redactor()
        self.players = list(players or [])
        self.playbook_path = playbook_path
        self.playbook_hash = playbook_hash
        self.playbook_text = playbook_text
        self.started_extra = dict(started_extra or {})
        self.http = http
        self.existing = list(existing or [])
        state = fold(playbook, self.existing) if self.existing else DrillState.initial(playbook)
        if self.existing:
            self.seed = state.seed
        else:
            self.seed = playbook.drill.seed if seed is None else seed
            state.seed = self.seed
        if sources is None or fidelity is None:
            from drillconsole.wiring import simulated_parts

            built_sources, built_fidelity = simulated_parts(playbook, self.seed, self)
            sources = built_sources if sources is None else sources
            fidelity = built_fidelity if fidelity is None else fidelity
        self.sources = sources
        self.rejected: list[str] = []
        self.recorder = Recorder(playbook, log, clock, state)
        self.tasks = Supervisor(self._task_failed)
        self.sampler = Sampler(self.recorder, sources, self.tasks)
        self.runner = StepRunner(
            self.recorder, self.tasks, context=self.action_context, executor_for=executor_for, fidelity=fidelity
        )
        self.timers = Timers(self.recorder, self.runner)
        self.commands = CommandProcessor(self.recorder, self.runner, self._after_command)
        c = self.commands
        self.check, self.uncheck, self.decide = c.check, c.uncheck, c.decide
        self.request_gate, self.approve, self.reject = c.request_gate, c.approve, c.reject
        self.run_step, self.retry, self.skip, self.undo = c.run_step, c.retry, c.skip, c.undo
        self.note, self.end, self.end_drill = c.note, c.end, c.end_drill
        self.lesson, self.action_item, self.allowed_approvers = c.lesson, c.action_item, c.allowed_approvers
        self.deny = c.deny
        self._begun = False
        self._owns_http = False
        self._pending: tuple[int, int, list[Injection]] = (-1, -1, [])
        """(id of the state, injections made, the injections still to make): rebuilt only when one is made."""
        self.services: list[Service] = []
        """Started when the drill begins, closed when it ends (the participants' server, the NATS bridge)."""
        self.on_end: Callable[[Engine], Awaitable[None]] | None = None
        """Awaited once when the drill is over, before the HTTP client closes (teardown: `drillconsole.teardown`)."""

    # --- what callers see ----------------------------------------------------------

    @property
    def state(self) -> DrillState:
        """The fold of every event so far (read it, never change it)."""
        return self.recorder.state

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call `listener(event)` after every event is logged and folded."""
        self.recorder.subscribe(listener)

    def now(self) -> float:
        """Drill time, never behind the last event."""
        return self.recorder.now()

    def emit(
        self, type: EventType, actor: str, data: dict[str, Any], *, auto: bool = False, by: str | None = None
    ) -> Event:
        """Write one event (for the engine's own parts and tools; operators go through commands)."""
        return self.recorder.emit(type, actor, data, auto=auto, by=by)

    @property
    def held_roles(self) -> None:
        """The engine itself is no person: the roles are the console's to choose (`--role`, or all)."""
        return None

    @property
    def idle(self) -> bool:
        """No action, poll or backfill is in flight."""
        return self.tasks.idle

    def wake(self) -> None:
        """Make the run loop look again (a command arrived, a task finished)."""
        self.tasks.wake()

    def action_context(self) -> ActionContext:
        """What executors may use."""
        return ActionContext(playbook=self.playbook, state=self.state, redactor=self.redactor, http=self.http)

    def _after_command(self) -> None:
        self.progress()
        self.wake()

    def _task_failed(self, where: str, exc: BaseException) -> None:
        """An unexpected error in a background task: logged with its one-line cause; the drill carries on."""
        cause = traceback.format_exception_only(type(exc), exc)[-1].strip().splitlines()[0][:300]
        if not self.state.ended and not getattr(self.log, "closed", False):
            self.emit(EventType.ENGINE_ERROR, ENGINE, {"where": where, "error": cause})

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        """Write `session.started` (or `session.resumed`) and the first phase."""
        if self.existing:
            self._resume()
            return
        pb, drill = self.playbook, self.playbook.drill
        data: dict[str, Any] = {
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
            **self.started_extra,
        }
        if self.playbook_text is not None:
            data["playbook_text"] = self.playbook_text
        self.emit(EventType.SESSION_STARTED, ENGINE, data)
        self.emit(EventType.PHASE_ENTERED, ENGINE, {"phase": Phase.baseline.value, "prev": None})

    def _resume(self) -> None:
        last = self.existing[-1]
        resumed: dict[str, Any] = {"from_seq": last.seq, "at_t": last.t}
        if "production" in self.started_extra:  # a production drill is confirmed again on every resume
            resumed["production"] = self.started_extra["production"]
        self.emit(EventType.SESSION_RESUMED, ENGINE, resumed)
        if not self.state.phase_t:  # killed between `session.started` and the first phase
            self.emit(EventType.PHASE_ENTERED, ENGINE, {"phase": Phase.baseline.value, "prev": None})
        self._settle_interrupted()

    def _settle_interrupted(self) -> None:
        """Resolve what a crash left in flight, so the drill goes on as an uninterrupted one would.

        A running verify step starts again; an interrupted action reads its target back (landed: succeeded;
        not landed: run again; anything else: failed, naming what was found); an approval given before the
        crash, for a step that had not started, still holds (its gate's timeout is not over, or it would have
        expired) and the step starts.
        """
        for step in self.playbook.steps:
            view = self.state.steps[step.id]
            gate = self.state.gates.get(step.id)
            if view.status == "running" and step.kind == "action" and step.action is not None:
                self.runner.resume_interrupted(step)
            elif view.status == "running":
                self.runner.start(step, step.owner, retry=True)
            elif view.status == "pending" and gate is not None and gate.status == "approved" and not gate.for_undo:
                self.runner.start(step, step.owner)

    async def run(self, until: float | None = None) -> str | None:
        """Run until the drill ends (or, for tests and tools, until drill time `until`); return the outcome."""
        if not self._begun:
            self._begin()
            for service in self.services:
                await service.start()
        try:
            while not self.state.ended:
                if self.clock.virtual:
                    await self.tasks.settle()
                self.tasks.wakeup.clear()
                t_next = self._next_time()
                if until is not None and t_next > until:
                    await self.clock.sleep_until(until, self.tasks.wakeup)
                    if self.clock.now() >= until:
                        return None
                    continue
                await self.clock.sleep_until(t_next, self.tasks.wakeup)
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
        if self.http is None and _needs_http(self.playbook, self.sources):
            import httpx

            # One shared client for every source and action; each request sets its own timeout.
            self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
            self._owns_http = True
        if not self.state.started or self.existing:
            self.start()  # a resume reads interrupted actions back, so the client comes first
            self.existing = []
        self.sampler.begin(self.now())

    async def _finish(self) -> None:
        self.tasks.cancel_all()
        if self.on_end is not None and self.state.ended:
            hook, self.on_end = self.on_end, None  # once, even if run() is awaited again
            try:
                await hook(self)
            except Exception as exc:  # a teardown bug must not hide the drill's outcome
                self.emit(EventType.ENGINE_ERROR, ENGINE, {"where": "on_end", "error": f"{type(exc).__name__}: {exc}"})
        for service in self.services:  # after teardown, so participants see it too
            await service.close()
        await self.sampler.close()
        if self._owns_http and self.http is not None:
            await self.http.aclose()
            self.http = None
        self.log.sync()

    # --- one moment of the drill ---------------------------------------------

    def tick(self, now: float) -> None:
        """Everything due at `now`, in a fixed order so runs are reproducible."""
        self._inject(now)
        self.runner.finish_completions(now)
        self.sampler.poll(now)
        self.timers.fire(now)
        self.progress()
        for player in self.players:
            if self.state.ended:
                break
            try:
                player.act(self, now)
            except CommandError:
                raise
            except Exception as exc:  # a player's bug must not take the drill down
                self._task_failed(f"player {type(player).__name__}", exc)
            self.progress()

    def _next_time(self) -> float:
        now = self.now()
        times = [*self.sampler.next_times(), *self.runner.next_times(), *self.timers.next_times(now)]
        times += [inj.at for inj in self._pending_injections()]
        for player in self.players:
            t = player.next_time(self)
            if t is not None:
                times.append(t)
        return max(now, min(times))

    def _pending_injections(self) -> list[Injection]:
        """The scenario's injections not made yet, in playbook order (looked at on every tick)."""
        state = self.state
        key = (id(state), len(state.injected))
        if self._pending[:2] != key:
            self._pending = (*key, [inj for inj in self.playbook.scenario if inj.id not in state.injected])
        return self._pending[2]

    def _inject(self, now: float) -> None:
        for inj in self._pending_injections():
            if inj.id not in self.state.injected and inj.at <= now:
                data: dict[str, Any] = {
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
                and flow.applicable(self.state, step) is False
            ):
                reason = flow.not_applicable_reason(self.state, step)
                self.emit(EventType.STEP_SKIPPED, ENGINE, {"step": step.id, "reason": reason})
                continue
            nxt = flow.phase_after(self.state)
            if nxt is None:
                return
            self.emit(EventType.PHASE_ENTERED, ENGINE, {"phase": nxt.value, "prev": self.state.phase.value})


def _needs_http(playbook: Playbook, sources: Mapping[str, SignalSource]) -> bool:
    """Whether any source, target or action of the drill talks HTTP."""
    if any(not source.synchronous for source in sources.values()):
        return True
    if any(target.kind in ("mlflow", "http") for target in playbook.targets.values()):
        return True
    actions = [a for step in playbook.steps for a in (step.action, step.undo) if a is not None and a != "restore"]
    return any(a.type == "http" or getattr(a, "url", None) for a in actions)
