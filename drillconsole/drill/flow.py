"""The rules of drill flow, as pure functions of state: step order, applicability, phases."""

from __future__ import annotations

from drillconsole.drill.state import STEP_SETTLED, DrillState
from drillconsole.playbook.models import PHASES, Phase, Step


def applicable(state: DrillState, step: Step) -> bool | None:
    """Whether the step applies: any one of its `when` conditions holding is enough; None while undecided."""
    when = step.when
    if when is None:
        return True
    verdicts: list[bool | None] = []
    if when.decision:
        verdicts.append(None if state.decision is None else state.decision["option"] in when.decision)
    if when.failed is not None:
        ref = state.steps[when.failed]
        if ref.status == "failed" and not ref.will_retry:
            verdicts.append(True)
        else:
            verdicts.append(False if ref.status in STEP_SETTLED else None)
    if any(v is True for v in verdicts):
        return True
    return None if any(v is None for v in verdicts) else False


def not_applicable_reason(state: DrillState, step: Step) -> str:
    """Why a step is skipped by the engine."""
    when = step.when
    assert when is not None
    reasons = []
    if when.decision and state.decision:
        reasons.append(f"decision was {state.decision['option']}")
    if when.failed is not None:
        reasons.append(f"{when.failed} did not fail")
    return "not applicable: " + " and ".join(reasons)


def handled_failure(state: DrillState, step: Step) -> bool:
    """A finally failed step that a later fallback step (`when.failed`) takes care of."""
    view = state.steps[step.id]
    if view.status != "failed" or view.will_retry:
        return False
    return any(s.when is not None and s.when.failed == step.id for s in state.playbook.steps)


def settled(state: DrillState, step: Step) -> bool:
    """Done with, one way or another: the drill may move past it."""
    return state.steps[step.id].status in STEP_SETTLED or handled_failure(state, step)


def next_step(state: DrillState) -> Step | None:
    """The first step in order that is not settled."""
    for step in state.playbook.steps:
        if not settled(state, step):
            return step
    return None


def blocker(state: DrillState, step: Step) -> str | None:
    """Why the step cannot run now, or None if it can."""
    for earlier in state.playbook.steps:
        if earlier.id == step.id:
            break
        if not settled(state, earlier):
            return f"step {step.id} waits for step {earlier.id} ({state.steps[earlier.id].status})"
    if not state.phase_reached(step.phase):
        return f"step {step.id} belongs to phase {step.phase.value}; the drill is in {state.phase.value}"
    ok = applicable(state, step)
    if ok is None:
        return f"step {step.id} depends on {'the decision' if step.when and step.when.decision else 'an earlier step'}"
    if ok is False:
        return f"step {step.id} does not apply ({not_applicable_reason(state, step)})"
    return None


def all_settled_through(state: DrillState, phase: Phase) -> bool:
    """Every step of this phase and the ones before it is settled."""
    limit = PHASES.index(phase)
    return all(settled(state, s) for s in state.playbook.steps if PHASES.index(s.phase) <= limit)


def verification_ok(state: DrillState) -> bool:
    """The latest verification or fidelity result passed (or there was none)."""
    results = [*state.verifications, *state.fidelity]
    if not results:
        return True
    return bool(max(results, key=lambda r: r["t"])["passed"])


def fault_present(state: DrillState) -> bool:
    """A non-transient injection happened or a fault-injecting step succeeded."""
    pb = state.playbook
    if any(not pb_inj.transient for pb_inj in pb.scenario if pb_inj.id in state.injected):
        return True
    return any(s.injects_fault and state.steps[s.id].status == "succeeded" for s in pb.steps)


def phase_after(state: DrillState) -> Phase | None:
    """The phase the drill should move to next, if its entry condition holds."""
    phase = state.phase
    if phase is Phase.baseline:
        return Phase.detect if fault_present(state) or state.fired_order or state.decision else None
    if phase is Phase.detect:
        return Phase.decide if state.fired_order or state.decision else None
    if phase is Phase.decide:
        return Phase.execute if state.decision and all_settled_through(state, Phase.decide) else None
    if phase is Phase.execute:
        return Phase.verify if all_settled_through(state, Phase.execute) else None
    if phase is Phase.verify:
        ok = all_settled_through(state, Phase.verify) and verification_ok(state)
        return Phase.restore if ok else None
    if phase is Phase.restore:
        return Phase.review if all_settled_through(state, Phase.restore) else None
    return None
