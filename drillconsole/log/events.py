"""The session-log event: one JSON object per line, hash-chained.

Event types and the `data` each carries (the contract between engine, console,
replay and report; `t` is drill seconds, every id is a playbook id):

session.started    playbook, playbook_hash, drill, title, model, seed, environment,
                   roster{role: title}, versions{suspect, known_safe}, clock, speed,
                   signals[{id, title, unit, bands}]
session.resumed    from_seq, at_t
session.ended      outcome (restored | failed | aborted), reason
signal.sample      values{signal: float | null} (all signals polled at that instant);
                   optional history{signal: [[t, value], ...]} backfilled from before the drill (t ≤ 0)
signal.state       signal, state (ok|warn|critical|stale|error), prev, value
scenario.injected  injection, signal, kind, transient, delta
trigger.fired      trigger, signal, value, proposes, detail{...}
trigger.cleared    trigger, signal, value
phase.entered      phase, prev
decision.made      option, rationale, expected (bool), proposed (option or null)
checklist.checked  role, item, due_t (or null), late (bool)
checklist.unchecked role, item
gate.requested     step, approvers[], expires_t
gate.approved      step, approver
gate.rejected      step, approver, reason
gate.expired       step
step.started       step, attempt, kind, action{...}
step.succeeded     step, attempt, duration, result{...}  (registry: alias, from, to; flag: flag, segment, from, to)
step.failed        step, attempt, duration, error, will_retry
step.skipped       step, reason
step.undone        step, result{...}
verify.passed      step, signals{signal: state}
verify.failed      step, signals{signal: state}, reason
fidelity.measured  step, version, reference, probes, match_rate, max_deviation, tolerance, passed
escalation.raised  escalation, kind, subject, late_s, late_roles[], notify[], message
note.added         text
comms.sent         step, channel, text, url (masked) or null
source.error       signal, error, count
review.lesson      text
review.action      text, owner, due
log.sealed         head_seq, head_hash, key_id, sig  (written by the log writer, not the engine; see log/seal.py)

Every event: seq, ts (UTC wall), t, type, actor (a role id, or `engine`),
data, prev, hash. Events from `--auto` play carry `data.auto = true`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

DURABLE_TYPES = frozenset(
    {
        "session.started",
        "session.resumed",
        "session.ended",
        "decision.made",
        "checklist.checked",
        "checklist.unchecked",
        "gate.requested",
        "gate.approved",
        "gate.rejected",
        "gate.expired",
        "step.started",
        "step.succeeded",
        "step.failed",
        "step.skipped",
        "step.undone",
        "verify.passed",
        "verify.failed",
        "fidelity.measured",
        "review.lesson",
        "review.action",
        "comms.sent",
        "log.sealed",
    }
)
"""Events flushed and fsynced before anyone is told they happened."""

ENGINE = "engine"


def canonical(obj: dict[str, Any]) -> bytes:
    """The canonical JSON bytes an event's hash covers."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the session log."""

    seq: int
    ts: str
    t: float
    type: str
    actor: str
    data: dict[str, Any] = field(default_factory=dict)
    prev: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The event without its hash: what the hash covers."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "t": self.t,
            "type": self.type,
            "actor": self.actor,
            "data": self.data,
            "prev": self.prev,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(
            seq=d["seq"],
            ts=d["ts"],
            t=d["t"],
            type=d["type"],
            actor=d["actor"],
            data=d.get("data") or {},
            prev=d["prev"],
            hash=d["hash"],
        )

    @property
    def auto(self) -> bool:
        return bool(self.data.get("auto"))
