"""Recorded drills for the re-run tests: a drill with notes, retries, skips and a refused approval, on a virtual clock."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from drillkit import Drill, mini

from drillconsole.cli import main
from drillconsole.log.reader import read_log

PHRASE = "ROLL BACK"


def rich_playbook() -> dict[str, Any]:
    """The mini drill plus a manual step, a flaky action (one automatic retry) and an optional step to skip."""
    data = mini()
    data["targets"]["registry"]["versions"] = ["1", "2", "3"]
    steps = data["steps"]
    freeze = {"id": "freeze", "title": "Freeze deploys", "phase": "execute", "owner": "tech", "kind": "manual"}
    flaky = {
        "id": "flaky",
        "title": "Alias 3 → 1 (stale from)",
        "phase": "execute",
        "owner": "tech",
        "kind": "action",
        "action": {"type": "registry.set_alias", "target": "registry", "from": "3", "to": "1"},
        "retries": 1,
        "retry_delay": "4s",
    }
    optional = {"id": "optional", "title": "Optional warm-up", "phase": "execute", "owner": "tech", "kind": "manual"}
    data["steps"] = [steps[0], freeze, flaky, optional, steps[1], steps[2]]
    return data


RICH_SCRIPT: list[dict[str, Any]] = [
    {"at": 5, "role": "commander", "do": "note", "text": "baseline looks fine"},
    {"at": 35, "role": "commander", "do": "check", "item": "ack"},
    {"at": 36, "role": "commander", "do": "decide", "option": "rollback", "rationale": "quality below band"},
    {"at": 40, "role": "tech", "do": "run", "step": "freeze"},
    {"at": 41, "role": "tech", "do": "run", "step": "flaky"},
    {"at": 55, "role": "tech", "do": "retry", "step": "flaky"},
    {"at": 60, "role": "tech", "do": "skip", "step": "flaky", "reason": "alias already moved by hand"},
    {"at": 61, "role": "tech", "do": "skip", "step": "optional", "reason": "not needed today"},
    {"at": 62, "role": "tech", "do": "run", "step": "rollback"},
    {"at": 64, "role": "steward", "do": "approve", "step": "rollback", "phrase": "roll back please"},
    {"at": 66, "role": "steward", "do": "approve", "step": "rollback", "phrase": PHRASE},
    {"at": 72, "role": "steward", "do": "run", "step": "verify"},
    {"at": 75, "role": "commander", "do": "note", "text": "watching the signals"},
    {"at": 120, "role": "commander", "do": "lesson", "text": "the flaky step needs a fresh from"},
    {
        "at": 121,
        "role": "commander",
        "do": "action",
        "text": "fix the flaky step",
        "owner": "tech",
        "due": "2026-12-01",
    },
    {"at": 125, "role": "commander", "do": "end"},
]


def record(
    folder: Path,
    playbook: dict[str, Any] | None = None,
    script: list[dict[str, Any]] | None = None,
    name: str = "drill.jsonl",
    auto: bool = False,
) -> Path:
    """Play a drill on a virtual clock into `folder/name` and return the log's path."""
    folder.mkdir(parents=True, exist_ok=True)
    drill = Drill(
        folder,
        copy.deepcopy(playbook or rich_playbook()),
        script=None if auto else (script or RICH_SCRIPT),
        auto=auto,
        name=name,
    )
    asyncio.run(drill.finish())
    return drill.path


def write_playbook(path: Path, data: dict[str, Any]) -> Path:
    """Write a playbook dict as YAML and return the path."""
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def stripped(path: Path) -> list[dict[str, Any]]:
    """The log's events without wall time, hashes, seals or sequence numbers (what a re-run must reproduce)."""
    out = []
    for event in read_log(path).events:
        if event.type == "log.sealed":
            continue
        d = event.to_dict()
        for key in ("ts", "hash", "prev", "seq"):
            d.pop(key)
        out.append(d)
    return out


def cli(*args: str | Path) -> Result:
    """Run the drillconsole command line in-process."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def record_at(folder: Path, stamp: str, playbook: dict[str, Any], name: str) -> Path:
    """An auto drill whose wall clock reads `stamp` (e.g. `2026-01-01T09:00:00.000000Z`), for cadence tests."""
    import hashlib

    from drillconsole.clock import VirtualClock
    from drillconsole.engine.engine import Engine
    from drillconsole.engine.players import AutoPlayer
    from drillconsole.log.writer import SessionLog
    from drillconsole.playbook.loader import load_playbook_text

    text = yaml.safe_dump(playbook, sort_keys=False)
    digest = hashlib.sha256(text.encode()).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    log = SessionLog.create(folder / name, digest, wall=lambda: stamp)
    engine = Engine(
        load_playbook_text(text, "p.yaml"),
        log,
        VirtualClock(),
        players=[AutoPlayer()],
        playbook_hash=digest,
        playbook_path="p.yaml",
        playbook_text=text,
    )
    asyncio.run(engine.run())
    log.close()
    return folder / name
