"""Typed playbook: every concept a drill holds, validated by pydantic.

The same models generate `playbooks/schema.json`, so every field carries a
docstring that editors show as a hint.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from drillconsole.durations import DURATION_PATTERN, parse_duration

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN},
                {"type": "number", "minimum": 0},
            ],
            "description": "A duration: 30s, 2m, 1h, 1m30s, 250ms, or seconds as a number.",
        }
    ),
]
Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]


class Phase(StrEnum):
    """The drill lifecycle, in order."""

    baseline = "baseline"
    detect = "detect"
    decide = "decide"
    execute = "execute"
    verify = "verify"
    restore = "restore"
    review = "review"

    @property
    def index(self) -> int:
        return PHASES.index(self)


PHASES: list[Phase] = list(Phase)


class Authority(StrEnum):
    """What a role may do beyond working its own checklist and steps."""

    declare_rollback = "declare_rollback"
    approve_gate = "approve_gate"
    end_drill = "end_drill"
    execute_steps = "execute_steps"
    send_comms = "send_comms"


class Model(BaseModel):
    """Base: frozen, strict about unknown keys, field docstrings become descriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# --- drill -----------------------------------------------------------------


class Versions(Model):
    suspect: str
    """The model version under suspicion (live when the drill starts)."""
    known_safe: str
    """The version to restore: its outputs are the fidelity reference."""


class Drill(Model):
    id: Id
    """Stable identifier; session logs are filed under it."""
    title: str
    """One line shown in the console header and reports."""
    model: str
    """The model being drilled, e.g. `fraud-scorer`."""
    environment: Literal["simulation", "staging", "production"] = "simulation"
    """Where the drill acts. `production` needs `--allow-production` and a typed confirmation."""
    seed: int = 0
    """Seed for every random choice of the drill (overridable with `--seed`)."""
    versions: Versions
    """Suspect and known-safe model versions."""
    time_limit: Duration = 1800.0
    """Drill time after which the drill ends as `failed`."""
    description: str = ""
    """What the drill rehearses, for the briefing."""


# --- roles -----------------------------------------------------------------


class ChecklistItem(Model):
    id: Id
    """Identifier, unique within the role."""
    text: str
    """What to do, in the imperative."""
    phase: Phase
    """The phase in which the item becomes due."""
    within: Duration | None = None
    """Due this long after the phase is entered; late after that."""


class Role(Model):
    title: str
    """Human title, e.g. `Incident commander`."""
    responsibilities: list[str] = []
    """What this role owns during the drill."""
    authority: list[Authority] = []
    """Powers beyond the role's own checklist."""
    checklist: list[ChecklistItem] = []
    """Items the role works through, tied to phases."""


# --- targets ---------------------------------------------------------------


class SimulatedRegistry(Model):
    type: Literal["registry"]
    """A model registry holding versions and aliases."""
    kind: Literal["simulated"]
    """Embedded simulated registry (no service needed)."""
    alias: str = "champion"
    """The alias that serving follows."""
    versions: list[str] = []
    """Versions known to the registry (suspect and known-safe are always included)."""


class MlflowRegistry(Model):
    type: Literal["registry"]
    kind: Literal["mlflow"]
    """A real MLflow model registry reached over its REST API."""
    tracking_uri: str
    """MLflow tracking server URL; `${env:NAME}` allowed."""
    model_name: str | None = None
    """Registered model name; defaults to `drill.model`."""
    alias: str = "champion"
    """The alias that serving follows."""
    headers: dict[str, str] = {}
    """Extra request headers; `${env:NAME}` allowed for tokens."""
    timeout: Duration = 10.0
    """Timeout of each registry request."""


class SimulatedFlags(Model):
    type: Literal["flags"]
    kind: Literal["simulated"]
    """Embedded simulated feature flags."""
    flags: dict[str, bool] = {}
    """Initial value of each flag (for every segment)."""
    segments: list[str] = []
    """Segments a flag can be set for separately."""


class HttpFlags(Model):
    type: Literal["flags"]
    kind: Literal["http"]
    """Feature flags behind an HTTP service."""
    url: str
    """Base URL of the flag service; `${env:NAME}` allowed."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` allowed."""
    flags: dict[str, bool] = {}
    """Flags the playbook may change, with their expected initial values."""
    segments: list[str] = []
    """Segments a flag can be set for separately."""
    timeout: Duration = 10.0
    """Timeout of each flag request."""


