"""Running steps: manual, fidelity and verify steps, and actions through their executors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drillconsole.actions import ActionContext, ActionError, ActionOutcome, executor_for
from drillconsole.actions.describe import describe
from drillconsole.drill import evaluate
from drillconsole.log.contract import EventType
from drillconsole.playbook.models import FidelityCheck, Step
from drillconsole.sim import fidelity

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine


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


class SteppingMixin:
    """Starts steps and turns their results into events (mixed into `Engine`)."""

    def start_step(self: Engine, step: Step, actor: str, *, auto: bool = False, retry: bool = False) -> None:
        """Write `step.started` and set the step going (gate checks are the caller's)."""
        view = self.state.steps[step.id]
        data: dict[str, Any] = {"step": step.id, "attempt": view.attempts + 1, "kind": step.kind}
        if step.action is not None:
            data["action"] = describe(step.action, self.playbook)
        if retry:
            data["retry"] = True
        self.emit(EventType.STEP_STARTED, actor, data, auto=auto)
        attempt = view.attempts
        if step.kind == "manual":
            self.emit(
                EventType.STEP_SUCCEEDED,
                actor,
                {"step": step.id, "attempt": attempt, "duration": 0.0, "result": {"done_by": actor}},
                auto=auto,
            )
        elif step.kind == "fidelity":
            self._measure_fidelity(step, actor, auto)
        elif step.kind == "action":
            self._spawn(self._run_action(step, attempt, auto=auto))

    def _measure_fidelity(self: Engine, step: Step, actor: str, auto: bool) -> None:
        check = step.fidelity or FidelityCheck()
        result = fidelity.measure(self.state, check, self.seed)
        self.emit(EventType.FIDELITY_MEASURED, actor, {"step": step.id, **result.as_data()}, auto=auto)
        data = {"step": step.id, "attempt": self.state.steps[step.id].attempts, "duration": 0.0}
        if result.passed:
            self.emit(EventType.STEP_SUCCEEDED, actor, {**data, "result": {"match_rate": result.match_rate}}, auto=auto)
        else:
            error = f"match rate {result.match_rate:.1%} below {check.min_match:.1%} (max deviation {result.max_deviation:.3g})"
            self.emit(EventType.STEP_FAILED, actor, {**data, "error": error, "will_retry": False}, auto=auto)

    def _finish_verify(self: Engine, step: Step, passed: bool) -> None:
        states = evaluate.verify_states(self.state, step)
        view = self.state.steps[step.id]
        data = {"step": step.id, "attempt": view.attempts, "duration": round(self.now() - (view.started_t or 0), 3)}
        if passed:
            self.emit(EventType.VERIFY_PASSED, step.owner, {"step": step.id, "signals": states})
            self.emit(EventType.STEP_SUCCEEDED, step.owner, {**data, "result": {"signals": states}})
        else:
            bad = ", ".join(f"{k} {v}" for k, v in states.items() if v != "ok")
            reason = f"not back in band within {step.verify.within:g}s: {bad}"  # type: ignore[union-attr]
            self.emit(EventType.VERIFY_FAILED, step.owner, {"step": step.id, "signals": states, "reason": reason})
            self.emit(
                EventType.STEP_FAILED,
                step.owner,
                {**data, "error": reason, "will_retry": view.attempts <= step.retries},
            )

    def action_context(self: Engine) -> ActionContext:
        """What executors may use."""
        return ActionContext(playbook=self.playbook, state=self.state, redactor=self.redactor, http=self.http)

    async def _run_action(self: Engine, step: Step, attempt: int, undo_action: Any = None, auto: bool = False) -> None:
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
        self._completions.append(
            Completion(
                step.id, attempt, max(self.now(), started + latency), outcome, error, undo_action is not None, auto
            )
        )
        self.wake()

    def _finish_completions(self: Engine, now: float) -> None:
        due = [c for c in self._completions if c.due <= now + 1e-9]
        self._completions = [c for c in self._completions if c.due > now + 1e-9]
        for c in sorted(due, key=lambda c: (c.due, c.step)):
            step = self.playbook.step(c.step)
            view = self.state.steps[c.step]
            if c.undo:
                if c.outcome is not None:
                    self.emit(
                        EventType.STEP_UNDONE, step.owner, {"step": c.step, "result": c.outcome.result}, auto=c.auto
                    )
                else:
                    data = {
                        "step": c.step,
                        "attempt": c.attempt,
                        "undo": True,
                        "error": f"undo failed: {c.error}",
                        "will_retry": False,
                    }
                    self.emit(EventType.STEP_FAILED, step.owner, data, auto=c.auto)
                continue
            duration = round(now - (view.started_t or now), 3)
            if c.outcome is not None:
                if c.outcome.comms is not None:
                    self.emit(EventType.COMMS_SENT, step.owner, {"step": c.step, **c.outcome.comms}, auto=c.auto)
                data = {"step": c.step, "attempt": c.attempt, "duration": duration, "result": c.outcome.result}
                self.emit(EventType.STEP_SUCCEEDED, step.owner, data, auto=c.auto)
            else:
                data = {
                    "step": c.step,
                    "attempt": c.attempt,
                    "duration": duration,
                    "error": c.error,
                    "will_retry": c.attempt <= step.retries,
                }
                self.emit(EventType.STEP_FAILED, step.owner, data, auto=c.auto)
