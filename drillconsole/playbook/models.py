"""Typed playbook: every concept a drill holds, validated by pydantic.

The same models generate `playbooks/schema.json`, so every field carries a
docstring that editors show as a hint.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field

from drillconsole.playbook.base import PHASES, Authority, Cadence, Duration, Id, Model, Phase, PositiveDuration
from drillconsole.playbook.downstream import ConsistencyCheck, Criterion, Dependent, ReconcileCheck, Risk
from drillconsole.playbook.sensing import (
    Band,
    Bands,
    Cause,
    ConfidenceTrigger,
    HttpJsonSource,
    Injection,
    PolicyTrigger,
    PrometheusSource,
    Signal,
    SimulatedSource,
    Source,
    ThresholdTrigger,
    Trigger,
)
from drillconsole.playbook.steps import (
    Action,
    CommandAction,
    DecisionOption,
    Escalation,
    FidelityCheck,
    FlagSetAction,
    Gate,
    HttpAction,
    InjectFaultAction,
    NotifyAction,
    SetAliasAction,
    Step,
    TeardownAction,
    VerifyCheck,
    When,
)
from drillconsole.playbook.targets import HttpFlags, MlflowRegistry, SimulatedFlags, SimulatedRegistry, Target

__all__ = [
    "PHASES",
    "Action",
    "Authority",
    "Band",
    "Bands",
    "Cause",
    "ChecklistItem",
    "CommandAction",
    "ConfidenceTrigger",
    "ConsistencyCheck",
    "Criterion",
    "DecisionOption",
    "Dependent",
    "Drill",
    "Duration",
    "Escalation",
    "FidelityCheck",
    "FlagSetAction",
    "Gate",
    "HttpAction",
    "HttpFlags",
    "HttpJsonSource",
    "Id",
    "InjectFaultAction",
    "Injection",
    "MlflowRegistry",
    "Model",
    "NotifyAction",
    "Phase",
    "Playbook",
    "PolicyTrigger",
    "PrometheusSource",
    "ReconcileCheck",
    "Risk",
    "Role",
    "SetAliasAction",
    "Signal",
    "SimulatedFlags",
    "SimulatedRegistry",
    "SimulatedSource",
    "Source",
    "Step",
    "Target",
    "TeardownAction",
    "ThresholdTrigger",
    "Trigger",
    "VerifyCheck",
    "Versions",
    "When",
]

# --- drill -----------------------------------------------------------------


class Versions(Model):
    suspect: str
    """The model version under suspicion (live when the drill starts)."""
    known_safe: str
    """The version to restore: its outputs are the fidelity reference."""
    equivalent: list[str] = []
    """Other versions whose outputs match the known-safe one (restoring to them passes fidelity in simulation)."""


class Drill(Model):
    id: Id
    """Stable identifier; session logs are filed under it."""
    title: str
    """One line shown in the console header and reports."""
    model: str
    """The model being drilled, e.g. `fraud-scorer`."""
    environment: Literal["simulation", "staging", "production"] = "simulation"
    """Where the drill acts. `production` needs `--allow-production` and a typed confirmation."""
    seed: int = Field(0, ge=-(2**63), le=2**63 - 1)
    """Seed for every random choice of the drill (overridable with `--seed`)."""
    versions: Versions
    """Suspect and known-safe model versions."""
    time_limit: PositiveDuration = 1800.0
    """Drill time after which the drill ends as `failed`."""
    description: str = ""
    """What the drill rehearses, for the briefing."""
    cadence: Cadence | None = None
    """How often the drill should run, e.g. `30d`; `status` says when it is due and `trend` marks broken intervals."""


# --- roles -----------------------------------------------------------------


class ChecklistItem(Model):
    id: Id
    """Identifier, unique within the role."""
    text: str
    """What to do, in the imperative."""
    phase: Phase
    """The phase in which the item becomes due."""
    within: PositiveDuration | None = None
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
    teardown: list[TeardownAction] = []
    """Run after every drill (restored, failed or aborted) and by `drillconsole teardown`: leave the environment clean."""
    dependents: dict[Id, Dependent] = {}
    """Downstream systems that must end up on the restored version, by id."""
    risks: list[Risk] = []
    """The risks the drill exercises (taxonomy in docs/risks.md)."""
    criteria: list[Criterion] = []
    """The organisation's rollback criteria; the report says met or not met for each."""

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
