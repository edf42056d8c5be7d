"""The event contract: every event type of the session log and the payload (`data`) it carries, declared once.

Payloads are `TypedDict`s: the engine writes plain dicts (no cost per event on a
million-sample drill), the type checker holds every writer and reader to these
fields, `payload_adapter()` validates a logged event against its type in tests
and tools, and the report's column schema and `docs/events.md` are derived from
them. No event-type string appears anywhere else in the package (a test checks).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict


class EventType(StrEnum):
    """Every kind of line in a session log."""

    SESSION_STARTED = "session.started"
    SESSION_RESUMED = "session.resumed"
    SESSION_ENDED = "session.ended"
    SIGNAL_SAMPLE = "signal.sample"
    SIGNAL_STATE = "signal.state"
    SOURCE_ERROR = "source.error"
    SCENARIO_INJECTED = "scenario.injected"
    TRIGGER_FIRED = "trigger.fired"
    TRIGGER_CLEARED = "trigger.cleared"
    PHASE_ENTERED = "phase.entered"
    DECISION_MADE = "decision.made"
    CHECKLIST_CHECKED = "checklist.checked"
    CHECKLIST_UNCHECKED = "checklist.unchecked"
    GATE_REQUESTED = "gate.requested"
    GATE_APPROVED = "gate.approved"
    GATE_REJECTED = "gate.rejected"
    GATE_EXPIRED = "gate.expired"
    STEP_STARTED = "step.started"
    STEP_SUCCEEDED = "step.succeeded"
    STEP_FAILED = "step.failed"
    STEP_SKIPPED = "step.skipped"
    STEP_UNDONE = "step.undone"
    STEP_RETRYING = "step.retrying"
    VERIFY_PASSED = "verify.passed"
    VERIFY_FAILED = "verify.failed"
    FIDELITY_MEASURED = "fidelity.measured"
    CONSISTENCY_CHECKED = "consistency.checked"
    RECONCILE_RECORDED = "reconcile.recorded"
    DISCREPANCY_RESIDUAL = "discrepancy.residual"
    ESCALATION_RAISED = "escalation.raised"
    ACCESS_DENIED = "access.denied"
    ENGINE_ERROR = "engine.error"
    TEARDOWN_DONE = "teardown.done"
    TEARDOWN_FAILED = "teardown.failed"
    NOTE_ADDED = "note.added"
    COMMS_SENT = "comms.sent"
    REVIEW_LESSON = "review.lesson"
    REVIEW_ACTION = "review.action"
    LOG_SEALED = "log.sealed"
    PARTICIPANT_JOINED = "participant.joined"
    PARTICIPANT_LEFT = "participant.left"
    ROLE_ASSUMED = "role.assumed"
    ROLE_RENOUNCED = "role.renounced"


ENGINE = "engine"
"""The actor of events the engine writes on its own."""

Outcome = Literal["restored", "failed", "aborted"]
BandState = Literal["ok", "warn", "critical", "stale", "error"]


class Payload(TypedDict, total=False):
    """Fields any payload may carry."""

    auto: bool
    """Written by the auto player (`--auto`), not by a person."""
    command_id: str
    """The id of the participant command this event answers (a command delivered twice has one effect)."""


class SignalInfo(TypedDict):
    """A signal as `session.started` records it."""

    id: str
    title: str
    unit: str
    bands: dict[str, Any]


class SessionStarted(Payload):
    """The drill began: what ran, with what, and the playbook itself."""

    playbook: str
    """The playbook's path as given on the command line (informative only)."""
    playbook_hash: str
    """sha256 of the playbook's bytes; the chain starts from it."""
    playbook_text: NotRequired[str]
    """The playbook's exact text, so a log needs no file to be replayed or reported (absent in older logs)."""
    found: NotRequired[dict[str, dict[str, Any]]]
    """Where each MLflow registry alias pointed when the drill began (`{target: {alias, version}}`): teardown puts it back."""
    drill: str
    title: str
    model: str
    seed: int
    environment: str
    roster: dict[str, str]
    versions: dict[str, str]
    clock: Literal["virtual", "real"]
    speed: float
    signals: list[SignalInfo]
    production: NotRequired[dict[str, Any]]
    """How a production drill was allowed: who, when, how."""


