"""Building blocks of the playbook models: durations, ids, phases, authorities, the strict base model."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from drillconsole.playbook.durations import DURATION_PATTERN, parse_duration

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN},
                {"type": "number", "minimum": 0},
            ],
            "description": "A duration: 30s, 2m, 1h, 1m30s, 250ms, 30d, or seconds as a number.",
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


class Model(BaseModel):
    """Base: frozen, strict about unknown keys, field docstrings become descriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
