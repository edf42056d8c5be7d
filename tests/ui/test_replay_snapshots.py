"""Snapshots of the replay screen: paused at fixed moments of a recorded demo drill, nothing on screen from the wall clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drillconsole.replay import ReplaySession
from drillconsole.ui.replay.app import ReplayApp
from drillconsole.ui.replay.staging import record_demo

SIZE = (120, 36)
GATE_PENDING = 112.0
"""Decided at T+01:36; the rollback's gate was requested at T+01:51."""


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_demo(tmp_path_factory.mktemp("replay-snap"))


def tampered_decision(log: Path, folder: Path) -> Path:
    """A copy of the log whose decision line was edited after the fact (its hash no longer matches)."""
    lines = log.read_bytes().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "decision.made")
    event = json.loads(lines[index])
    event["data"]["rationale"] = "we always meant to hold"
    lines[index] = json.dumps(event, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode() + b"\n"
    path = folder / "demo-drill.jsonl"  # the header shows the file name: keep the staged one
    path.write_bytes(b"".join(lines))
    return path


def paused_at(app: ReplayApp, step: str | None = None) -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        if step is not None:
            app.replay_screen.steps.select(step)  # type: ignore[union-attr]
        await pilot.pause()

    return run_before


def test_replay_mid_drill(snap_compare: Any, demo_log: Path) -> None:
    app = ReplayApp(ReplaySession.open(demo_log), at=GATE_PENDING, speed=20)
    assert snap_compare(app, terminal_size=SIZE, run_before=paused_at(app, "registry-rollback"))


def test_replay_of_a_tampered_log(snap_compare: Any, demo_log: Path, tmp_path: Path) -> None:
    session = ReplaySession.open(tampered_decision(demo_log, tmp_path))
    assert session.warning is not None and session.warning.startswith("chain broken at line ")
    app = ReplayApp(session, at=session.duration)
    assert snap_compare(app, terminal_size=SIZE, run_before=paused_at(app))


def test_replay_help(snap_compare: Any, demo_log: Path) -> None:
    app = ReplayApp(ReplaySession.open(demo_log), at=GATE_PENDING)
    assert snap_compare(app, terminal_size=SIZE, run_before=paused_at(app), press=["question_mark"])