Target = Annotated[
    Union[
        Annotated[Union[SimulatedRegistry, MlflowRegistry], Field(discriminator="kind")],
        Annotated[Union[SimulatedFlags, HttpFlags], Field(discriminator="kind")],
    ],
    Field(discriminator="type"),
]


# --- signals ---------------------------------------------------------------


class SimulatedSource(Model):
    kind: Literal["simulated"]
    """Samples from the simulated target, shaped by the scenario."""
    baseline: float
    """Value in steady state."""
    noise: float = 0.0
    """Standard deviation of the Gaussian noise on each sample."""
    min: float | None = None
    """Lower clamp of the simulated value."""
    max: float | None = None
    """Upper clamp of the simulated value."""
    integer: bool = False
    """Round samples to whole numbers (counts)."""


class PrometheusSource(Model):
    kind: Literal["prometheus"]
    """Polls a PromQL instant query."""
    url: str
    """Prometheus base URL; `${env:NAME}` allowed."""
    query: str
    """PromQL expression."""
    reduce: Literal["single", "sum", "avg", "min", "max"] = "single"
    """How to fold a multi-series result (`single` errors if more than one)."""
    backfill: Duration = 300.0
    """History fetched at start with a range query."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` allowed."""
    timeout: Duration = 5.0
    """Timeout of each query."""


class HttpJsonSource(Model):
    kind: Literal["http_json"]
    """GETs a URL and picks a number out of the JSON response."""
    url: str
    """URL to poll; `${env:NAME}` allowed."""
    path: str
    """Dotted JSON path to the value, e.g. `metrics.precision` or `items.0.value`."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` allowed."""
    timeout: Duration = 5.0
    """Timeout of each poll."""


Source = Annotated[Union[SimulatedSource, PrometheusSource, HttpJsonSource], Field(discriminator="kind")]


class Band(Model):
    above: float | None = None
    """In this band when the value is above this bound."""
    below: float | None = None
    """In this band when the value is below this bound."""
    for_: Duration = Field(0.0, alias="for")
    """The condition must hold this long before the band state changes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _one_bound(self) -> Band:
        if (self.above is None) == (self.below is None):
            raise ValueError("a band needs exactly one of `above` or `below`")
        return self

    def breached(self, value: float) -> bool:
        if self.above is not None:
            return value > self.above
        return value < self.below  # type: ignore[operator]

    @property
    def threshold(self) -> float:
        return self.above if self.above is not None else self.below  # type: ignore[return-value]


class Bands(Model):
    warn: Band | None = None
    """Warning band."""
    critical: Band | None = None
    """Critical band."""


class Signal(Model):
    id: Id
    """Identifier used by triggers, scenario and verification."""
    title: str
    """Panel title."""
    unit: str = ""
    """Unit shown after the value (`%`, `ms`, `req/s`)."""
    source: Source
    """Where samples come from."""
    interval: Duration = 1.0
    """Poll interval."""
    bands: Bands = Bands()
    """Warn and critical bands with their hold durations."""
    stale_after: int = 3
    """Missed polls in a row after which the signal turns stale."""
    precision: int = 3
    """Decimals shown."""


# --- triggers --------------------------------------------------------------


class _TriggerBase(Model):
    id: Id
    """Identifier."""
    title: str = ""
    """What the trigger means, shown in the alert."""
    signal: str
    """The signal it watches."""
    proposes: str | None = None
    """Decision option it proposes when it fires."""


class ThresholdTrigger(_TriggerBase):
    kind: Literal["threshold"]
    """Fires when the signal stays beyond a bound for a duration."""
    above: float | None = None
    """Fires when the value is above this..."""
    below: float | None = None
    """...or below this."""
    for_: Duration = Field(0.0, alias="for")
    """How long the condition must hold; a shorter spike does not fire."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _one_bound(self) -> ThresholdTrigger:
        if (self.above is None) == (self.below is None):
            raise ValueError("a threshold trigger needs exactly one of `above` or `below`")
        return self


