"""Drill state: a fold over session-log events (`apply(state, event) -> state`).

The live console, crash-resume and replay all rebuild state with this one
function, so they agree by construction. For speed `apply` updates the state in
place and returns it; `DrillState.copy()` gives an independent snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from drillconsole.drill import downstream
from drillconsole.drill.causes import fault_affects, note_target_change
from drillconsole.drill.downstream import DownstreamView
from drillconsole.drill.views import CheckView, GateHistory, GateView, SignalView, StepView, TriggerView
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import PHASES, Phase, Playbook

STEP_SETTLED = frozenset({"succeeded", "skipped", "undone"})
STATE_RANK = {"ok": 0, "warn": 1, "critical": 2, "stale": 3, "error": 3}


@dataclass
class DrillState:
    """Everything the console shows and the engine decides on."""

    playbook: Playbook
    seq: int = -1
    t: float = 0.0
    started: bool = False
    ended: bool = False
    outcome: str | None = None
    end_reason: str | None = None
    seed: int = 0
    phase: Phase = Phase.baseline
    phase_t: dict[str, float] = field(default_factory=dict)
    signals: dict[str, SignalView] = field(default_factory=dict)
    erring: set[str] = field(default_factory=set)
    """Signals whose source failed since their last sample (their view holds misses and the error)."""
    triggers: dict[str, TriggerView] = field(default_factory=dict)
    fired_order: list[tuple[float, str]] = field(default_factory=list)
    fires: list[tuple[float, str, bool]] = field(default_factory=list)
    """Every trigger firing: (t, trigger, whether a staged fault was affecting its signal then)."""
    band_watch: set[str] = field(default_factory=set)
    """Signals whose band state (`evaluate.band_state`) may differ from their `state`, now or later without a new
    sample: a band's `for:` hold is running, or the state disagrees with the bands. Every other signal's band
    state equals its state until a sample moves a band's `since` or its state changes (both update this set), so
    the engine evaluates only these after each sample.
    """
    left_ok: dict[str, float] = field(default_factory=dict)
    """When each signal first left `ok` for a band state (the start of its out-of-band run), drill time ≥ 0."""
    effective_changes: list[tuple[float, str]] = field(default_factory=list)
    """(t, step) of every step whose result changed a target (alias, flag): the rollbacks that took effect."""
    injected: dict[str, float] = field(default_factory=dict)
    decision: dict[str, Any] | None = None
    checklist: dict[tuple[str, str], CheckView] = field(default_factory=dict)
    steps: dict[str, StepView] = field(default_factory=dict)
    gates: dict[str, GateView] = field(default_factory=dict)
    gate_history: dict[str, GateHistory] = field(default_factory=dict)
    verifications: list[dict[str, Any]] = field(default_factory=list)
    fidelity: list[dict[str, Any]] = field(default_factory=list)
    registry: dict[str, dict[str, str]] = field(default_factory=dict)
    flags: dict[str, dict[str, dict[str, bool]]] = field(default_factory=dict)
    target_changes: list[float] = field(default_factory=list)
    causes: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    escalated: set[tuple[str, str]] = field(default_factory=set)
    notes: list[dict[str, Any]] = field(default_factory=list)
    denied: list[dict[str, Any]] = field(default_factory=list)
    comms: list[dict[str, Any]] = field(default_factory=list)
    lessons: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    teardown: list[dict[str, Any]] = field(default_factory=list)
    """Every teardown action run after the end: `{t, action, ok, error}` in order."""
    source_errors: int = 0
    resumed: int = 0
    holders: dict[str, str] = field(default_factory=dict)
    """Role → the person holding it now (team drills)."""
    provisional: set[str] = field(default_factory=set)
    """Roles the engine's own console holds only until someone claims them."""
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Person → how they joined (`account`, `via`) and whether they are connected (`online`)."""
    command_ids: dict[str, int] = field(default_factory=dict)
    """Participant command id → seq of the event that answered it (a duplicate has no second effect)."""
    by: str | None = None
    """The person of the event being folded (None for the engine and older logs)."""
    downstream: DownstreamView = field(default_factory=DownstreamView)
    """Dependents, reconciliation, residual discrepancies and the change ledger (drill/downstream.py)."""

    @classmethod
    def initial(cls, playbook: Playbook) -> DrillState:
        """State before the first event: everything pending, targets at their playbook values."""
        state = cls(playbook=playbook, seed=playbook.drill.seed)
        state.signals = {s.id: SignalView() for s in playbook.signals}
        state.triggers = {t.id: TriggerView() for t in playbook.triggers}
        state.steps = {s.id: StepView() for s in playbook.steps}
        state.gates = {s.id: GateView() for s in playbook.steps if s.gate}
        state.gate_history = {s.id: GateHistory() for s in playbook.steps if s.gate}
        state.checklist = {(rid, item.id): CheckView() for rid, item in playbook.checklist_items()}
        for tid, target in playbook.targets.items():
            if target.type == "registry":
                state.registry[tid] = {target.alias: playbook.drill.versions.suspect}
            else:
                segments = ["*", *target.segments]
                state.flags[tid] = {name: {seg: value for seg in segments} for name, value in target.flags.items()}
        note_target_change(state, 0.0, initial=True)
        downstream.note_live_version(state, 0.0)
        return state

    def copy(self) -> DrillState:
        """An independent snapshot (the playbook is shared; it is immutable)."""
        clone = copy.copy(self)
        memo = {id(self.playbook): self.playbook}
        for name in self.__dataclass_fields__:
            if name not in ("playbook", "signals"):
                setattr(clone, name, copy.deepcopy(getattr(self, name), memo))
        # Histories hold immutable (t, value) tuples: a shallow deque copy is independent and ~50× faster.
        clone.signals = {sid: view.copy() for sid, view in self.signals.items()}
        return clone

    # --- derived views ----------------------------------------------------

    @property
    def first_trigger_t(self) -> float | None:
        return self.fired_order[0][0] if self.fired_order else None

    def live_version(self, target_id: str | None = None) -> str | None:
        tid = self.playbook.target_of_type("registry", target_id)
        if tid is None or tid not in self.registry:
            return None
        alias = getattr(self.playbook.targets[tid], "alias", None)
        return None if alias is None else self.registry[tid].get(alias)

    def flag_on(self, flag: str, segment: str | None = None, target_id: str | None = None) -> bool:
        tid = self.playbook.target_of_type("flags", target_id)
        values = self.flags.get(tid or "", {}).get(flag)
        if values is None:
            return False
        return values.get(segment or "*", values.get("*", False))

    def phase_reached(self, phase: Phase) -> bool:
        return PHASES.index(self.phase) >= PHASES.index(phase)

    @property
    def solo(self) -> bool:
        """One person holds every role (a one-person drill: the two-person rule cannot hold)."""
        return len(self.holders) == len(self.playbook.roles) and len(set(self.holders.values())) == 1

    def item_due_t(self, role: str, item_id: str) -> float | None:
        item = next(i for i in self.playbook.roles[role].checklist if i.id == item_id)
        entered = self.phase_t.get(item.phase.value)
        if entered is None or item.within is None:
            return None
        return entered + item.within


# --- the fold ----------------------------------------------------------------


def apply(state: DrillState, event: Event) -> DrillState:
    """Fold one event into the state (in place) and return it."""
    if event.type == EventType.LOG_SEALED:  # the log writer's signature of the head, not a drill event
        return state
    state.seq = event.seq
    state.t = event.t
    state.by = event.by
    command_id = event.data.get("command_id")
    if command_id is not None:
        state.command_ids[command_id] = event.seq
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        handler(state, event.t, event.data, event.actor)
    return state


def fold(playbook: Playbook, events: list[Event], until_seq: int | None = None) -> DrillState:
    """State after the events (up to and including `until_seq`)."""
    state = DrillState.initial(playbook)
    for event in events:
        if until_seq is not None and event.seq > until_seq:
            break
        apply(state, event)
    return state


def _started(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.started = True
    s.seed = d.get("seed", s.seed)


def _resumed(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.resumed += 1


def _ended(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.ended = True
    s.outcome = d.get("outcome")
    s.end_reason = d.get("reason")


class _Same:
    """A key that is equal only to itself: caches per playbook object (pydantic models are neither hashable nor weak)."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj


