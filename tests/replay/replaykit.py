"""Run drills in-process while recording the live engine's state after every event, for replay tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from drillkit import PLAYBOOKS, Drill, mini

from drillconsole.drill.state import DrillState
from drillconsole.engine.engine import Engine
from drillconsole.engine.players import AutoPlayer, ScriptCommand, ScriptPlayer
from drillconsole.launch import Prepared, prepare
from drillconsole.playbook.models import Signal
from drillconsole.replay import ReplaySession, snapshot_view
from drillconsole.replay.compare import diff_views
from drillconsole.signals import SourceError

DEMO = (PLAYBOOKS / "demo.yaml").resolve()

DEMO_SCRIPT = """
- {at: 5s, role: commander, do: check, item: brief-team}
- {at: 6s, role: commander, do: uncheck, item: brief-team}
- {at: 7s, role: commander, do: check, item: brief-team}
- {at: 10s, role: tech_lead, do: run, step: confirm-baseline}
- {at: 30s, role: commander, do: note, text: baseline looks steady}
- {at: 85s, role: tech_lead, do: check, item: triage}
- {at: 90s, role: commander, do: decide, option: full_rollback, rationale: precision fell below band}
- {at: 95s, role: tech_lead, do: run, step: freeze-deploys}
- {at: 96s, role: comms, do: run, step: initial-update}
- {at: 100s, role: tech_lead, do: run, step: registry-rollback}
- {at: 103s, role: data_steward, do: reject, step: registry-rollback, reason: check v41 is warm first}
- {at: 105s, role: tech_lead, do: run, step: registry-rollback}
- {at: 107s, role: data_steward, do: approve, step: registry-rollback, phrase: ROLLBACK fraud-scorer TO v41}
- {at: 115s, role: tech_lead, do: undo, step: registry-rollback}
- {at: 117s, role: data_steward, do: approve, step: registry-rollback, phrase: ROLLBACK fraud-scorer TO v41}
- {at: 130s, role: data_steward, do: run, step: verify-signals}
- {at: 220s, role: commander, do: lesson, text: the gate rejection cost us time}
- {at: 221s, role: commander, do: action, text: warm v41 ahead of drills, owner: tech_lead, due: "2026-12-01"}
- {at: 230s, role: commander, do: end}
"""
"""Operator inputs that exercise uncheck, notes, a rejected gate, undo, a failed verification, lessons and actions."""

MINI_SCRIPT: list[dict[str, Any]] = [
    {"at": "35s", "role": "commander", "do": "decide", "option": "rollback", "rationale": "bad"},
    {"at": "36s", "role": "tech", "do": "run", "step": "rollback"},
    {"at": "40s", "role": "commander", "do": "approve", "step": "rollback", "phrase": "ROLL BACK"},
    {"at": "50s", "role": "tech", "do": "retry", "step": "rollback"},
    {"at": "115s", "role": "tech", "do": "retry", "step": "rollback"},
    {"at": "117s", "role": "steward", "do": "approve", "step": "rollback", "phrase": "ROLL BACK"},
    {"at": "130s", "role": "tech", "do": "skip", "step": "rollback", "reason": "registry frozen"},
    {"at": "131s", "role": "steward", "do": "run", "step": "verify"},
    {"at": "200s", "role": "commander", "do": "check", "item": "ack"},
    {"at": "210s", "role": "commander", "do": "end"},
]
"""Failing steps with automatic and manual retries, an expired gate, a skip, late items, escalations."""


def failing_mini() -> dict[str, Any]:
    """The mini playbook whose rollback's compare-and-set always fails (alias is at 2, expected 3)."""
    data = mini()
    data["targets"]["registry"]["versions"] = ["1", "2", "3"]
    data["steps"][1]["action"]["from"] = "3"
    data["steps"][1]["retries"] = 1
    data["steps"][1]["retry_delay"] = "4s"
    return data