class SessionResumed(Payload):
    """The engine came back after a stop and carries on from `from_seq`."""

    from_seq: int
    at_t: float
    production: NotRequired[dict[str, Any]]
    """A production drill's renewed opt-in (who, when, how): resuming asks again."""


class SessionEnded(Payload):
    """The drill is over."""

    outcome: Outcome
    reason: str


class SignalSample(Payload):
    """Every value sampled at one instant (None: polled, no value)."""

    values: dict[str, float | None]
    history: NotRequired[dict[str, list[list[float]]]]
    """Points `[t, value]` backfilled from before the drill (t ≤ 0); they never drive bands or triggers."""
    measured: NotRequired[dict[str, float]]
    """Drill time each remote value was measured (before `t`; negative: before the drill)."""


class SignalState(Payload):
    """A signal's band state changed."""

    signal: str
    state: BandState
    prev: str
    value: float | None
    since: NotRequired[float]
    """When the out-of-band run that led to this state began (the band's `for:` hold makes the state later)."""
    reason: NotRequired[str]
    """Why a signal is stale: no answers, or answers measured longer ago than its `max_age`."""


class SourceError(Payload):
    """A poll of a signal's source failed."""

    signal: str
    error: str
    misses: int
    """Polls missed in a row, this one included."""


class ScenarioInjected(Payload):
    """A staged deviation began (simulation)."""

    injection: str
    signal: str
    kind: str
    transient: bool
    delta: float
    rate: NotRequired[float]


class TriggerFired(Payload):
    """A trigger's condition started to hold."""

    trigger: str
    signal: str
    value: float | None
    proposes: str | None
    detail: dict[str, Any]


class TriggerCleared(Payload):
    """A trigger's condition stopped holding."""

    trigger: str
    signal: str
    value: float | None


class PhaseEntered(Payload):
    """The drill moved to a phase."""

    phase: str
    prev: str | None


class DecisionMade(Payload):
    """The commander's decision."""

    option: str
    rationale: str
    expected: bool
    """Whether the playbook expects this option."""
    proposed: str | None
    """What the first trigger proposed, if any."""


class ChecklistChecked(Payload):
    """A checklist item was ticked."""

    role: str
    item: str
    due_t: float | None
    late: bool


class ChecklistUnchecked(Payload):
    """A checklist item was unticked."""

    role: str
    item: str


class GateRequested(Payload):
    """Approval of a gated step was asked for."""

    step: str
    approvers: list[str]
    """Roles that may approve (the requester and, under the two-person rule, the owner excluded)."""
    expires_t: float


class GateApproved(Payload):
    """A gate was approved with its phrase."""

    step: str
    approver: str
    request_seq: NotRequired[int]
    """The seq of the `gate.requested` this approval answers (team drills)."""
    two_person_held: NotRequired[bool]
    """False when one person held every role (solo drill) so the two-person rule could not hold."""


class GateRejected(Payload):
    """An approver refused a gate."""

    step: str
    approver: str
    reason: str


class GateExpired(Payload):
    """A gate's request timed out unapproved."""

    step: str


class StepStarted(Payload):
    """An attempt of a step began."""

    step: str
    attempt: int
    kind: str
    action: NotRequired[dict[str, Any]]
    """What the action will do, described for people (secrets masked)."""
    retry: NotRequired[bool]
    undo: NotRequired[bool]
    """This attempt runs the step's undo."""


class StepSucceeded(Payload):
    """An attempt of a step succeeded."""

    step: str
    attempt: int
    duration: float
    result: dict[str, Any]
    """What changed (registry: target, alias, from, to; flag: target, flag, segment, from, to)."""


class StepFailed(Payload):
    """An attempt of a step (or of its undo) failed."""

    step: str
    attempt: int
    duration: NotRequired[float | None]
    error: str
    will_retry: bool
    undo: NotRequired[bool]


class StepSkipped(Payload):
    """A step was skipped, by a person with a reason or by the engine because it does not apply."""

    step: str
    reason: str


class StepUndone(Payload):
    """A succeeded step was reversed through its undo."""

    step: str
    result: dict[str, Any]


class VerifyPassed(Payload):
    """A verify step's signals held in band."""

    step: str
    signals: dict[str, str]