Limits = tuple[float | None, float | None] | None
"""A band as (above, below) bounds, or None when the signal has no such band."""

Bounds = tuple[float, float, float, float] | None
"""A signal's bands as (warn low, warn high, critical low, critical high), ±inf where a bound is absent; None: no band."""

_INF = float("inf")


def _bounds(limits: Limits) -> tuple[float, float]:
    """(low, high) of a band: a value is beyond it above high or below low; a missing bound never is."""
    if limits is None:
        return -_INF, _INF
    above, below = limits
    return -_INF if below is None else below, _INF if above is None else above


Holds = tuple[float | None, float | None]
"""The `for:` hold of a signal's (warn, critical) bands, None where it has no such band."""


@lru_cache(maxsize=64)
def band_holds(key: _Same) -> dict[str, Holds]:
    """Per signal of the playbook (`key`) its band holds (what `evaluate.band_state` needs besides the state)."""
    pb: Playbook = key.obj  # type: ignore[assignment]
    return {
        s.id: (
            None if s.bands.warn is None else s.bands.warn.for_,
            None if s.bands.critical is None else s.bands.critical.for_,
        )
        for s in pb.signals
    }


def _watch(s: DrillState, sid: str, view: SignalView, t: float) -> None:
    """Keep `band_watch` for one signal whose bands' `since` or state just changed at t."""
    warn, critical = view.warn_since, view.critical_since
    if warn is None and critical is None:
        settled = view.state == "ok"
    else:
        warn_for, critical_for = band_holds(_Same(s.playbook))[sid]
        running = (warn is not None and warn_for is not None and t - warn < warn_for) or (
            critical is not None and critical_for is not None and t - critical < critical_for
        )
        # With no hold running the band state no longer depends on time: critical, else warn, else ok.
        band = "critical" if critical is not None else "warn" if warn is not None else "ok"
        settled = not running and band == view.state
    if settled:
        s.band_watch.discard(sid)
    else:
        s.band_watch.add(sid)


