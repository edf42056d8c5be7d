"""The session-log event: one JSON object per line, hash-chained.

Every event: seq, ts (UTC wall), t (drill seconds), type, actor (a role id, or
`engine`), data, prev, hash. The event types and the `data` each carries are
declared once, in `drillconsole.log.contract` (generated reference:
`docs/events.md`). Events from `--auto` play carry `data.auto = true`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from drillconsole.log.contract import DURABLE

DURABLE_TYPES: frozenset[str] = frozenset(DURABLE)
"""Events flushed and fsynced before anyone is told they happened."""


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
    by: str | None = None
    """The person whose command wrote the event (team drills); None for the engine and older logs."""

    def body(self) -> dict[str, Any]:
        """The event without its hash: what the hash covers."""
        body: dict[str, Any] = {
            "seq": self.seq,
            "ts": self.ts,
            "t": self.t,
            "type": self.type,
            "actor": self.actor,
            "data": self.data,
            "prev": self.prev,
        }
        if self.by is not None:
            body["by"] = self.by
        return body

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
            by=d.get("by"),
        )

    @property
    def auto(self) -> bool:
        return bool(self.data.get("auto"))