class VerifyFailed(Payload):
    """A verify step's signals did not hold in band in time."""

    step: str
    signals: dict[str, str]
    reason: str


class FidelityMeasured(Payload):
    """The live model's outputs on the probe set compared with the known-safe reference."""

    step: str
    version: str | None
    reference: str
    probes: int
    match_rate: float
    max_deviation: float
    tolerance: float
    passed: bool
    probe_seed: NotRequired[int]
    """Live fidelity: the seed of the probe set that was scored."""
    reference_outputs: NotRequired[list[float]]
    """Live fidelity: the known-safe version's scores, recorded when measured (the log needs no other file)."""
    reference_sha256: NotRequired[str]
    """sha256 of the reference scores as canonical JSON."""


class DependentVersion(TypedDict):
    """What one dependent reported to a consistency check."""

    version: str | None
    """The version it reported last (None: it could not be read)."""
    agreed_t: float | None
    """When it was first seen on the live version (None: never, during the check)."""
    error: NotRequired[str]
    """Why the last read failed."""


class ConsistencyChecked(Payload):
    """A consistency step's verdict: whether every dependent reports the live version."""

    step: str
    live_version: str | None
    passed: bool
    dependents: dict[str, DependentVersion]
    lagging: list[str]
    """Dependents not on the live version when the check ended (still on the suspect version, or unread)."""
    reason: NotRequired[str]


class SystemReconciled(TypedDict):
    """What a reconcile step did in one system that keeps records."""

    handled: int
    """Records re-scored or queued by this step."""
    residual: int
    """Records scored by the suspect version left unreconciled."""
    version: str | None
    """The version the system reported when re-scoring (re-scoring on the suspect version fixes nothing)."""


class ReconcileRecorded(Payload):
    """A reconcile step's account: records the suspect version scored and what was re-scored or queued."""

    step: str
    suspect: str
    scored: int
    """Records scored by the suspect version between impact and rollback."""
    window: list[float | None]
    """[impact, rollback] in drill seconds (rollback None: the suspect version was still live)."""
    method: str
    systems: dict[str, SystemReconciled]
    source: str
    """Where the count came from: `simulated traffic (signal)` or the counter's query or URL."""


class DiscrepancyResidual(Payload):
    """Records scored by the suspect version that nobody reconciled: count, systems, owner."""

    step: str
    count: int
    systems: list[str]
    owner: str
    reason: str


class EscalationRaised(Payload):
    """Something is late: a gate, the decision or a checklist item."""

    escalation: str
    kind: str
    subject: str
    late_s: float
    late_roles: list[str]
    notify: list[str]
    message: str


class AccessDenied(Payload):
    """A command the rules refused (who, what, why); the typed text of a secret phrase is never logged."""

    command: str
    reason: str
    step: NotRequired[str]
    role: NotRequired[str]
    """The role the refused command was sent as (team drills)."""


class EngineError(Payload):
    """An unexpected error inside the engine, caught and logged with its one-line cause."""

    where: str
    error: str


class StepRetrying(Payload):
    """A transient failure inside an attempt (connection refused, timeout, 5xx): the step tries again shortly."""

    step: str
    attempt: int
    error: str
    retry_in: float
    """Seconds until the next try."""
    next_try: int
    """The try about to come (2 for the first retry)."""
    tries: int
    """Tries allowed in all (the step's `backoff.attempts`), within its timeout."""
    undo: NotRequired[bool]


class TeardownDone(Payload):
    """One teardown action put the environment back (or found it already clean)."""

    action: str
    """What it did, in words (`registry champion → v42`, `sandbox faults cleared`)."""
    result: dict[str, Any]


class TeardownFailed(Payload):
    """One teardown action failed: the environment may not be clean."""

    action: str
    error: str


class NoteAdded(Payload):
    """A note on the timeline."""

    text: str


class CommsSent(Payload):
    """A status update sent (or recorded) by a notify action."""

    step: str
    channel: str
    text: str
    url: str | None
    delivered: NotRequired[bool]


class ReviewLesson(Payload):
    """A lesson learned, recorded at review."""

    text: str


class ReviewAction(Payload):
    """An action item with its owner role and due date."""

    text: str
    owner: str
    due: str


class LogSealed(Payload):
    """The log writer's ed25519 signature of the chain's head (not a drill event: the fold skips it)."""

    head_seq: int
    head_hash: str
    key_id: str
    sig: str


