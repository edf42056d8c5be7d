"""Running consistency and reconcile steps: read the dependents, then log the verdict, the account and what is left.

Reads happen in background tasks (live dependents are remote); their results
are logged on the engine's next tick, like action completions, so the log's
order never depends on network timing within a tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drillconsole.drill import reconcile
from drillconsole.drill.downstream import simulated_catch_up, simulated_since, simulated_version
from drillconsole.engine.readers import ReadError, read_count, read_version
from drillconsole.engine.recorder import Recorder
from drillconsole.engine.tasks import Supervisor
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Step
from drillconsole.secrets import mask


@dataclass
class _Check:
    """A running consistency step: when it started, what each dependent said, whether a read is in flight."""

    step: Step
    actor: str
    auto: bool
    started: float
    next_probe: float
    versions: dict[str, str | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    agreed_t: dict[str, float | None] = field(default_factory=dict)
    reading: bool = False
    read: tuple[float, dict[str, str | None], dict[str, str]] | None = None


@dataclass
class _Pending:
    """A reconcile account (or a skipped step's residuals) read and due to be logged."""

    step: Step
    actor: str
    auto: bool
    skipped: str | None
    scored: int = 0
    source: str = ""
    versions: dict[str, str | None] = field(default_factory=dict)
    error: str | None = None
    ready: bool = False


class DownstreamSteps:
    """Consistency and reconcile steps for the step runner."""

    def __init__(self, recorder: Recorder, tasks: Supervisor, http: Callable[[], Any]) -> None:
        self.rec = recorder
        self.tasks = tasks
        self._http = http
        self._checks: dict[str, _Check] = {}
        self._pending: list[_Pending] = []
        self._skipped: list[tuple[Step, str]] = []
        recorder.subscribe(self._on_event)
        # A resumed drill: a reconcile step skipped before the stop may still owe its residual discrepancies.
        state = recorder.state
        owed = {r["step"] for r in state.downstream.residuals} | {r["step"] for r in state.downstream.reconciles}
        for step in recorder.playbook.steps:
            view = state.steps[step.id]
            if step.kind == "reconcile" and view.status == "skipped" and step.id not in owed:
                self._skipped.append((step, view.skip_reason or "no reason"))

    # --- reading -----------------------------------------------------------------

    async def _version(self, dep_id: str, now: float) -> str | None:
        source = self.rec.playbook.dependents[dep_id].source
        if source.kind == "simulated":
            return simulated_version(self.rec.state, dep_id, now)
        return await read_version(self._http(), source)

    async def _versions(self, dep_ids: list[str], now: float) -> tuple[dict[str, str | None], dict[str, str]]:
        results = await asyncio.gather(*(self._version(d, now) for d in dep_ids), return_exceptions=True)
        versions: dict[str, str | None] = {}
        errors: dict[str, str] = {}
        for dep_id, result in zip(dep_ids, results, strict=True):
            if isinstance(result, ReadError):
                versions[dep_id], errors[dep_id] = None, str(result)
            elif isinstance(result, Exception):  # a reader bug makes the dependent unreadable, not the drill stuck
                versions[dep_id], errors[dep_id] = None, f"{type(result).__name__}: {result}"[:200]
            elif isinstance(result, BaseException):
                raise result
            else:
                versions[dep_id] = result
        return versions, errors

    # --- consistency ----------------------------------------------------------------

    def _simulated(self, dep_id: str) -> bool:
        return self.rec.playbook.dependents[dep_id].source.kind == "simulated"

    def start(self, step: Step, actor: str, auto: bool) -> None:
        """Begin a consistency or reconcile step (its `step.started` is written)."""
        now = self.rec.now()
        if step.kind == "consistency":
            check = _Check(step, actor, auto, now, now)
            self._checks[step.id] = check
            self._probe(check, now)
        else:
            self._count(_Pending(step, actor, auto, None))

    def _probe(self, check: _Check, now: float) -> None:
        assert check.step.consistency is not None
        check.reading = True

        async def probe() -> None:
            versions, errors = await self._versions(list(check.step.consistency.dependents), now)  # type: ignore[union-attr]
            check.read, check.reading = (now, versions, errors), False
            self.tasks.wake()

        self.tasks.spawn(probe(), f"consistency {check.step.id}")

    def _judge(self, check: _Check, now: float) -> None:
        assert check.read is not None and check.step.consistency is not None
        probed, versions, errors = check.read
        check.read, check.versions, check.errors = None, versions, errors
        live = self.rec.state.live_version()
        for dep_id, version in versions.items():
            if version is not None and version == live:
                simulated = self._simulated(dep_id)
                # A simulated dependent's switch is known exactly; a live one is seen at the read that found it.
                check.agreed_t.setdefault(
                    dep_id, simulated_since(self.rec.state, dep_id, probed) if simulated else probed
                )
            else:
                check.agreed_t.pop(dep_id, None)  # went back: agreement counts from the latest switch
        lagging = [d for d in check.step.consistency.dependents if versions.get(d) is None or versions[d] != live]
        deadline = check.started + check.step.consistency.within
        if lagging and now < deadline - 1e-9:
            soon = [simulated_catch_up(self.rec.state, d, probed) for d in lagging if self._simulated(d)]
            check.next_probe = min([probed + check.step.consistency.interval, deadline, *(t for t in soon if t)])
            return
        del self._checks[check.step.id]
        step, rec = check.step, self.rec
        dependents = {
            d: {
                "version": versions.get(d),
                "agreed_t": check.agreed_t.get(d),
                **({"error": errors[d]} if d in errors else {}),
            }
            for d in step.consistency.dependents  # type: ignore[union-attr]
        }
        data: dict[str, Any] = {"step": step.id, "live_version": live, "passed": not lagging, "dependents": dependents}
        data["lagging"] = lagging
        view = rec.state.steps[step.id]
        base = {"step": step.id, "attempt": view.attempts, "duration": round(now - check.started, 3)}
        if not lagging:
            rec.emit(EventType.CONSISTENCY_CHECKED, step.owner, data, auto=check.auto)
            rec.emit(
                EventType.STEP_SUCCEEDED, step.owner, {**base, "result": {"dependents": versions}}, auto=check.auto
            )
            return
        names = ", ".join(
            f"{d} on {'v' + str(versions[d]) if versions.get(d) else 'unknown (' + errors.get(d, '?') + ')'}"
            for d in lagging
        )
        reason = f"not on v{live} within {step.consistency.within:g}s: {names}"  # type: ignore[union-attr]
        rec.emit(EventType.CONSISTENCY_CHECKED, step.owner, {**data, "reason": reason}, auto=check.auto)
        failed = {**base, "error": reason, "will_retry": view.attempts <= step.retries}
        rec.emit(EventType.STEP_FAILED, step.owner, failed, auto=check.auto)

    # --- reconciliation ---------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        """A skipped reconcile step still owes the log its residual discrepancies."""
        if event.type != EventType.STEP_SKIPPED:
            return
        step = self.rec.playbook.step(event.data["step"])
        if step.kind == "reconcile":
            # Counted once the drill reaches the step's phase: skipped early, the damage is not done yet.
            self._skipped.append((step, str(event.data.get("reason") or "no reason")))

    def _count(self, pending: _Pending) -> None:
        check = pending.step.reconcile
        assert check is not None
        now = self.rec.now()
        systems = [d for d, dep in self.rec.playbook.dependents.items() if dep.records]

        async def count() -> None:
            try:
                if check.counter is None:
                    pending.scored, pending.source = reconcile.simulated_scored(self.rec.state, pending.step, now)
                else:
                    pending.scored = await read_count(self._http(), check.counter)
                    pending.source = getattr(check.counter, "query", None) or mask(check.counter.url)
                pending.versions, _ = await self._versions(systems, now)
            except ReadError as exc:
                pending.error = f"cannot count records scored by the suspect version: {exc}"
            except Exception as exc:  # a reader bug fails the step instead of leaving it running
                pending.error = f"cannot count records scored by the suspect version: {type(exc).__name__}: {exc}"[:300]
            pending.ready = True
            self.tasks.wake()

        self._pending.append(pending)
        self.tasks.spawn(count(), f"reconcile {pending.step.id}")

    def _log_account(self, p: _Pending, now: float) -> None:
        rec, step = self.rec, p.step
        view = rec.state.steps[step.id]
        base = {"step": step.id, "attempt": view.attempts, "duration": round(now - (view.started_t or now), 3)}
        if p.skipped is not None:
            for residual in reconcile.skipped_residuals(rec.state, step, p.scored, p.skipped):
                rec.emit(EventType.DISCREPANCY_RESIDUAL, ENGINE, residual)
            return
        if p.error is not None:
            rec.emit(EventType.STEP_FAILED, step.owner, {**base, "error": p.error, "will_retry": False}, auto=p.auto)
            return
        recorded, residuals = reconcile.account(rec.state, step, p.scored, p.source, p.versions, now)
        rec.emit(EventType.RECONCILE_RECORDED, step.owner, recorded, auto=p.auto)
        for residual in residuals:
            rec.emit(EventType.DISCREPANCY_RESIDUAL, step.owner, residual, auto=p.auto)
        if not residuals:
            result = {"scored": p.scored, "method": recorded["method"], "systems": sorted(recorded["systems"])}
            rec.emit(EventType.STEP_SUCCEEDED, step.owner, {**base, "result": result}, auto=p.auto)
            return
        left = ", ".join(f"{r['count']:,} in {r['systems'][0]} (owner {r['owner']})" for r in residuals)
        failed = {
            **base,
            "error": f"records scored by v{recorded['suspect']} left unreconciled: {left}",
            "will_retry": False,
        }
        rec.emit(EventType.STEP_FAILED, step.owner, failed, auto=p.auto)

    # --- the runner's clock -------------------------------------------------------------

    def next_times(self) -> list[float]:
        """When a probe is due or a read result waits to be logged."""
        now = self.rec.now()
        times = [now for p in self._pending if p.ready]
        times += [now for step, _ in self._skipped if self.rec.state.phase_reached(step.phase)]
        for check in self._checks.values():
            if check.read is not None:
                times.append(now)
            elif not check.reading:
                times.append(check.next_probe)
        return times

    def finish(self, now: float) -> None:
        """Log what was read and start the probes that are due."""
        if self.rec.state.ended:  # nothing is written after session.ended
            return
        for step, reason in [x for x in self._skipped if self.rec.state.phase_reached(x[0].phase)]:
            self._skipped.remove((step, reason))
            self._count(_Pending(step, ENGINE, False, reason))
        for p in [p for p in self._pending if p.ready]:
            self._pending.remove(p)
            self._log_account(p, now)
        for check in list(self._checks.values()):
            if check.read is not None:
                self._judge(check, now)
            elif not check.reading and check.next_probe <= now + 1e-9:
                self._probe(check, now)