class ConfidenceTrigger(_TriggerBase):
    kind: Literal["confidence_interval"]
    """Fires when the confidence interval of the windowed mean lies beyond a bound."""
    window: Duration
    """Samples of this trailing window form the mean."""
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    """Confidence level of the interval."""
    above: float | None = None
    """Fires when the interval's lower end is above this..."""
    below: float | None = None
    """...or when its upper end is below this."""
    min_samples: int = Field(5, ge=2)
    """No decision on fewer samples than this."""

    @model_validator(mode="after")
    def _one_bound(self) -> ConfidenceTrigger:
        if (self.above is None) == (self.below is None):
            raise ValueError("a confidence_interval trigger needs exactly one of `above` or `below`")
        return self


class PolicyTrigger(_TriggerBase):
    kind: Literal["policy"]
    """Fires at once when a policy-violation count is above zero."""


Trigger = Annotated[Union[ThresholdTrigger, ConfidenceTrigger, PolicyTrigger], Field(discriminator="kind")]


# --- scenario --------------------------------------------------------------


class Cause(Model):
    version: str | None = None
    """The deviation exists only while serving this model version."""
    flag: str | None = None
    """...and only while this flag is on."""
    segment: str | None = None
    """...for this segment of the flag."""
    target: str | None = None
    """The target holding that version or flag (default: the only one of its type)."""

    @model_validator(mode="after")
    def _something(self) -> Cause:
        if self.version is None and self.flag is None:
            raise ValueError("a cause needs a `version` or a `flag`")
        if self.segment is not None and self.flag is None:
            raise ValueError("`segment` needs a `flag`")
        return self


class Injection(Model):
    id: Id
    """Identifier."""
    at: Duration
    """Drill time of the injection."""
    signal: str
    """The signal it deviates."""
    kind: Literal["shift", "ramp", "spike", "drift"]
    """shift: step change; ramp: linear over `over`; spike: transient for `duration`; drift: keeps moving at `rate`."""
    delta: float = 0.0
    """Size of the deviation (shift, ramp, spike; drift caps at it if set)."""
    over: Duration = 0.0
    """Ramp duration."""
    duration: Duration = 0.0
    """Spike duration."""
    rate: float = 0.0
    """Drift per second."""
    cause: Cause | None = None
    """What the deviation depends on; removing the cause makes it recede."""
    recede: Duration = 20.0
    """How long the deviation takes to fade once its cause is removed."""
    note: str = ""
    """What the injection represents, for the report."""

    @model_validator(mode="after")
    def _shape(self) -> Injection:
        if self.kind == "ramp" and self.over <= 0:
            raise ValueError("a ramp needs `over` > 0")
        if self.kind == "spike" and self.duration <= 0:
            raise ValueError("a spike needs `duration` > 0")
        if self.kind == "drift" and self.rate == 0:
            raise ValueError("a drift needs a non-zero `rate`")
        return self

    @property
    def transient(self) -> bool:
        return self.kind == "spike"


# --- steps -----------------------------------------------------------------


class SetAliasAction(Model):
    type: Literal["registry.set_alias"]
    """Re-point a registry alias (compare-and-set against the expected version)."""
    target: str
    """Registry target id."""
    alias: str | None = None
    """Alias to move (default: the target's alias)."""
    from_version: str | None = Field(None, alias="from")
    """Version the alias must point at now (default: drill suspect version)."""
    to_version: str = Field(alias="to")
    """Version to point the alias at."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)


class FlagSetAction(Model):
    type: Literal["flag.set"]
    """Set a feature flag, optionally for one segment only."""
    target: str
    """Flags target id."""
    flag: str
    """Flag name."""
    value: bool
    """New value."""
    segment: str | None = None
    """Only this segment (partial rollback); all segments when omitted."""


class HttpAction(Model):
    type: Literal["http"]
    """Call an HTTP endpoint."""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    """HTTP method."""
    url: str
    """URL; `${env:NAME}` allowed."""
    headers: dict[str, str] = {}
    """Headers; `${env:NAME}` allowed."""
    json_body: Any = Field(None, alias="json")
    """JSON body."""
    expect: list[int] = [200, 201, 202, 204]
    """Status codes that count as success."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)


