"""Regenerate `screenshots/*.svg` from the real app: `python -m drillconsole.ui.screenshots [DIR]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from drillconsole import resources
from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import HeldLoad, held_drill, settle, steady_cursors
from drillconsole.ui.widgets.step_table import StepTable

SIZE = (120, 36)

Scene = Callable[[DrillApp, Any], Awaitable[None]]


async def _main_during_fault(app: DrillApp, pilot: Any) -> None:
    return None


async def _gate_modal(app: DrillApp, pilot: Any) -> None:
    app.main_screen.query_one(StepTable).select("registry-rollback")  # type: ignore[union-attr]
    await pilot.press("a")
    await pilot.press(*"ROLLBACK")
    await pilot.pause()


async def _restored(app: DrillApp, pilot: Any) -> None:
    await pilot.press(*["space" if c == " " else c for c in "rehearse the gate phrase before each drill"])
    await pilot.press("enter")
    await pilot.pause()


SCENES: list[tuple[str, float, Scene, tuple[int, int]]] = [
    ("main-during-fault", 90.0, _main_during_fault, SIZE),
    ("main-80x24", 130.0, _main_during_fault, (80, 24)),
    ("main-200x50", 130.0, _main_during_fault, (200, 50)),
    ("gate-modal", 112.0, _gate_modal, SIZE),
    ("drill-restored", 200.0, _restored, SIZE),
]
"""Screenshot name, drill second the demo is held at, what to do before the shot, terminal size."""


async def shoot(name: str, hold_at: float, scene: Scene, out: Path, logs: Path, size: tuple[int, int] = SIZE) -> Path:
    """Run the demo to `hold_at`, play the scene, save `<out>/<name>.svg`."""
    app = DrillApp(held_drill(hold_at, logs))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await scene(app, pilot)
        await pilot.pause()
        path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
    return Path(path)


async def shoot_first_frame(out: Path, logs: Path) -> Path:
    """The console's first frame: the main screen from the playbook's outline while the drill is prepared."""
    load = HeldLoad(resources.bundled_playbook("demo"), {"log_dir": logs})
    app = DrillApp(load=load)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            path = app.save_screenshot(filename="first-frame.svg", path=str(out))
            load.abandon()  # nothing is prepared: the shot was all that was wanted
    finally:
        load.abandon()
    return Path(path)


async def shoot_all(out: Path) -> list[Path]:
    """Every screenshot of the README, in order."""
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before any app runs)
    with tempfile.TemporaryDirectory() as logs:
        shots = [await shoot(name, hold, scene, out, Path(logs), size) for name, hold, scene, size in SCENES]
        return [*shots, await shoot_first_frame(out, Path(logs))]


def main(argv: list[str]) -> int:
    """Write the screenshots and print their paths."""
    parser = argparse.ArgumentParser(
        prog="python -m drillconsole.ui.screenshots",
        description="Regenerate the README screenshots (SVG) from the real console on the demo drill.",
    )
    parser.add_argument(
        "out", nargs="?", type=Path, default=None, help="folder to write into (default: the project's screenshots/)"
    )
    args = parser.parse_args(argv)
    out = args.out or resources.playbooks_dir().parent / "screenshots"
    steady_cursors()
    for path in asyncio.run(shoot_all(out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