@dataclass
class Recorded:
    """A finished (or crashed) drill's log and the live engine's state copied after each event."""

    path: Path
    live: dict[int, DrillState] = field(default_factory=dict)
    playbook: Path | None = None
    final: DrillState | None = None

    def listen(self, engine: Engine) -> None:
        """Copy the engine's state after every event it emits."""
        engine.subscribe(lambda event: self.live.__setitem__(event.seq, engine.state.copy()))

    def open(self, **options: Any) -> ReplaySession:
        """Open the log for replay (with the playbook override if the log names a relative path)."""
        session = ReplaySession.open(self.path, playbook=self.playbook, **options)
        for event in session.events:
            # The log writer's seals never pass through the engine (the fold ignores them): same state as before.
            if event.type == "log.sealed" and event.seq not in self.live and event.seq - 1 in self.live:
                self.live[event.seq] = self.live[event.seq - 1]
        return session


def mismatches(recorded: Recorded, session: ReplaySession) -> dict[int, list[str]]:
    """Every event after which the replayed state differs from the live one, with where it differs."""
    out = {}
    for seq, live in sorted(recorded.live.items()):
        diff = diff_views(snapshot_view(live), snapshot_view(session.state_after(seq)), limit=3)
        if diff:
            out[seq] = [f"{session.events[seq].type} at T+{session.events[seq].t:g}", *diff]
    return out


def _finish(prepared: Prepared, engine: Engine, until: float | None = None) -> None:
    asyncio.run(engine.run(until=until))
    prepared.log.close()


def run_demo(
    folder: Path, players: list[Any], sources: dict[str, Any] | None = None, until: float | None = None
) -> Recorded:
    """Run the demo playbook on a virtual clock (optionally with replaced sources) and record it."""
    prepared = prepare(DEMO, log_dir=folder, virtual_clock=True, players=players)
    engine = prepared.engine
    if sources is not None:
        engine = Engine(
            prepared.playbook,
            prepared.log,
            engine.clock,
            playbook_path=engine.playbook_path,
            playbook_hash=engine.playbook_hash,
            playbook_text=engine.playbook_text,
            players=players,
            sources={**engine.sources, **sources},
        )
    recorded = Recorded(prepared.log_path)
    recorded.listen(engine)
    _finish(prepared, engine, until)
    recorded.final = engine.state
    return recorded


def demo_auto(folder: Path) -> Recorded:
    """The demo played by the auto player."""
    return run_demo(folder, [AutoPlayer()])


def demo_script(folder: Path) -> Recorded:
    """The demo driven by DEMO_SCRIPT."""
    commands = [ScriptCommand.model_validate(c) for c in yaml.safe_load(DEMO_SCRIPT)]
    return run_demo(folder, [ScriptPlayer(commands)])


def demo_resumed(folder: Path) -> Recorded:
    """The demo crashed at T+110 and resumed by a second engine, recorded across both."""
    first = run_demo(folder, [AutoPlayer()], until=110)
    prepared = prepare(DEMO, virtual_clock=True, resume=first.path, players=[AutoPlayer()])
    first.listen(prepared.engine)
    _finish(prepared, prepared.engine)
    first.final = prepared.engine.state
    return first


def mini_drill(
    folder: Path, data: dict[str, Any] | None = None, *, auto: bool = False, script: list[dict[str, Any]] | None = None
) -> Recorded:
    """A drillkit Drill to its end; its playbook is written next to the log as `mini.yaml`."""
    folder.mkdir(parents=True, exist_ok=True)
    drill = Drill(folder, data, auto=auto, script=script)
    (folder / "mini.yaml").write_text(drill.text)
    recorded = Recorded(drill.path, playbook=folder / "mini.yaml")
    recorded.listen(drill.engine)
    asyncio.run(drill.finish())
    recorded.final = drill.engine.state
    return recorded


class RemoteSource:
    """An asynchronous source with history from before the drill, as prometheus and http_json have."""

    synchronous = False

    def __init__(self, signal: Signal, value: float) -> None:
        self.signal, self.value, self.polls = signal, value, 0

    async def backfill(self) -> list[tuple[float, float]]:
        return [(-3.0, self.value), (-2.0, self.value + 1), (-1.0, self.value)]

    async def poll(self) -> float:
        self.polls += 1
        return self.value + (self.polls % 3)

    async def close(self) -> None:
        return None


class BrokenSource(RemoteSource):
    """An asynchronous source whose every poll and backfill fails."""

    async def backfill(self) -> list[tuple[float, float]]:
        raise SourceError("no history: connection refused")

    async def poll(self) -> float:
        raise SourceError("connection refused")
