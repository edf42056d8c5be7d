"""After the rollback: dependent systems, reconciliation of what the suspect version scored, risks and criteria."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from drillconsole.playbook.base import MAX_DURATION, Id, Model, PositiveDuration
from drillconsole.playbook.checks import HttpUrl
from drillconsole.playbook.durations import DURATION_PATTERN, parse_duration

# --- where a dependent's version (or a count) is read ------------------------------


def _lag(value: object) -> float | None:
    """`never` is None; anything else is a duration (one clear message when it is not)."""
    if value == "never" or value is None:
        return None
    seconds = parse_duration(value)
    if seconds > MAX_DURATION:
        raise ValueError(f"lag {seconds:g}s is longer than the 7-day limit")
    return seconds


Lag = Annotated[
    float | None,
    BeforeValidator(_lag),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN},
                {"type": "number", "minimum": 0},
                {"const": "never"},
            ],
            "description": "A duration such as 20s, or `never`.",
        }
    ),
]
"""How long a simulated dependent lags the registry (None: `never`)."""


class SimulatedDependent(Model):
    kind: Literal["simulated"]
    """The dependent follows the live registry version on the simulated target."""
    lag: Lag = 0.0
    """How long after a registry change the dependent picks it up; `never`: it keeps the version it had."""
    after: str | None = None
    """A step the dependent waits for (e.g. restarting its consumer): it picks up nothing until that step succeeded."""


class HttpJsonVersion(Model):
    kind: Literal["http_json"]
    """GETs a URL and reads the version (or count) at a dotted JSON path."""
    url: HttpUrl
    """URL; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    path: str
    """Dotted JSON path, e.g. `dependents.billing.version`."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    timeout: PositiveDuration = 5.0
    """Timeout of each read."""


class PrometheusVersion(Model):
    kind: Literal["prometheus"]
    """Runs a PromQL instant query: the version is a label of the series (or its value), a count is the summed value."""
    url: HttpUrl
    """Prometheus base URL; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    query: str
    """PromQL expression."""
    label: str | None = None
    """Label holding the version (e.g. `version`); without it the series' value is the version number."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    timeout: PositiveDuration = 5.0
    """Timeout of each query."""


VersionSource = Annotated[SimulatedDependent | HttpJsonVersion | PrometheusVersion, Field(discriminator="kind")]
CountSource = Annotated[HttpJsonVersion | PrometheusVersion, Field(discriminator="kind")]


class Dependent(Model):
    """A system downstream of the model that must end up on the restored version."""

    title: str
    """Human name, e.g. `Billing service`."""
    system: Literal["billing", "audit", "feature_store", "cache", "warehouse", "api", "other"] = "other"
    """What kind of system it is (shown in the report)."""
    owner: str
    """Role answerable for the dependent (owner of a residual discrepancy in it)."""
    source: VersionSource
    """Where the dependent's model version is read."""
    records: bool = False
    """It keeps records scored by the model (billing lines, audit entries) that reconciliation must fix."""


# --- step settings -----------------------------------------------------------------


class ConsistencyCheck(Model):
    dependents: list[str] = Field(min_length=1)
    """Dependents that must report the live (restored) version."""
    within: PositiveDuration = 60.0
    """The check fails if they do not all agree by then."""
    interval: PositiveDuration = 5.0
    """How often the dependents are read while waiting."""


class ReconcileCheck(Model):
    systems: list[str] = Field(min_length=1)
    """Dependents whose records scored by the suspect version this step re-scores or queues."""
    method: Literal["rescore", "queue"] = "rescore"
    """rescore: fixed now; queue: queued for re-scoring (counted as handled, shown as queued)."""
    traffic: str | None = None
    """Simulation: signal whose simulated baseline is the scoring rate in records per second."""
    counter: CountSource | None = None
    """Live: the count of records scored by the suspect version while it was faulty (e.g. a sandbox counter)."""

    @model_validator(mode="after")
    def _a_count(self) -> ReconcileCheck:
        if (self.traffic is None) == (self.counter is None):
            raise ValueError("reconcile needs exactly one of `traffic` (simulation) or `counter` (live)")
        return self


# --- risks and criteria ------------------------------------------------------------

RiskCategory = Literal[
    "model_quality", "data_integrity", "availability", "safety", "fairness", "privacy", "compliance", "security"
]
"""The risk taxonomy (docs/risks.md)."""


class Risk(Model):
    id: Id
    """Identifier."""
    title: str
    """What could go wrong, in a few words."""
    category: RiskCategory
    """Category from the taxonomy in docs/risks.md."""
    severity: int = Field(ge=1, le=4)
    """1 (critical) to 4 (low), as the organisation grades incidents."""


CriterionMetric = Literal[
    "time_to_detect_s",
    "time_to_decision_s",
    "time_to_rollback_s",
    "time_to_restore_s",
    "time_to_restore_from_detection_s",
    "rollback_success_rate",
    "fidelity_match_rate",
    "false_alarms",
    "escalations",
    "time_to_consistency_s",
    "inconsistent_dependents",
    "residual_records",
]
"""Metrics a criterion may bound (docs/metrics.md; the last three from downstream consistency and reconciliation)."""


class Criterion(Model):
    id: Id
    """Identifier."""
    title: str
    """The organisation's wording, e.g. `Time to decision ≤ 5 min for severity 1`."""
    metric: CriterionMetric
    """The measured value it bounds."""
    at_most: float | None = None
    """Met when the value is at most this (durations in seconds)."""
    at_least: float | None = None
    """Met when the value is at least this."""
    severity: int | None = Field(None, ge=1, le=4)
    """Applies only when the playbook declares a risk of this severity."""
    risks: list[str] = []
    """Applies only to these declared risks (ids); all when empty."""

    @model_validator(mode="before")
    @classmethod
    def _durations(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("at_most", "at_least"):
                if isinstance(data.get(key), str):
                    data = {**data, key: parse_duration(data[key])}
        return data

    @model_validator(mode="after")
    def _one_bound(self) -> Criterion:
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("a criterion needs exactly one of `at_most` or `at_least`")
        return self