@lru_cache(maxsize=64)
def _sampling_table(key: _Same) -> tuple[dict[str, Bounds], list[tuple[str, str, float, float]]]:
    """Per signal its band bounds, and the threshold triggers as (trigger, signal, low, high): read per sample."""
    pb: Playbook = key.obj  # type: ignore[assignment]
    bands: dict[str, Bounds] = {}
    for signal in pb.signals:
        warn, crit = signal.bands.warn, signal.bands.critical
        if warn is None and crit is None:
            bands[signal.id] = None
            continue
        # `value > high or value < low` with ±inf for a missing bound is exactly "beyond a bound that is set",
        # and a missing band never holds a `since` (only this fold sets one), so clearing it is a no-op.
        bands[signal.id] = (
            *_bounds(None if warn is None else (warn.above, warn.below)),
            *_bounds(None if crit is None else (crit.above, crit.below)),
        )
    thresholds = [
        (trig.id, trig.signal, *_bounds((trig.above, trig.below))) for trig in pb.triggers if trig.kind == "threshold"
    ]
    return bands, thresholds


def _sample(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    signals = s.signals
    for sid, points in d.get("history", {}).items():
        if sid in signals:
            signals[sid].history.extend((pt, pv) for pt, pv in points)
    values = d["values"]
    bands, thresholds = _sampling_table(_Same(s.playbook))
    erring = s.erring
    if erring:  # a sample clears a failed source's misses and error
        for sid in erring.intersection(values):
            cleared = signals[sid]
            cleared.misses, cleared.last_error = 0, None
        erring.difference_update(values)
    get = signals.get
    # This loop runs once per signal per sample, millions of times in a long drill: band checks inlined.
    for sid, value in values.items():
        view = get(sid)
        if view is None:
            continue
        view.last_t = t
        if value is None:
            continue
        view.value = value
        view.history.append((t, value))
        band = bands[sid]
        if band is None:
            continue
        warn_low, warn_high, critical_low, critical_high = band
        moved = False
        if value > warn_high or value < warn_low:
            if view.warn_since is None:
                view.warn_since, moved = t, True
        elif view.warn_since is not None:
            view.warn_since, moved = None, True
        if value > critical_high or value < critical_low:
            if view.critical_since is None:
                view.critical_since, moved = t, True
        elif view.critical_since is not None:
            view.critical_since, moved = None, True
        if moved:
            _watch(s, sid, view, t)
    for tid, sid, low, high in thresholds:
        value = values.get(sid)
        if value is None:
            continue
        tv = s.triggers[tid]
        if value > high or value < low:
            if tv.breach_since is None:
                tv.breach_since = t
        else:
            tv.breach_since = None


def _signal_state(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.signals[d["signal"]]
    if d["state"] in ("warn", "critical") and d["signal"] not in s.left_ok and t >= 0:
        since = d.get("since")
        s.left_ok[d["signal"]] = max(0.0, since) if isinstance(since, (int, float)) else t
    view.state = d["state"]
    view.state_since = t
    if d["state"] == "stale":
        # A hold (`for:`) never spans a gap: after it, bands and triggers start counting afresh.
        view.warn_since = view.critical_since = None
        for trig in s.playbook.triggers:
            if trig.signal == d["signal"] and trig.id in s.triggers:
                s.triggers[trig.id].breach_since = None
    _watch(s, d["signal"], view, t)


def _source_error(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.signals.get(d["signal"])
    if view is not None:
        view.misses = d.get("misses", view.misses + 1)
        view.last_error = d.get("error")
        s.erring.add(d["signal"])
    s.source_errors += 1


def _injected(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.injected[d["injection"]] = t


def _fired(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    tv = s.triggers[d["trigger"]]
    tv.active = True
    tv.fired.append(t)
    s.fired_order.append((t, d["trigger"]))
    s.fires.append((t, d["trigger"], fault_affects(s, d.get("signal", ""), t)))


def _cleared(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    tv = s.triggers[d["trigger"]]
    tv.active = False
    tv.cleared.append(t)


def _phase(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.phase = Phase(d["phase"])
    s.phase_t.setdefault(d["phase"], t)


def _decision(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.decision = {**d, "t": t, "actor": actor}
    step = s.playbook.decision_step
    if step is not None:
        view = s.steps[step.id]
        view.status, view.ended_t, view.actor = "succeeded", t, actor
        view.started_t = view.started_t if view.started_t is not None else t
        view.result = {"option": d["option"]}


def _checked(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.checklist[(d["role"], d["item"])]
    view.checked, view.by, view.t, view.late = True, actor, t, bool(d.get("late"))


def _unchecked(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.checklist[(d["role"], d["item"])] = CheckView()


def _gate_requested(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.gates[d["step"]] = GateView(
        "requested",
        t,
        actor,
        d.get("expires_t"),
        for_undo=bool(d.get("undo")),
        request_seq=s.seq,
        requested_person=s.by,
    )
    h = s.gate_history.setdefault(d["step"], GateHistory())
    h.requests += 1
    h.requested_t = t if h.requested_t is None else h.requested_t
    if h.approved_t is None:
        h.asked_t = t


def _gate_approved(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    gate = s.gates[d["step"]]
    gate.status, gate.approver, gate.approver_person = "approved", actor, s.by
    h = s.gate_history.setdefault(d["step"], GateHistory())
    if h.approved_t is None:
        h.approved_t, h.approver, h.approver_person = t, actor, s.by
        h.two_person_held = d.get("two_person_held")


def _gate_rejected(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    gate = s.gates[d["step"]]
    gate.status, gate.approver, gate.reason = "rejected", actor, d.get("reason")
    h = s.gate_history.setdefault(d["step"], GateHistory())
    h.rejected += 1
    if actor not in h.rejected_by:
        h.rejected_by.append(actor)


def _gate_expired(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.gates[d["step"]].status = "expired"
    s.gate_history.setdefault(d["step"], GateHistory()).expired += 1


def _step_started(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.steps[d["step"]]
    view.status, view.started_t, view.ended_t = "running", t, None
    view.attempts, view.error, view.will_retry, view.actor = d.get("attempt", view.attempts + 1), None, False, actor
    view.first_started_t = view.first_started_t if view.first_started_t is not None else t
    h = s.gate_history.get(d["step"])
    if h is not None and h.approved_t is not None and h.owner is None:
        h.owner = actor


def _step_succeeded(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.steps[d["step"]]
    view.status, view.ended_t = "succeeded", t
    view.result = d.get("result") or {}
    if _apply_target_change(s, t, view.result):
        s.effective_changes.append((t, d["step"]))
        downstream.record_change(s, t, d["step"], actor, d, undo=False)


def _step_failed(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.steps[d["step"]]
    if d.get("undo"):
        view.error = d.get("error")
        return
    view.status, view.ended_t, view.error, view.will_retry = "failed", t, d.get("error"), bool(d.get("will_retry"))
    gate = s.gates.get(d["step"])
    if gate is not None and gate.status == "approved" and not view.will_retry:
        # An approval covers one run with its automatic retries; a manual retry is approved anew.
        s.gates[d["step"]] = GateView()


def _step_skipped(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.steps[d["step"]]
    view.status, view.ended_t, view.skip_reason, view.actor = "skipped", t, d.get("reason"), actor


def _step_undone(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    view = s.steps[d["step"]]
    view.status = "undone"
    if d["step"] in s.gates:
        s.gates[d["step"]] = GateView()
    if _apply_target_change(s, t, d.get("result") or {}):
        downstream.record_change(s, t, d["step"], actor, d, undo=True)


def _apply_target_change(s: DrillState, t: float, result: dict[str, Any]) -> bool:
    """Apply a step's change to the targets; whether it changed anything."""
    tid = result.get("target")
    if tid is None:
        return False
    if result.get("from") is not None and result.get("from") == result.get("to"):
        return False
    if "alias" in result and tid in s.registry:
        s.registry[tid][result["alias"]] = result["to"]
        s.target_changes.append(t)
        note_target_change(s, t)
        downstream.note_live_version(s, t)
        return True
    if "flag" in result and tid in s.flags:
        values = s.flags[tid].setdefault(result["flag"], {"*": False})
        segment = result.get("segment")
        if segment is None:
            for key in list(values):
                values[key] = result["to"]
        else:
            values[segment] = result["to"]
        s.target_changes.append(t)
        note_target_change(s, t)
        return True
    return False


def _verify_passed(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.verifications.append({**d, "t": t, "passed": True})


def _verify_failed(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.verifications.append({**d, "t": t, "passed": False})


def _fidelity(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.fidelity.append({**d, "t": t})


def _escalation(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.escalations.append({**d, "t": t})
    s.escalated.add((d["escalation"], d["subject"]))


def _access_denied(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    h = s.gate_history.get(d.get("step") or "")
    if h is not None:
        h.refused += 1
    s.denied.append({**d, "t": t, "actor": actor})


def _note(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.notes.append({**d, "t": t, "actor": actor})


def _comms(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.comms.append({**d, "t": t, "actor": actor})


def _lesson(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.lessons.append({**d, "t": t, "actor": actor})


def _action_item(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.actions.append({**d, "t": t, "actor": actor})


def _teardown(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.teardown.append({"t": t, "action": d.get("action"), "ok": "error" not in d, "error": d.get("error")})


def _joined(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.participants[d["person"]] = {"account": d.get("account"), "via": d.get("via"), "online": True, "joined_t": t}


def _left(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    if d["person"] in s.participants:
        s.participants[d["person"]]["online"] = False


def _role_assumed(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    s.holders[d["role"]] = d["person"]
    if d.get("provisional"):
        s.provisional.add(d["role"])
    else:
        s.provisional.discard(d["role"])


def _role_renounced(s: DrillState, t: float, d: dict[str, Any], actor: str) -> None:
    if s.holders.get(d["role"]) == d["person"]:
        del s.holders[d["role"]]
        s.provisional.discard(d["role"])


Handler = Callable[[DrillState, float, dict[str, Any], str], None]

_HANDLERS: dict[str, Handler] = {
    EventType.SESSION_STARTED: _started,
    EventType.SESSION_RESUMED: _resumed,
    EventType.SESSION_ENDED: _ended,
    EventType.SIGNAL_SAMPLE: _sample,
    EventType.SIGNAL_STATE: _signal_state,
    EventType.SOURCE_ERROR: _source_error,
    EventType.SCENARIO_INJECTED: _injected,
    EventType.TRIGGER_FIRED: _fired,
    EventType.TRIGGER_CLEARED: _cleared,
    EventType.PHASE_ENTERED: _phase,
    EventType.DECISION_MADE: _decision,
    EventType.CHECKLIST_CHECKED: _checked,
    EventType.CHECKLIST_UNCHECKED: _unchecked,
    EventType.GATE_REQUESTED: _gate_requested,
    EventType.GATE_APPROVED: _gate_approved,
    EventType.GATE_REJECTED: _gate_rejected,
    EventType.GATE_EXPIRED: _gate_expired,
    EventType.STEP_STARTED: _step_started,
    EventType.STEP_SUCCEEDED: _step_succeeded,
    EventType.STEP_FAILED: _step_failed,
    EventType.STEP_SKIPPED: _step_skipped,
    EventType.STEP_UNDONE: _step_undone,
    EventType.VERIFY_PASSED: _verify_passed,
    EventType.VERIFY_FAILED: _verify_failed,
    EventType.FIDELITY_MEASURED: _fidelity,
    EventType.CONSISTENCY_CHECKED: lambda s, t, d, a: downstream.fold_checked(s.downstream, t, d, a),
    EventType.RECONCILE_RECORDED: lambda s, t, d, a: downstream.fold_reconciled(s.downstream, t, d, a),
    EventType.DISCREPANCY_RESIDUAL: lambda s, t, d, a: downstream.fold_residual(s.downstream, t, d, a),
    EventType.ESCALATION_RAISED: _escalation,
    EventType.ACCESS_DENIED: _access_denied,
    EventType.NOTE_ADDED: _note,
    EventType.COMMS_SENT: _comms,
    EventType.REVIEW_LESSON: _lesson,
    EventType.REVIEW_ACTION: _action_item,
    EventType.TEARDOWN_DONE: _teardown,
    EventType.TEARDOWN_FAILED: _teardown,
    EventType.PARTICIPANT_JOINED: _joined,
    EventType.PARTICIPANT_LEFT: _left,
    EventType.ROLE_ASSUMED: _role_assumed,
    EventType.ROLE_RENOUNCED: _role_renounced,
}