class CommandAction(Model):
    type: Literal["command"]
    """Run a program (an argv list, never a shell string)."""
    argv: list[str] = Field(min_length=1)
    """Program and arguments."""
    cwd: str | None = None
    """Working directory."""
    env: dict[str, str] = {}
    """Extra environment; `${env:NAME}` allowed."""
    expect_exit: list[int] = [0]
    """Exit codes that count as success."""


class NotifyAction(Model):
    type: Literal["notify"]
    """Post a status update (Slack-compatible `text` payload)."""
    channel: str = "status"
    """Where it goes, for the log."""
    url: str | None = None
    """Webhook URL; without one the message is only recorded (simulation)."""
    headers: dict[str, str] = {}
    """Headers; `${env:NAME}` allowed."""
    template: str
    """Message; `{phase}`, `{decision}`, `{suspect}`, `{known_safe}`, `{model}`, `{clock}`, `{title}`, `{live_version}` are filled in."""


class InjectFaultAction(Model):
    type: Literal["fault.inject"]
    """Make a model version misbehave on a sandbox (live drills) or mark the injection (simulation)."""
    url: str | None = None
    """Sandbox fault endpoint; `${env:NAME}` allowed."""
    version: str | None = None
    """Version that misbehaves (default: suspect)."""
    headers: dict[str, str] = {}
    """Headers; `${env:NAME}` allowed."""


Action = Annotated[
    Union[SetAliasAction, FlagSetAction, HttpAction, CommandAction, NotifyAction, InjectFaultAction],
    Field(discriminator="type"),
]


class Gate(Model):
    approver: list[str] = Field(min_length=1)
    """Role (or roles) that may approve; each needs `approve_gate` authority."""
    phrase: str = Field(min_length=1)
    """Exact phrase the approver types to confirm."""
    two_person: bool = True
    """The approver must differ from the step's owner."""
    timeout: Duration = 120.0
    """A request not approved within this expires and the step does not run."""

    @model_validator(mode="before")
    @classmethod
    def _approver_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("approver"), str):
            return {**data, "approver": [data["approver"]]}
        return data


class DecisionOption(Model):
    id: Id
    """Identifier used by triggers (`proposes`) and `when:`."""
    title: str
    """Short label."""
    description: str = ""
    """What choosing it means."""
    expected: bool = False
    """The choice the playbook expects (exactly one option)."""


class VerifyCheck(Model):
    signals: list[str] = Field(min_length=1)
    """Signals that must be back in band."""
    state: Literal["ok", "warn"] = "ok"
    """Worst band state that counts as back (`ok`: no band breached)."""
    within: Duration = 120.0
    """Verification fails if the condition does not hold by then."""
    hold: Duration = 10.0
    """How long the condition must hold to pass."""


class FidelityCheck(Model):
    target: str | None = None
    """Registry whose live version is compared (default: the only registry)."""
    probes: int = Field(200, ge=10, le=100_000)
    """Size of the fixed probe set."""
    tolerance: float = 0.01
    """Largest output difference that still counts as a match."""
    min_match: float = Field(0.99, ge=0, le=1)
    """Match rate needed to pass."""


class When(Model):
    """A step applies when any one of these conditions holds."""

    decision: list[str] = []
    """Run only if the decision taken is one of these options."""
    failed: str | None = None
    """Run only if this step failed (a fallback)."""

    @model_validator(mode="before")
    @classmethod
    def _decision_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("decision"), str):
            return {**data, "decision": [data["decision"]]}
        return data


