"""Replays staged for snapshots, screenshots and tests: a recorded demo drill under a fixed file name."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from drillconsole import resources

DEMO_LOG = "demo-drill.jsonl"
"""File name the staged demo log is copied to (the header shows it, so it must not vary)."""


def record_demo(folder: Path, *, name: str = DEMO_LOG) -> Path:
    """Run the bundled demo headless (auto-played, virtual clock) into `folder`; return its log as `folder/name`."""
    from drillconsole.engine.players import AutoPlayer
    from drillconsole.launch import prepare

    folder.mkdir(parents=True, exist_ok=True)
    prepared = prepare(
        resources.bundled_playbook("demo"), log_dir=folder / "sessions", virtual_clock=True, players=[AutoPlayer()]
    )
    try:
        asyncio.run(prepared.seat.run())
    finally:
        prepared.log.close()
    target = folder / name
    shutil.copyfile(prepared.log_path, target)
    return target
