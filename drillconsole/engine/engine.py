"""The drill engine: samples signals, fires triggers, runs steps, and writes every change as an event.

It never imports Textual. Commands come from the console, a headless script or
the auto player; every accepted command becomes an event in the session log
and the state is the fold of those events.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from drillconsole.actions import ActionContext, ActionError, ActionOutcome, executor_for
from drillconsole.actions.describe import describe
from drillconsole.engine import evaluate, flow
from drillconsole.engine.commands import CommandsMixin, CommandError
from drillconsole.engine.state import DrillState, apply, fold
from drillconsole.log.events import ENGINE, Event
from drillconsole.playbook.models import Phase, Playbook, Step
from drillconsole.secrets import Redactor
from drillconsole.signals import SignalSource, SourceError, build_sources
from drillconsole.sim import fidelity
from drillconsole.sim.target import SimulatedTarget

__all__ = ["Engine", "CommandError", "Player"]

SOURCE_ERROR_EVERY = 30.0
"""After a signal is stale, repeat its `source.error` at most this often (drill seconds)."""


class Player(Protocol):
    """Something that plays roles: the auto player or a timed script."""

    def next_time(self, engine: Engine) -> float | None: ...

    def act(self, engine: Engine, now: float) -> None: ...


@dataclass
class _Completion:
    step: str
    attempt: int
    due: float
    outcome: ActionOutcome | None
    error: str | None
    undo: bool = False
    auto: bool = False


class Engine(CommandsMixin):
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
        self._completions: list[_Completion] = []
        self._polling: set[str] = set()
        self._next_poll: dict[str, float] = {}
        self._last_error_t: dict[str, float] = {}
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
            "session.started",
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
                    {"id": s.id, "title": s.title, "unit": s.unit, "bands": s.bands.model_dump(by_alias=True, exclude_none=True)}
                    for s in pb.signals
                ],
            },
        )
        self.emit("phase.entered", ENGINE, {"phase": Phase.baseline.value, "prev": None})

    def _resume(self) -> None:
        last = self.existing[-1]
        self.emit("session.resumed", ENGINE, {"from_seq": last.seq, "at_t": last.t})
        for step in self.playbook.steps:
            if self.state.steps[step.id].status == "running":
                self.emit(
                    "step.failed",
                    ENGINE,
                    {"step": step.id, "attempt": self.state.steps[step.id].attempts, "duration": None,
                     "error": "interrupted: the session stopped while the step ran", "will_retry": False},
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
        if not self.state.started or self.existing:
            self.start()
            self.existing = []
        start = self.now()
        for signal in self.playbook.signals:
            self._next_poll[signal.id] = math.ceil(start / signal.interval - 1e-9) * signal.interval
        if self.http is None and any(not s.synchronous for s in self.sources.values()):
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
                data = {"injection": inj.id, "signal": inj.signal, "kind": inj.kind, "transient": inj.transient, "delta": inj.delta}
                if inj.kind == "drift":
                    data["rate"] = inj.rate
                self.emit("scenario.injected", ENGINE, data)

    def _poll(self, now: float) -> None:
        values: dict[str, float | None] = {}
        for sid, due in self._next_poll.items():
            if due > now + 1e-9:
                continue
            source = self.sources[sid]
            interval = self.playbook.signal(sid).interval
            self._next_poll[sid] = max(due + interval, math.floor(now / interval + 1e-9) * interval + interval)
            if source.synchronous:
                values[sid] = round(source.sample(self.state, now), 6)
            elif sid not in self._polling:
                self._polling.add(sid)
                self._spawn(self._remote_poll(sid, source))
        if values:
            self.record_samples(values, now)

    async def _remote_poll(self, sid: str, source: SignalSource) -> None:
        try:
            value: float | None = await source.poll()
            error = None
        except SourceError as exc:
            value, error = None, str(exc)
        finally:
            self._polling.discard(sid)
        if self.state.ended:
            return
        if error is None:
            self.record_samples({sid: value}, self.now())
        else:
            self.record_source_error(sid, error, self.now())
        self.wake()

    async def _backfill(self, sid: str, source: Any) -> None:
        try:
            points = await source.backfill()
        except SourceError as exc:
            self.record_source_error(sid, f"backfill: {exc}", self.now())
            return
        if points and not self.state.ended:
            self.record_backfill(sid, points)

    def record_backfill(self, sid: str, points: list[tuple[float, float]]) -> None:
        """Log history from before the drill (drill times ≤ 0) so sparklines start full; bands ignore it."""
        self.emit("signal.sample", ENGINE, {"values": {}, "history": {sid: [[round(t, 3), v] for t, v in points]}})

    def record_samples(self, values: dict[str, float | None], now: float) -> None:
        """Log samples, then band states and triggers that change because of them."""
        self.emit("signal.sample", ENGINE, {"values": values})
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
                        {"trigger": trig.id, "signal": trig.signal, "value": values[trig.signal], "proposes": trig.proposes, "detail": detail},
                    )
            elif evaluate.trigger_clears(self.state, trig, now):
                self.emit("trigger.cleared", ENGINE, {"trigger": trig.id, "signal": trig.signal, "value": values[trig.signal]})

    def record_source_error(self, sid: str, error: str, now: float) -> None:
        """Count a missed poll; rate-limited `source.error`, then `stale` after N misses."""
        view = self.state.signals[sid]
        misses = view.misses + 1
        limit = self.playbook.signal(sid).stale_after
        last = self._last_error_t.get(sid)
        if misses <= limit or last is None or now - last >= SOURCE_ERROR_EVERY:
            self._last_error_t[sid] = now
            self.emit("source.error", ENGINE, {"signal": sid, "error": error, "misses": misses})
        else:
            view.misses = misses  # counted, not logged: a dead source must not flood the log
        if misses >= limit and view.state != "stale":
            self.emit("signal.state", ENGINE, {"signal": sid, "state": "stale", "prev": view.state, "value": view.value})

    # --- timers ---------------------------------------------------------------

    def _timer_times(self, now: float) -> list[float]:
        s, pb, times = self.state, self.playbook, []
        for sid, gate in s.gates.items():
            if gate.status == "requested" and gate.expires_t is not None:
                times.append(gate.expires_t)
        for step in pb.steps:
            view = s.steps[step.id]
            if view.status == "running" and step.kind == "verify":
                _, t = evaluate.verify_progress(s, step, now)
                if t is not None:
                    times.append(t)
            if view.status == "failed" and view.will_retry and view.ended_t is not None:
                times.append(view.ended_t + step.retry_delay)
        times += [t for t, _ in self._escalations_due(now, pending=True)]
        return times

    def _timers(self, now: float) -> None:
        s, pb = self.state, self.playbook
        if now >= pb.drill.time_limit:
            self.end_drill(ENGINE, "failed", f"time limit {pb.drill.time_limit:g}s reached")
            return
        for sid, gate in list(s.gates.items()):
            if gate.status == "requested" and gate.expires_t is not None and now >= gate.expires_t:
                self.emit("gate.expired", ENGINE, {"step": sid})
        for step in pb.steps:
            view = s.steps[step.id]
            if view.status == "running" and step.kind == "verify":
                verdict, _ = evaluate.verify_progress(s, step, now)
                if verdict != "waiting":
                    self._finish_verify(step, verdict == "passed")
            elif view.status == "failed" and view.will_retry and view.ended_t is not None and now >= view.ended_t + step.retry_delay:
                self.start_step(step, step.owner, retry=True)
        for _, escalation in self._escalations_due(now, pending=False):
            self.emit("escalation.raised", ENGINE, escalation)

    def _escalations_due(self, now: float, *, pending: bool) -> list[tuple[float, dict[str, Any]]]:
        """Escalations that are due (or, with pending, the times they will be)."""
        s, pb, out = self.state, self.playbook, []
        for esc in pb.escalations:
            candidates: list[tuple[float, str, list[str]]] = []
            if esc.kind == "gate":
                for sid, gate in s.gates.items():
                    if gate.status == "requested" and gate.requested_t is not None:
                        approvers = list(pb.step(sid).gate.approver)  # type: ignore[union-attr]
                        candidates.append((gate.requested_t + esc.after, f"gate {sid}@{gate.requested_t:g}", approvers))
            elif esc.kind == "decision" and s.decision is None and s.first_trigger_t is not None:
                candidates.append((s.first_trigger_t + esc.after, "decision", pb.roles_with("declare_rollback")))  # type: ignore[arg-type]
            elif esc.kind == "checklist":
                for (rid, item), check in s.checklist.items():
                    due = s.item_due_t(rid, item)
                    if not check.checked and due is not None:
                        candidates.append((due + esc.after, f"{rid}/{item}", [rid]))
            for when, subject, late in candidates:
                if (esc.id, subject) in s.escalated:
                    continue
                if pending and when > now:
                    out.append((when, {}))
                elif not pending and now >= when:
                    late_s = round(now - when + esc.after, 3)
                    message = esc.message.format(subject=subject.split("@")[0], late=f"{late_s:g}s") if esc.message else ""
                    out.append((when, {"escalation": esc.id, "kind": esc.kind, "subject": subject, "late_s": late_s,
                                       "late_roles": late, "notify": list(esc.notify), "message": message}))
        return out

    # --- flow ---------------------------------------------------------------

    def progress(self) -> None:
        """Skip steps that do not apply and move through the phases as far as the rules allow."""
        while not self.state.ended:
            step = flow.next_step(self.state)
            if step is not None and self.state.phase_reached(step.phase) and self.state.steps[step.id].status == "pending":
                if flow.applicable(self.state, step) is False:
                    self.emit("step.skipped", ENGINE, {"step": step.id, "reason": flow.not_applicable_reason(self.state, step)})
                    continue
            nxt = flow.phase_after(self.state)
            if nxt is None:
                return
            self.emit("phase.entered", ENGINE, {"phase": nxt.value, "prev": self.state.phase.value})

    # --- steps ----------------------------------------------------------------

    def start_step(self, step: Step, actor: str, *, auto: bool = False, retry: bool = False) -> None:
        """Write `step.started` and set the step going (gate checks are the caller's)."""
        view = self.state.steps[step.id]
        data: dict[str, Any] = {"step": step.id, "attempt": view.attempts + 1, "kind": step.kind}
        if step.action is not None:
            data["action"] = describe(step.action, self.playbook)
        if retry:
            data["retry"] = True
        self.emit("step.started", actor, data, auto=auto)
        attempt = view.attempts
        if step.kind == "manual":
            self.emit("step.succeeded", actor, {"step": step.id, "attempt": attempt, "duration": 0.0, "result": {"done_by": actor}}, auto=auto)
        elif step.kind == "fidelity":
            self._measure_fidelity(step, actor, auto)
        elif step.kind == "action":
            self._spawn(self._run_action(step, attempt, auto=auto))

    def _measure_fidelity(self, step: Step, actor: str, auto: bool) -> None:
        from drillconsole.playbook.models import FidelityCheck

        check = step.fidelity or FidelityCheck()
        result = fidelity.measure(self.state, check, self.seed)
        self.emit("fidelity.measured", actor, {"step": step.id, **result.as_data()}, auto=auto)
        data = {"step": step.id, "attempt": self.state.steps[step.id].attempts, "duration": 0.0}
        if result.passed:
            self.emit("step.succeeded", actor, {**data, "result": {"match_rate": result.match_rate}}, auto=auto)
        else:
            error = f"match rate {result.match_rate:.1%} below {check.min_match:.1%} (max deviation {result.max_deviation:.3g})"
            self.emit("step.failed", actor, {**data, "error": error, "will_retry": False}, auto=auto)

    def _finish_verify(self, step: Step, passed: bool) -> None:
        states = evaluate.verify_states(self.state, step)
        view = self.state.steps[step.id]
        data = {"step": step.id, "attempt": view.attempts, "duration": round(self.now() - (view.started_t or 0), 3)}
        if passed:
            self.emit("verify.passed", step.owner, {"step": step.id, "signals": states})
            self.emit("step.succeeded", step.owner, {**data, "result": {"signals": states}})
        else:
            bad = ", ".join(f"{k} {v}" for k, v in states.items() if v != "ok")
            reason = f"not back in band within {step.verify.within:g}s: {bad}"  # type: ignore[union-attr]
            self.emit("verify.failed", step.owner, {"step": step.id, "signals": states, "reason": reason})
            self.emit("step.failed", step.owner, {**data, "error": reason, "will_retry": view.attempts <= step.retries})

    def action_context(self) -> ActionContext:
        """What executors may use."""
        return ActionContext(playbook=self.playbook, state=self.state, redactor=self.redactor, http=self.http)

    async def _run_action(self, step: Step, attempt: int, undo_action: Any = None, auto: bool = False) -> None:
        started = self.now()
        action = undo_action or step.action
        try:
            executor = executor_for(action, self.playbook)
            outcome = await asyncio.wait_for(executor.run(action, self.action_context()), step.timeout)
            error = None
        except ActionError as exc:
            outcome, error = None, str(exc)
        except TimeoutError:
            outcome, error = None, f"timed out after {step.timeout:g}s"
        except Exception as exc:  # an executor bug must fail the step, not the drill
            outcome, error = None, f"{type(exc).__name__}: {exc}"
        latency = outcome.latency if outcome else 0.0
        self._completions.append(_Completion(step.id, attempt, max(self.now(), started + latency), outcome, error, undo_action is not None, auto))
        self.wake()

    def _finish_completions(self, now: float) -> None:
        due = [c for c in self._completions if c.due <= now + 1e-9]
        self._completions = [c for c in self._completions if c.due > now + 1e-9]
        for c in sorted(due, key=lambda c: (c.due, c.step)):
            step = self.playbook.step(c.step)
            view = self.state.steps[c.step]
            if c.undo:
                if c.outcome is not None:
                    self.emit("step.undone", step.owner, {"step": c.step, "result": c.outcome.result}, auto=c.auto)
                else:
                    data = {"step": c.step, "attempt": c.attempt, "undo": True, "error": f"undo failed: {c.error}", "will_retry": False}
                    self.emit("step.failed", step.owner, data, auto=c.auto)
                continue
            duration = round(now - (view.started_t or now), 3)
            if c.outcome is not None:
                if c.outcome.comms is not None:
                    self.emit("comms.sent", step.owner, {"step": c.step, **c.outcome.comms}, auto=c.auto)
                data = {"step": c.step, "attempt": c.attempt, "duration": duration, "result": c.outcome.result}
                self.emit("step.succeeded", step.owner, data, auto=c.auto)
            else:
                data = {"step": c.step, "attempt": c.attempt, "duration": duration, "error": c.error, "will_retry": c.attempt <= step.retries}
                self.emit("step.failed", step.owner, data, auto=c.auto)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