class Step(Model):
    id: Id
    """Identifier."""
    title: str
    """What the step does, in a few words."""
    phase: Phase
    """Phase the step belongs to; it can run once the drill is there."""
    owner: str
    """Role that executes the step."""
    kind: Literal["manual", "decision", "action", "verify", "fidelity"]
    """manual: a person does it; decision: choose an option; action: runs `action`; verify: signals back in band; fidelity: probe outputs vs known-safe."""
    description: str = ""
    """Details for the step list."""
    options: list[DecisionOption] = []
    """Decision options (kind `decision`)."""
    action: Action | None = None
    """What an `action` step does."""
    verify: VerifyCheck | None = None
    """Conditions of a `verify` step."""
    fidelity: FidelityCheck | None = None
    """Settings of a `fidelity` step."""
    gate: Gate | None = None
    """Approval needed before the step runs."""
    undo: Literal["restore"] | Action | None = None
    """How to undo: `restore` reverses a registry/flag action to its recorded prior value, or an explicit action."""
    when: When | None = None
    """Conditions under which the step applies; otherwise it is skipped."""
    timeout: Duration = 60.0
    """Longest an attempt may take."""
    retries: int = Field(0, ge=0, le=10)
    """Automatic retries after a failed attempt."""
    retry_delay: Duration = 5.0
    """Wait before an automatic retry."""
    injects_fault: bool = False
    """Running this step is the fault injection (live drills)."""
    rollback: bool = False
    """This step is the rollback whose time and success rate are scored."""

    @model_validator(mode="after")
    def _kind_fields(self) -> Step:
        needs = {"decision": "options", "action": "action", "verify": "verify"}
        field = needs.get(self.kind)
        if field and not getattr(self, field):
            raise ValueError(f"a {self.kind} step needs `{field}`")
        if self.kind == "decision":
            expected = [o.id for o in self.options if o.expected]
            if len(expected) != 1:
                raise ValueError("a decision needs exactly one option marked `expected: true`")
        if self.kind != "action" and self.action is not None:
            raise ValueError(f"`action` is only for action steps, not {self.kind}")
        return self


# --- escalations -----------------------------------------------------------


class Escalation(Model):
    id: Id
    """Identifier."""
    kind: Literal["gate", "decision", "checklist"]
    """gate: pending too long; decision: not made after the first trigger; checklist: an item past due."""
    after: Duration = 0.0
    """How late before escalating (for checklist: past the item's due time)."""
    notify: list[str] = []
    """Roles told about it."""
    message: str = ""
    """What to say; `{subject}` and `{late}` are filled in."""


# --- the playbook ----------------------------------------------------------


class Playbook(Model):
    """A rollback drill: who plays, what is watched, what goes wrong, what to do."""

    drill: Drill
    """The drill itself."""
    roles: dict[Id, Role] = Field(min_length=1)
    """Roles by id."""
    targets: dict[Id, Target] = {}
    """What steps act on, by id."""
    signals: list[Signal] = Field(min_length=1)
    """Watched signals."""
    triggers: list[Trigger] = []
    """Conditions that detect the fault."""
    scenario: list[Injection] = []
    """Staged deviations (obeyed by simulated sources)."""
    steps: list[Step] = Field(min_length=1)
    """Steps in order."""
    escalations: list[Escalation] = []
    """What to raise when people are late."""

    # Lookups used everywhere; derived, so they do not appear in the schema.
    @cached_property
    def _signal_index(self) -> dict[str, Signal]:
        return {s.id: s for s in self.signals}

    @cached_property
    def _step_index(self) -> dict[str, Step]:
        return {s.id: s for s in self.steps}

    def signal(self, signal_id: str) -> Signal:
        """The signal with this id (KeyError if none)."""
        return self._signal_index[signal_id]

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError if none)."""
        return self._step_index[step_id]

    def trigger(self, trigger_id: str) -> Trigger:
        return next(t for t in self.triggers if t.id == trigger_id)

    @property
    def decision_step(self) -> Step | None:
        return next((s for s in self.steps if s.kind == "decision"), None)

    def options(self) -> list[DecisionOption]:
        step = self.decision_step
        return list(step.options) if step else []

    @property
    def expected_option(self) -> str | None:
        return next((o.id for o in self.options() if o.expected), None)

    def roles_with(self, authority: Authority) -> list[str]:
        return [rid for rid, role in self.roles.items() if authority in role.authority]

    def checklist_items(self) -> list[tuple[str, ChecklistItem]]:
        return [(rid, item) for rid, role in self.roles.items() for item in role.checklist]

    def target_of_type(self, kind: str, target_id: str | None = None) -> str | None:
        if target_id is not None:
            return target_id
        ids = [tid for tid, t in self.targets.items() if t.type == kind]
        return ids[0] if len(ids) == 1 else None
