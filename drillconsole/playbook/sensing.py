"""What is watched and what goes wrong: signals with bands, triggers, the staged scenario."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from drillconsole.playbook.base import Duration, Id, Model, PositiveDuration, default_in_schema
from drillconsole.playbook.checks import HttpUrl

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
    url: HttpUrl
    """Prometheus base URL; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    query: str
    """PromQL expression."""
    reduce: Literal["single", "sum", "avg", "min", "max"] = "single"
    """How to fold a multi-series result (`single` errors if more than one)."""
    backfill: Duration = 300.0
    """History fetched at start with a range query."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    timeout: PositiveDuration = 5.0
    """Timeout of each query."""


class HttpJsonSource(Model):
    kind: Literal["http_json"]
    """GETs a URL and picks a number out of the JSON response."""
    url: HttpUrl
    """URL to poll; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    path: str
    """Dotted JSON path to the value, e.g. `metrics.precision` or `items.0.value`."""
    timestamp_path: str | None = None
    """Dotted JSON path to when the value was measured (Unix seconds or ms, or ISO 8601); default: when the answer came."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    timeout: PositiveDuration = 5.0
    """Timeout of each poll."""


Source = Annotated[SimulatedSource | PrometheusSource | HttpJsonSource, Field(discriminator="kind")]


class Band(Model):
    above: float | None = None
    """In this band when the value is above this bound."""
    below: float | None = None
    """In this band when the value is below this bound."""
    for_: Duration = Field(0.0, alias="for")
    """The condition must hold this long before the band state changes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

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

    @model_validator(mode="after")
    def _in_order(self) -> Bands:
        warn, critical = self.warn, self.critical
        if warn is None or critical is None:
            return self
        if (warn.above is None) != (critical.above is None):
            raise ValueError("warn and critical must bound the same side (both `above` or both `below`)")
        if warn.above is not None and critical.threshold < warn.threshold:
            raise ValueError(
                f"critical above {critical.threshold:g} is less severe than warn above {warn.threshold:g} "
                "(critical must lie beyond warn)"
            )
        if warn.below is not None and critical.threshold > warn.threshold:
            raise ValueError(
                f"critical below {critical.threshold:g} is less severe than warn below {warn.threshold:g} "
                "(critical must lie beyond warn)"
            )
        return self


class Signal(Model):
    id: Id
    """Identifier used by triggers, scenario and verification."""
    title: str
    """Panel title."""
    unit: str = ""
    """Unit shown after the value (`%`, `ms`, `req/s`)."""
    source: Source
    """Where samples come from."""
    interval: PositiveDuration = 1.0
    """Poll interval."""
    bands: Bands = Field(default_factory=Bands, json_schema_extra=default_in_schema(Bands))
    """Warn and critical bands with their hold durations."""
    stale_after: int = Field(3, ge=0, le=10_000)
    """Missed polls in a row after which the signal turns stale."""
    max_age: PositiveDuration | None = None
    """A value measured longer ago than this is stale and drives nothing (default: 3 poll intervals)."""
    precision: int = Field(3, ge=0, le=12)
    """Decimals shown."""

    @property
    def freshness(self) -> float:
        """Oldest a value may be and still count: `max_age`, or three poll intervals."""
        return self.max_age if self.max_age is not None else 3 * self.interval


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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_bound(self) -> ThresholdTrigger:
        if (self.above is None) == (self.below is None):
            raise ValueError("a threshold trigger needs exactly one of `above` or `below`")
        return self


class ConfidenceTrigger(_TriggerBase):
    kind: Literal["confidence_interval"]
    """Fires when the confidence interval of the windowed mean lies beyond a bound."""
    window: PositiveDuration
    """Samples of this trailing window form the mean."""
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    """Confidence level of the interval."""
    above: float | None = None
    """Fires when the interval's lower end is above this..."""
    below: float | None = None
    """...or when its upper end is below this."""
    min_samples: int = Field(5, ge=2, le=100_000)
    """No decision on fewer samples than this."""

    @model_validator(mode="after")
    def _one_bound(self) -> ConfidenceTrigger:
        if (self.above is None) == (self.below is None):
            raise ValueError("a confidence_interval trigger needs exactly one of `above` or `below`")
        return self


class PolicyTrigger(_TriggerBase):
    kind: Literal["policy"]
    """Fires at once when a policy-violation count is above zero."""


Trigger = Annotated[ThresholdTrigger | ConfidenceTrigger | PolicyTrigger, Field(discriminator="kind")]


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
