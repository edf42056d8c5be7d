"""Helpers for console tests: drills on a fast real clock or held at a fixed moment."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillconsole import resources
from drillconsole.launch import Prepared, prepare
from drillconsole.log.events import Event
from drillconsole.log.reader import read_log
from drillconsole.ui.app import DrillApp

SIZE = (120, 36)


def fast_drill(
    tmp_path: Path, speed: float = 40.0, playbook: Path | None = None, players: list[Any] | None = None
) -> Prepared:
    """The demo (or another playbook) on a real clock `speed` times faster than the wall."""
    return prepare(
        playbook or resources.bundled_playbook("demo"),
        log_dir=tmp_path / "logs",
        speed=speed,
        allow_production=True,
        players=players,
    )


async def wait_for(pilot: Any, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def log_events(prepared: Prepared) -> list[Event]:
    """The session log as written, verified."""
    report = read_log(prepared.log_path)
    assert report.ok, report.problem
    return report.events


@pytest.fixture
def demo_app(tmp_path: Path) -> Callable[..., DrillApp]:
    """Build a console on the fast demo drill."""

    def build(speed: float = 40.0, **options: Any) -> DrillApp:
        return DrillApp(fast_drill(tmp_path, speed), steady=True, **options)

    return build
