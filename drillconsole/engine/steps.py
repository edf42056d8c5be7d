"""Running steps: manual, fidelity and verify steps, and actions through their executors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drillconsole.actions import ActionContext, ActionError, ActionOutcome, Executor
from drillconsole.actions.describe import describe
from drillconsole.drill import evaluate
from drillconsole.drill.state import DrillState
from drillconsole.engine.downstream import DownstreamSteps
from drillconsole.engine.recorder import Recorder
from drillconsole.engine.tasks import Supervisor
from drillconsole.log.contract import EventType
from drillconsole.playbook.models import Action, FidelityCheck, FlagSetAction, Playbook, SetAliasAction, Step


def _after(tried: int) -> str:
    return f" (after {tried} tries)" if tried > 1 else ""


FidelityMeter = Callable[[DrillState, FidelityCheck], dict[str, Any]]
"""Measures restoration fidelity now: the `fidelity.measured` payload without `step` (it has `passed`)."""


@dataclass
class Completion:
    """An action attempt that finished (or failed) and is due to be logged at `due`."""

    step: str
    attempt: int
    due: float
    outcome: ActionOutcome | None
    error: str | None
    undo: bool = False
    auto: bool = False


class StepRunner:
    """Starts steps and turns their results into events; side effects go only through executors."""

    def __init__(
        self,
        recorder: Recorder,
        tasks: Supervisor,
        *,
        context: Callable[[], ActionContext],
        executor_for: Callable[[Action, Playbook], Executor],
        fidelity: FidelityMeter,
    ) -> None:
        self.rec = recorder
        self.tasks = tasks
        self._context = context
        self._executor_for = executor_for
        self._fidelity = fidelity
        self._completions: list[Completion] = []
        self.downstream = DownstreamSteps(recorder, tasks, lambda: self._context().http)

    def start(self, step: Step, actor: str, *, auto: bool = False, retry: bool = False) -> None:
        """Write `step.started` and set the step going (the caller has checked the rules)."""
        view = self.rec.state.steps[step.id]
        data: dict[str, Any] = {"step": step.id, "attempt": view.attempts + 1, "kind": step.kind}
        if step.action is not None:
            data["action"] = describe(step.action, self.rec.playbook)
        if retry:
            data["retry"] = True
        self.rec.emit(EventType.STEP_STARTED, actor, data, auto=auto)
        attempt = view.attempts
        if step.kind == "manual":
            result = {"step": step.id, "attempt": attempt, "duration": 0.0, "result": {"done_by": actor}}
            self.rec.emit(EventType.STEP_SUCCEEDED, actor, result, auto=auto)
        elif step.kind == "fidelity":
            self._measure_fidelity(step, actor, auto)
        elif step.kind == "action":
            assert step.action is not None
            self.tasks.spawn(self._run_action(step, attempt, step.action, auto=auto), f"step {step.id}")
        elif step.kind in ("consistency", "reconcile"):
            self.downstream.start(step, actor, auto)

    def undo(self, step: Step, actor: str, action: Action, *, auto: bool = False) -> None:
        """Run a step's undo action; `step.undone` or an undo `step.failed` follows."""
        view = self.rec.state.steps[step.id]
        self.rec.emit(EventType.NOTE_ADDED, actor, {"text": f"undo of {step.id} requested"}, auto=auto)
        self.tasks.spawn(self._run_action(step, view.attempts, action, undo=True, auto=auto), f"undo of {step.id}")

    def resume_interrupted(self, step: Step) -> None:
        """Settle an action a crash interrupted: read the target back, then success, a re-run, or a failure naming it."""
        assert step.action is not None
        attempt = self.rec.state.steps[step.id].attempts
        self.tasks.spawn(self._settle_interrupted(step, attempt, step.action), f"resume of {step.id}")

    async def _settle_interrupted(self, step: Step, attempt: int, action: Action) -> None:
        executor = self._executor_for(action, self.rec.playbook)
        read_back = getattr(executor, "read_back", None)
        wanted = getattr(action, "to_version", getattr(action, "value", None))
        before = getattr(action, "from_version", None)
        if read_back is None:  # an action that cannot be read back (http, command, notify): it may or may not have run
            error = "interrupted: the session stopped while the step ran, and its action cannot be read back"
            self._completions.append(Completion(step.id, attempt, self.rec.now(), None, error))
            self.tasks.wake()
            return
        try:
            found = await asyncio.wait_for(read_back(action, self._context()), step.timeout)
        except (ActionError, TimeoutError) as exc:
            error = f"interrupted, and reading the target back failed: {exc or 'timed out'}"
            self._completions.append(Completion(step.id, attempt, self.rec.now(), None, error))
            self.tasks.wake()
            return
        if isinstance(found, str) and found.lower() in ("true", "false"):  # a flag service reads back as text
            found = found.lower() == "true"
        if found is not None and found == wanted:
            result = {"target": getattr(action, "target", None), "resumed": True, "to": wanted}
            if isinstance(action, SetAliasAction):
                result |= {"alias": action.alias or getattr(self.rec.playbook.targets[action.target], "alias", None)}
                result["from"] = before or self.rec.playbook.drill.versions.suspect
            else:
                result |= {"flag": getattr(action, "flag", None), "segment": getattr(action, "segment", None)}
                result["from"] = not wanted if isinstance(wanted, bool) else None
            self._completions.append(Completion(step.id, attempt, self.rec.now(), ActionOutcome(result=result), None))
        elif isinstance(action, FlagSetAction) or before is None or found == before:
            # It did not land: run it again (the interrupted attempt never happened, so it uses no retry).
            self.tasks.spawn(self._run_action(step, attempt, action, auto=False), f"step {step.id}")
            return
        else:
            error = f"interrupted; the target now reads {found!r}, neither {before!r} nor {wanted!r}: check it by hand"
            self._completions.append(Completion(step.id, attempt, self.rec.now(), None, error))
        self.tasks.wake()

    def _measure_fidelity(self, step: Step, actor: str, auto: bool) -> None:
        check = step.fidelity or FidelityCheck()
        if check.url is not None:  # a live model: its scores are fetched, so the verdict comes later
            self.tasks.spawn(self._measure_live(step, check, actor, auto), f"fidelity {step.id}")
            return
        self._record_fidelity(step, check, self._fidelity(self.rec.state, check), actor, auto)

    async def _measure_live(self, step: Step, check: FidelityCheck, actor: str, auto: bool) -> None:
        from drillconsole.actions.fidelity import measure_live

        try:
            result = await asyncio.wait_for(measure_live(check, self._context()), step.timeout)
        except (ActionError, TimeoutError) as exc:
            error = str(exc) or f"timed out after {step.timeout:g}s"
            data = {"step": step.id, "attempt": self.rec.state.steps[step.id].attempts, "duration": None}
            if not self.rec.state.ended:
                self.rec.emit(EventType.STEP_FAILED, actor, {**data, "error": error, "will_retry": False}, auto=auto)
            return
        if not self.rec.state.ended:
            self._record_fidelity(step, check, result, actor, auto)
        self.tasks.wake()

    def _record_fidelity(
        self, step: Step, check: FidelityCheck, result: dict[str, Any], actor: str, auto: bool
    ) -> None:
        self.rec.emit(EventType.FIDELITY_MEASURED, actor, {"step": step.id, **result}, auto=auto)
        data = {"step": step.id, "attempt": self.rec.state.steps[step.id].attempts, "duration": 0.0}
        if result["passed"]:
            ok = {**data, "result": {"match_rate": result["match_rate"]}}
            self.rec.emit(EventType.STEP_SUCCEEDED, actor, ok, auto=auto)
        else:
            error = (
                f"match rate {result['match_rate']:.1%} below {check.min_match:.1%}"
                f" (max deviation {result['max_deviation']:.3g})"
            )
            self.rec.emit(EventType.STEP_FAILED, actor, {**data, "error": error, "will_retry": False}, auto=auto)

    def finish_verify(self, step: Step, passed: bool) -> None:
        """Log a verify step's verdict."""
        rec = self.rec
        states = evaluate.verify_states(rec.state, step)
        view = rec.state.steps[step.id]
        data = {"step": step.id, "attempt": view.attempts, "duration": round(rec.now() - (view.started_t or 0), 3)}
        if passed:
            rec.emit(EventType.VERIFY_PASSED, step.owner, {"step": step.id, "signals": states})
            rec.emit(EventType.STEP_SUCCEEDED, step.owner, {**data, "result": {"signals": states}})
        else:
            assert step.verify is not None
            bad = ", ".join(f"{k} {v}" for k, v in states.items() if v != "ok")
            reason = f"not back in band within {step.verify.within:g}s: {bad}"
            rec.emit(EventType.VERIFY_FAILED, step.owner, {"step": step.id, "signals": states, "reason": reason})
            failed = {**data, "error": reason, "will_retry": view.attempts <= step.retries}
            rec.emit(EventType.STEP_FAILED, step.owner, failed)

    async def _run_action(self, step: Step, attempt: int, action: Action, *, undo: bool = False, auto: bool) -> None:
        started = self.rec.now()
        try:
            executor = self._executor_for(action, self.rec.playbook)
            outcome: ActionOutcome | None = await self._tries(step, attempt, action, executor, undo=undo, auto=auto)
            error = None
        except ActionError as exc:
            outcome, error = None, str(exc)
        except Exception as exc:  # an executor bug must fail the step, not the drill
            outcome, error = None, f"{type(exc).__name__}: {exc}"
        latency = outcome.latency if outcome else 0.0
        due = max(self.rec.now(), started + latency)
        self._completions.append(Completion(step.id, attempt, due, outcome, error, undo, auto))
        self.tasks.wake()

    async def _tries(
        self, step: Step, attempt: int, action: Action, executor: Executor, *, undo: bool, auto: bool
    ) -> ActionOutcome:
        """Run the action, trying again after transient failures with backoff, all within the step's timeout.

        The same executor serves every try, so one that sent a write whose answer
        was lost reads the target back first: landed is success, not landed is
        written again. A final failure (a compare-and-set refusal) ends at once.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.timeout
        tries = step.backoff.tries
        for tried in range(1, tries + 1):
            left = deadline - loop.time()
            try:
                return await asyncio.wait_for(executor.run(action, self._context()), max(left, 0.001))
            except TimeoutError:
                raise ActionError(f"timed out after {step.timeout:g}s" + _after(tried)) from None
            except ActionError as exc:
                pause = step.backoff.pause(tried)
                last = tried == tries or deadline - loop.time() < pause + 0.05 or self.rec.state.ended
                if not exc.transient or last:
                    raise ActionError(f"{exc}{_after(tried) if exc.transient else ''}") from None
                data: dict[str, Any] = {
                    "step": step.id,
                    "attempt": attempt,
                    "error": str(exc),
                    "retry_in": round(pause, 3),
                    "next_try": tried + 1,
                    "tries": tries,
                }
                if undo:
                    data["undo"] = True
                self.rec.emit(EventType.STEP_RETRYING, step.owner, data, auto=auto)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last try returns or raises")

    def next_times(self) -> list[float]:
        """When a finished action is due to be logged."""
        return [c.due for c in self._completions] + self.downstream.next_times()

    def finish_completions(self, now: float) -> None:
        """Log every action attempt whose result is due."""
        due = [c for c in self._completions if c.due <= now + 1e-9]
        self._completions = [c for c in self._completions if c.due > now + 1e-9]
        for c in sorted(due, key=lambda c: (c.due, c.step)):
            self._log_completion(c, now)
        self.downstream.finish(now)

    def _log_completion(self, c: Completion, now: float) -> None:
        rec = self.rec
        step = rec.playbook.step(c.step)
        view = rec.state.steps[c.step]
        if c.undo:
            if c.outcome is not None:
                rec.emit(EventType.STEP_UNDONE, step.owner, {"step": c.step, "result": c.outcome.result}, auto=c.auto)
            else:
                data = {
                    "step": c.step,
                    "attempt": c.attempt,
                    "undo": True,
                    "error": f"undo failed: {c.error}",
                    "will_retry": False,
                }
                rec.emit(EventType.STEP_FAILED, step.owner, data, auto=c.auto)
            return
        duration = round(now - (view.started_t or now), 3)
        if c.outcome is not None:
            if c.outcome.comms is not None:
                rec.emit(EventType.COMMS_SENT, step.owner, {"step": c.step, **c.outcome.comms}, auto=c.auto)
            data = {"step": c.step, "attempt": c.attempt, "duration": duration, "result": c.outcome.result}
            rec.emit(EventType.STEP_SUCCEEDED, step.owner, data, auto=c.auto)
        else:
            data = {
                "step": c.step,
                "attempt": c.attempt,
                "duration": duration,
                "error": c.error,
                "will_retry": c.attempt <= step.retries,
            }
            rec.emit(EventType.STEP_FAILED, step.owner, data, auto=c.auto)
