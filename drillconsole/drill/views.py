"""What the state holds per signal, trigger, step, gate and checklist item."""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass, field
from typing import Any

HISTORY = 600
"""Samples kept per signal (sparklines, confidence windows)."""


@dataclass
class SignalView:
    """What is known of one signal."""

    history: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    value: float | None = None
    last_t: float | None = None
    state: str = "ok"
    state_since: float = 0.0
    warn_since: float | None = None
    critical_since: float | None = None
    misses: int = 0
    last_error: str | None = None

    def copy(self) -> SignalView:
        """An independent copy (history tuples are immutable, so they are shared)."""
        clone = copy.copy(self)
        clone.history = deque(self.history, maxlen=self.history.maxlen)
        return clone


@dataclass
class TriggerView:
    """One trigger: whether it is firing and when its condition began."""

    active: bool = False
    breach_since: float | None = None
    fired: list[float] = field(default_factory=list)
    cleared: list[float] = field(default_factory=list)


@dataclass
class StepView:
    """One step's progress."""

    status: str = "pending"  # pending running succeeded failed skipped undone
    attempts: int = 0
    started_t: float | None = None
    ended_t: float | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    will_retry: bool = False
    skip_reason: str | None = None
    actor: str | None = None
    first_started_t: float | None = None

    @property
    def duration(self) -> float | None:
        if self.started_t is None or self.ended_t is None:
            return None
        return self.ended_t - self.started_t


@dataclass
class GateView:
    """The approval gate of one step."""

    status: str = "none"  # none requested approved rejected expired
    requested_t: float | None = None
    requested_by: str | None = None
    expires_t: float | None = None
    approver: str | None = None
    reason: str | None = None
    for_undo: bool = False
    request_seq: int | None = None
    """The seq of the `gate.requested` now pending or answered: an approval must name it."""
    requested_person: str | None = None
    approver_person: str | None = None
    """The request is for the step's undo, not for the step."""


@dataclass
class CheckView:
    """A checklist item's state."""

    checked: bool = False
    by: str | None = None
    t: float | None = None
    late: bool = False


@dataclass
class GateHistory:
    """Everything that happened at one step's gate over the drill (the report's gate section)."""

    requests: int = 0
    requested_t: float | None = None
    asked_t: float | None = None
    approved_t: float | None = None
    approver: str | None = None
    owner: str | None = None
    expired: int = 0
    rejected: int = 0
    rejected_by: list[str] = field(default_factory=list)
    refused: int = 0
    approver_person: str | None = None
    two_person_held: bool | None = None
    """False when a solo drill approved a two-person gate (one person held every role); None when unknown."""
    """Approval attempts the rules refused (wrong phrase, wrong person)."""
