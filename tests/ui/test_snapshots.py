"""Snapshots of the screens people look at, on drills held at a fixed drill time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drillconsole import resources
from drillconsole.ui import app as app_module
from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import HeldLoad, held_drill, settle
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


def test_main_screen_while_the_drill_is_prepared(snap_compare: Any, tmp_path: Path) -> None:
    """The first frame: header and signal panels from the playbook's outline, the other regions waiting."""
    load = HeldLoad(resources.bundled_playbook("demo"), {"log_dir": tmp_path / "logs"})

    class Waiting(DrillApp):
        CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")  # a subclass looks beside its own file

        def on_unmount(self) -> None:
            load.abandon()  # the shot is taken: let the load go without preparing a drill

    try:
        assert snap_compare(Waiting(load=load), terminal_size=SIZE)
    finally:
        load.abandon()
    assert not (tmp_path / "logs").exists()


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
    """The checklist has the focus (l, then item 2): its focused row must stand out in every theme."""
    app = console(tmp_path, GATE_PENDING, theme=theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(app, "registry-rollback"), press=["l", "2"])


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
def test_layouts_fit_the_terminal(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """80×24: header, alerts, compact signals and the footer's keys; 200×50: full titles and checklist text."""
    app = console(tmp_path, DURING_FAULT)
    assert snap_compare(app, terminal_size=size, run_before=settled(app))


def test_too_small_a_terminal_says_what_it_needs(snap_compare: Any, tmp_path: Path) -> None:
    app = console(tmp_path, DURING_FAULT)
    assert snap_compare(app, terminal_size=(60, 15), run_before=settled(app))
