"""Building blocks of the playbook models: durations, ids, phases, authorities, the strict base model."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator

from drillconsole.playbook.durations import DURATION_PATTERN, parse_duration

MAX_NUMBER = 1e15
"""Largest magnitude of any number in a playbook: far beyond any metric, far below where sums overflow."""
MAX_DURATION = 7 * 24 * 3600.0
"""No drill, wait or history reaches past a week; a longer one is a typo (or `.inf`) that would never end."""


def _bounded(seconds: float) -> float:
    if seconds > MAX_DURATION:
        raise ValueError(f"duration {seconds / 86400:.4g} days is longer than the 7-day limit")
    return seconds


def _positive(seconds: float) -> float:
    if seconds <= 0:
        raise ValueError("duration must be greater than zero")
    return seconds


def _duration_schema(exclusive: bool) -> dict[str, object]:
    bound = {"exclusiveMinimum": 0} if exclusive else {"minimum": 0}
    return {
        "anyOf": [
            {"type": "string", "pattern": DURATION_PATTERN},
            {"type": "number", **bound, "maximum": MAX_DURATION},
        ],
        "description": "A duration: 30s, 2m, 1h, 1m30s, 250ms, 1d, or seconds as a number (at most 7 days).",
    }


Duration = Annotated[
    float, BeforeValidator(parse_duration), AfterValidator(_bounded), WithJsonSchema(_duration_schema(False))
]
"""A finite, non-negative duration of at most 7 days."""
PositiveDuration = Annotated[
    float,
    BeforeValidator(parse_duration),
    AfterValidator(_bounded),
    AfterValidator(_positive),
    WithJsonSchema(_duration_schema(True)),
]
"""A duration that must be greater than zero: intervals, timeouts, windows, deadlines."""
MAX_CADENCE = 3 * 366 * 86400.0
"""Drills recur at most every three years; a longer cadence is a typo."""


def _cadence_bounded(seconds: float) -> float:
    if seconds > MAX_CADENCE:
        raise ValueError(f"cadence {seconds / 86400:.4g} days is longer than the 3-year limit")
    return seconds


Cadence = Annotated[
    float,
    BeforeValidator(parse_duration),
    AfterValidator(_cadence_bounded),
    AfterValidator(_positive),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN},
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_CADENCE},
            ],
            "description": "How often the drill should run, e.g. 30d or 90d (at most 3 years).",
        }
    ),
]
"""How often a drill recurs (days are the usual unit): positive, at most three years."""
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
    def index(self) -> int:  # type: ignore[override]  # a phase's place in the drill, not str.index
        return PHASES.index(self)


PHASES: list[Phase] = list(Phase)


class Authority(StrEnum):
    """What a role may do beyond working its own checklist and steps."""

    declare_rollback = "declare_rollback"
    approve_gate = "approve_gate"
    end_drill = "end_drill"
    execute_steps = "execute_steps"
    send_comms = "send_comms"


def default_in_schema(model: type[BaseModel]) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` for a field whose default is a model made by `default_factory`: the schema still shows it.

    A model instance as a class-level default would build that model's validator
    at import; a factory defers it like every other model (`defer_build`).
    """

    def add(schema: dict[str, Any]) -> None:
        schema["default"] = model().model_dump(mode="json", by_alias=True)

    return add


class Model(BaseModel):
    """Base: frozen, strict about unknown keys; field docstrings become the schema's descriptions (`schema.py`)."""

    # allow_inf_nan=False: `.nan` and `.inf` are refused wherever a number is read.
    # defer_build=True: a model's validator is built once, for the whole playbook, at the first validation, instead
    # of once per class at import (and again inside every model that nests it): importing the models costs a fifth.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)

    @field_validator("*", mode="after")
    @classmethod
    def _in_range(cls, value: object) -> object:
        # Inherited by every model: a float like 1e300 would overflow to inf once scaled or summed.
        if isinstance(value, float) and abs(value) > MAX_NUMBER:
            raise ValueError("number out of range (at most ±1e15)")
        return value
