"""What the team does: steps with their actions, gates, checks and conditions, and escalations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from drillconsole.playbook.base import Duration, Id, Model, Phase, PositiveDuration, default_in_schema
from drillconsole.playbook.checks import ConfirmPhrase, EscalationMessage, HttpUrl, NotifyTemplate
from drillconsole.playbook.downstream import ConsistencyCheck, ReconcileCheck

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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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
    url: HttpUrl
    """URL; `${env:NAME}` and `${secret:NAME}` allowed."""
    headers: dict[str, str] = {}
    """Headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    json_body: Any = Field(None, alias="json")
    """JSON body."""
    expect: list[Annotated[int, Field(ge=100, le=599)]] = [200, 201, 202, 204]
    """Status codes that count as success."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CommandAction(Model):
    type: Literal["command"]
    """Run a program (an argv list, never a shell string)."""
    argv: list[str] = Field(min_length=1)
    """Program and arguments."""
    cwd: str | None = None
    """Working directory."""
    env: dict[str, str] = {}
    """Extra environment; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    expect_exit: list[Annotated[int, Field(ge=-255, le=255)]] = [0]
    """Exit codes that count as success."""


class NotifyAction(Model):
    type: Literal["notify"]
    """Post a status update (Slack-compatible `text` payload)."""
    channel: str = "status"
    """Where it goes, for the log."""
    url: HttpUrl | None = None
    """Webhook URL; without one the message is only recorded (simulation)."""
    headers: dict[str, str] = {}
    """Headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    template: NotifyTemplate
    """Message; `{phase}`, `{decision}`, `{suspect}`, `{known_safe}`, `{model}`, `{clock}`, `{title}`, `{live_version}` are filled in."""


class InjectFaultAction(Model):
    type: Literal["fault.inject"]
    """Make a model version misbehave on a sandbox (live drills) or mark the injection (simulation)."""
    url: HttpUrl | None = None
    """Sandbox fault endpoint; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    version: str | None = None
    """Version that misbehaves (default: suspect)."""
    headers: dict[str, str] = {}
    """Headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""


Action = Annotated[
    SetAliasAction | FlagSetAction | HttpAction | CommandAction | NotifyAction | InjectFaultAction,
    Field(discriminator="type"),
]


class ClearFaultsAction(Model):
    type: Literal["fault.clear"]
    """Teardown: switch off every fault on a sandbox (`DELETE` its fault endpoint)."""
    url: HttpUrl
    """Sandbox fault endpoint, e.g. `${env:SANDBOX_URL}/fault`."""
    headers: dict[str, str] = {}
    """Headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""


class RestoreAliasAction(Model):
    type: Literal["registry.restore"]
    """Teardown: point a registry alias back where the drill found it (recorded at session start)."""
    target: str
    """Registry target id."""
    alias: str | None = None
    """Alias (default: the target's alias)."""


TeardownAction = Annotated[
    ClearFaultsAction | RestoreAliasAction | FlagSetAction | HttpAction,
    Field(discriminator="type"),
]
"""What a playbook's `teardown:` may do: clear faults, restore an alias, reset a flag, call an endpoint."""


class Gate(Model):
    approver: list[str] = Field(min_length=1)
    """Role (or roles) that may approve; each needs `approve_gate` authority."""
    phrase: ConfirmPhrase
    """Exact phrase the approver types to confirm."""
    two_person: bool = True
    """The approver must differ from the step's owner."""
    timeout: PositiveDuration = 120.0
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
    within: PositiveDuration = 120.0
    """Verification fails if the condition does not hold by then."""
    hold: Duration = 10.0
    """How long the condition must hold to pass."""


class FidelityCheck(Model):
    target: str | None = None
    """Registry whose live version is compared (default: the only registry)."""
    probes: int = Field(200, ge=10, le=100_000)
    """Size of the fixed probe set."""
    url: HttpUrl | None = None
    """Live drills: the model's scoring endpoint (`POST {"probes", "version"?}` → `{"version", "scores"}`, e.g. the sandbox's `/score`); the known-safe version's scores are the reference, recorded in the log. Without it fidelity is simulated."""
    probe_seed: int = Field(7, ge=0, le=2**31)
    """Seed of the fixed probe set (standard normal features) scored over `url`."""
    features: int = Field(4, ge=1, le=256)
    """Features per probe for `url`."""
    tolerance: float = Field(0.01, ge=0)
    """Largest output difference that still counts as a match."""
    min_match: float = Field(0.99, ge=0, le=1)
    """Match rate needed to pass."""


class Backoff(Model):
    """Tries of an action inside one attempt when it fails transiently (refused, timed out, 5xx), within `timeout`."""

    tries: int = Field(4, ge=1, le=20)
    """Tries in all, the first included (a compare-and-set refusal or a 4xx is never tried again)."""
    first: PositiveDuration = 1.0
    """Pause before the second try; each pause doubles."""
    max: PositiveDuration = 8.0
    """Longest pause between tries."""

    def pause(self, tried: int) -> float:
        """The pause after `tried` tries."""
        return float(min(self.max, self.first * 2 ** (tried - 1)))


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
    kind: Literal["manual", "decision", "action", "verify", "fidelity", "consistency", "reconcile"]
    """manual: a person does it; decision: choose an option; action: runs `action`; verify: signals back in band; fidelity: probe outputs vs known-safe; consistency: dependents report the live version; reconcile: records scored by the suspect version are re-scored or queued."""
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
    consistency: ConsistencyCheck | None = None
    """Dependents a `consistency` step checks."""
    reconcile: ReconcileCheck | None = None
    """What a `reconcile` step counts and fixes."""
    gate: Gate | None = None
    """Approval needed before the step runs."""
    undo: Literal["restore"] | Action | None = None
    """How to undo: `restore` reverses a registry/flag action to its recorded prior value, or an explicit action."""
    when: When | None = None
    """Conditions under which the step applies; otherwise it is skipped."""
    timeout: PositiveDuration = 60.0
    """Longest an attempt may take, its tries after transient failures included."""
    backoff: Backoff = Field(default_factory=Backoff, json_schema_extra=default_in_schema(Backoff))
    """Tries after transient failures inside one attempt."""
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
        needs = {
            "decision": "options",
            "action": "action",
            "verify": "verify",
            "consistency": "consistency",
            "reconcile": "reconcile",
        }
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
    message: EscalationMessage = ""
    """What to say; `{subject}` and `{late}` are filled in."""