class ParticipantJoined(Payload):
    """A person joined the drill (a console on the socket, over NATS, or the engine's own console)."""

    person: str
    account: str
    """Who the kernel or the invite token says they are: `uid:NAME`, `token`, or `nats:USER`."""
    via: str
    roles: list[str]
    """The roles the person holds once joined."""


class ParticipantLeft(Payload):
    """A person's connection ended (they may rejoin and keep their roles)."""

    person: str
    reason: str


class RoleAssumed(Payload):
    """A person took a role; the role's next commands are theirs."""

    role: str
    person: str
    provisional: NotRequired[bool]
    """Held by the engine's own console until someone claims it (solo drill)."""


class RoleRenounced(Payload):
    """A person gave a role up (or handed it over)."""

    role: str
    person: str
    reason: str


PAYLOADS: dict[EventType, type[Payload]] = {
    EventType.SESSION_STARTED: SessionStarted,
    EventType.SESSION_RESUMED: SessionResumed,
    EventType.SESSION_ENDED: SessionEnded,
    EventType.SIGNAL_SAMPLE: SignalSample,
    EventType.SIGNAL_STATE: SignalState,
    EventType.SOURCE_ERROR: SourceError,
    EventType.SCENARIO_INJECTED: ScenarioInjected,
    EventType.TRIGGER_FIRED: TriggerFired,
    EventType.TRIGGER_CLEARED: TriggerCleared,
    EventType.PHASE_ENTERED: PhaseEntered,
    EventType.DECISION_MADE: DecisionMade,
    EventType.CHECKLIST_CHECKED: ChecklistChecked,
    EventType.CHECKLIST_UNCHECKED: ChecklistUnchecked,
    EventType.GATE_REQUESTED: GateRequested,
    EventType.GATE_APPROVED: GateApproved,
    EventType.GATE_REJECTED: GateRejected,
    EventType.GATE_EXPIRED: GateExpired,
    EventType.STEP_STARTED: StepStarted,
    EventType.STEP_SUCCEEDED: StepSucceeded,
    EventType.STEP_FAILED: StepFailed,
    EventType.STEP_SKIPPED: StepSkipped,
    EventType.STEP_UNDONE: StepUndone,
    EventType.STEP_RETRYING: StepRetrying,
    EventType.VERIFY_PASSED: VerifyPassed,
    EventType.VERIFY_FAILED: VerifyFailed,
    EventType.FIDELITY_MEASURED: FidelityMeasured,
    EventType.CONSISTENCY_CHECKED: ConsistencyChecked,
    EventType.RECONCILE_RECORDED: ReconcileRecorded,
    EventType.DISCREPANCY_RESIDUAL: DiscrepancyResidual,
    EventType.ESCALATION_RAISED: EscalationRaised,
    EventType.ACCESS_DENIED: AccessDenied,
    EventType.ENGINE_ERROR: EngineError,
    EventType.TEARDOWN_DONE: TeardownDone,
    EventType.TEARDOWN_FAILED: TeardownFailed,
    EventType.NOTE_ADDED: NoteAdded,
    EventType.COMMS_SENT: CommsSent,
    EventType.REVIEW_LESSON: ReviewLesson,
    EventType.REVIEW_ACTION: ReviewAction,
    EventType.LOG_SEALED: LogSealed,
    EventType.PARTICIPANT_JOINED: ParticipantJoined,
    EventType.PARTICIPANT_LEFT: ParticipantLeft,
    EventType.ROLE_ASSUMED: RoleAssumed,
    EventType.ROLE_RENOUNCED: RoleRenounced,
}
"""The payload type of every event type."""

DURABLE: frozenset[EventType] = frozenset(PAYLOADS) - {
    EventType.SIGNAL_SAMPLE,
    EventType.SIGNAL_STATE,
    EventType.SOURCE_ERROR,
    EventType.SCENARIO_INJECTED,
    EventType.TRIGGER_FIRED,
    EventType.TRIGGER_CLEARED,
    EventType.PHASE_ENTERED,
    EventType.NOTE_ADDED,
    EventType.ESCALATION_RAISED,
}
"""Events flushed and fsynced before anyone is told they happened (decisions, gates, steps, checklist, review)."""
