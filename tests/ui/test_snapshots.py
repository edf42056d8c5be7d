"""Snapshots of the screens people look at, on drills held at a fixed drill time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import held_drill, settle
from drillconsole.ui.widgets.step_table import StepTable

SIZE = (120, 36)
DURING_FAULT = 90.0
"""Triggers fired, no decision yet."""
GATE_PENDING = 112.0
"""Decided; the rollback's gate was just requested."""


def console(tmp_path: Path, hold_at: float, **options: Any) -> DrillApp:
    return DrillApp(held_drill(hold_at, tmp_path / "logs"), **options)


def settled(app: DrillApp, select: str | None = None) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        if select is not None:
            app.main_screen.query_one(StepTable).select(select)  # type: ignore[union-attr]
            await pilot.pause()

    return run_before


def test_main_screen_during_the_fault(snap_compare: Any, tmp_path: Path) -> None:
    app = console(tmp_path, DURING_FAULT)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app))


def test_gate_modal(snap_compare: Any, tmp_path: Path) -> None:
    app = console(tmp_path, GATE_PENDING)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app, "registry-rollback"), press=["a"])


def test_decision_modal(snap_compare: Any, tmp_path: Path) -> None:
    app = console(tmp_path, DURING_FAULT)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app), press=["d"])


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    app = console(tmp_path, DURING_FAULT)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app), press=["question_mark"])


@pytest.mark.parametrize("theme", ["control-room", "daylight", "high-contrast"])
def test_main_screen_in_each_theme(snap_compare: Any, tmp_path: Path, theme: str) -> None:
    app = console(tmp_path, GATE_PENDING, theme=theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app, "registry-rollback"))


def test_narrow_terminal_stays_readable(snap_compare: Any, tmp_path: Path) -> None:
    app = console(tmp_path, DURING_FAULT)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app))
