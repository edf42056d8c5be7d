"""Test helpers: build playbooks inline and run drills on a virtual clock."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from drillconsole.clock import VirtualClock
from drillconsole.engine.engine import Engine
from drillconsole.engine.players import AutoPlayer, ScriptCommand, ScriptPlayer
from drillconsole.log.events import Event
from drillconsole.log.reader import read_log
from drillconsole.log.writer import SessionLog
from drillconsole.playbook.loader import load_playbook_text

REPO = Path(__file__).resolve().parent.parent
PLAYBOOKS = REPO / "playbooks"

MINI: dict[str, Any] = {
    "drill": {
        "id": "mini",
        "title": "Mini drill",
        "model": "m",
        "seed": 1,
        "versions": {"suspect": "2", "known_safe": "1"},
        "time_limit": "10m",
    },
    "roles": {
        "commander": {
            "title": "IC",
            "authority": ["declare_rollback", "approve_gate", "end_drill"],
            "checklist": [{"id": "ack", "text": "Acknowledge", "phase": "decide", "within": "30s"}],
        },
        "tech": {"title": "Tech lead", "authority": ["execute_steps"]},
        "steward": {"title": "Data steward", "authority": ["approve_gate"]},
        "observer": {"title": "Observer"},
    },
    "targets": {"registry": {"type": "registry", "kind": "simulated", "alias": "champion"}},
    "signals": [
        {
            "id": "quality",
            "title": "Quality",
            "source": {"kind": "simulated", "baseline": 0.9, "noise": 0.0},
            "bands": {"warn": {"below": 0.85, "for": "5s"}, "critical": {"below": 0.8, "for": "10s"}},
        },
    ],
    "triggers": [
        {
            "id": "quality-low",
            "kind": "threshold",
            "signal": "quality",
            "below": 0.8,
            "for": "10s",
            "proposes": "rollback",
        },
    ],
    "scenario": [
        {
            "id": "fault",
            "at": "20s",
            "signal": "quality",
            "kind": "shift",
            "delta": -0.2,
            "cause": {"version": "2"},
            "recede": "10s",
        },
    ],
    "steps": [
        {
            "id": "decide",
            "title": "Decide",
            "phase": "decide",
            "owner": "commander",
            "kind": "decision",
            "options": [{"id": "rollback", "title": "Roll back", "expected": True}, {"id": "hold", "title": "Hold"}],
        },
        {
            "id": "rollback",
            "title": "Alias 2 → 1",
            "phase": "execute",
            "owner": "tech",
            "kind": "action",
            "rollback": True,
            "when": {"decision": "rollback"},
            "action": {"type": "registry.set_alias", "target": "registry", "from": "2", "to": "1"},
            "gate": {"approver": ["commander", "steward"], "phrase": "ROLL BACK", "two_person": True, "timeout": "60s"},
            "undo": "restore",
            "retries": 0,
        },
        {
            "id": "verify",
            "title": "Back in band",
            "phase": "verify",
            "owner": "steward",
            "kind": "verify",
            "verify": {"signals": ["quality"], "within": "60s", "hold": "5s"},
        },
    ],
    "escalations": [
        {"id": "gate-late", "kind": "gate", "after": "20s", "notify": ["commander"]},
        {"id": "decision-late", "kind": "decision", "after": "30s", "notify": ["commander"]},
        {"id": "item-late", "kind": "checklist", "after": "0s", "notify": ["commander"]},
    ],
}


def mini(**changes: Any) -> dict[str, Any]:
    """A deep copy of the mini playbook with top-level sections replaced."""
    data = yaml.safe_load(yaml.safe_dump(MINI))
    data.update(changes)
    return data


class Drill:
    """An engine on a virtual clock writing to a temp log, driven step by step from a test."""

    def __init__(
        self,
        tmp_path: Path,
        playbook: dict[str, Any] | str | Path | None = None,
        *,
        script: list[dict[str, Any]] | None = None,
        auto: bool = False,
        seed: int | None = None,
        name: str = "log.jsonl",
    ) -> None:
        if isinstance(playbook, Path):
            text = playbook.read_text()
        elif isinstance(playbook, str):
            text = playbook
        else:
            text = yaml.safe_dump(playbook or MINI, sort_keys=False)
        self.text = text
        self.playbook = load_playbook_text(text, "mini.yaml")
        self.digest = hashlib.sha256(text.encode()).hexdigest()
        self.path = tmp_path / name
        self.log = SessionLog.create(self.path, self.digest)
        players: list[Any] = []
        if script:
            players.append(ScriptPlayer([ScriptCommand.model_validate(c) for c in script]))
        if auto:
            players.append(AutoPlayer())
        self.engine = Engine(
            self.playbook,
            self.log,
            VirtualClock(),
            seed=seed,
            players=players,
            playbook_hash=self.digest,
            playbook_path="mini.yaml",
            playbook_text=text,
        )

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.engine.state

    async def until(self, t: float) -> None:
        """Advance drill time to t (processing everything due on the way)."""
        await self.engine.run(until=t)

    async def finish(self) -> str | None:
        outcome = await self.engine.run()
        self.log.close()
        return outcome

    def events(self, type: str | None = None) -> list[Event]:
        self.log.sync()
        events = read_log(self.path).events
        return [e for e in events if type is None or e.type == type]

    def first(self, type: str, **data: Any) -> Event | None:
        return next((e for e in self.events(type) if all(e.data.get(k) == v for k, v in data.items())), None)
