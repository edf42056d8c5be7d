"""Helpers: the demo playbook with edits, run on the virtual clock, with its report and audit pack."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from drillconsole.engine.players import AutoPlayer, ScriptCommand, ScriptPlayer
from drillconsole.launch import prepare
from drillconsole.report.build import Report, build_report
from tests.drillkit import PLAYBOOKS


def demo(**dependents: dict[str, Any]) -> dict[str, Any]:
    """The demo playbook as data, with dependents' fields replaced (`audit_store={"source": ...}`)."""
    data = yaml.safe_load((PLAYBOOKS / "demo.yaml").read_text())
    for dep_id, fields in dependents.items():
        data["dependents"][dep_id].update(fields)
    return data


def step(data: dict[str, Any], step_id: str) -> dict[str, Any]:
    """The step with this id in playbook data (to edit it in place)."""
    return next(s for s in data["steps"] if s["id"] == step_id)


class Played:
    """A finished drill: its engine state, sealed log and report."""

    def __init__(
        self, tmp_path: Path, data: dict[str, Any], script: list[dict[str, Any]] | None = None, *, auto: bool = True
    ) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        path = tmp_path / "playbook.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        players: list[Any] = [AutoPlayer()] if auto else []
        if script:
            players.insert(0, ScriptPlayer([ScriptCommand.model_validate(c) for c in script]))
        prepared = prepare(path, log_dir=tmp_path / "logs", virtual_clock=True, players=players)
        self.engine = prepared.engine
        try:
            asyncio.run(self.engine.run())
        finally:
            prepared.log.close()
        self.state = self.engine.state
        self.log: Path = prepared.log_path

    def report(self) -> Report:
        """The after-action report of the log."""
        return build_report(self.log)

    def lines(self, event_type: str) -> list[dict[str, Any]]:
        """The data of every logged event of this type."""
        import json

        out = []
        for raw in self.log.read_text().splitlines():
            event = json.loads(raw)
            if event["type"] == event_type:
                out.append(event["data"])
        return out
