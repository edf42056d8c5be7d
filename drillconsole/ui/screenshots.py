"""Regenerate `screenshots/*.svg` from the real app: `python -m drillconsole.ui.screenshots [DIR]`."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from drillconsole import resources
from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import held_drill, settle
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


SCENES: list[tuple[str, float, Scene]] = [
    ("main-during-fault", 90.0, _main_during_fault),
    ("gate-modal", 112.0, _gate_modal),
    ("drill-restored", 200.0, _restored),
]
"""Screenshot name, drill second the demo is held at, what to do before the shot."""


async def shoot(name: str, hold_at: float, scene: Scene, out: Path, logs: Path) -> Path:
    """Run the demo to `hold_at`, play the scene, save `<out>/<name>.svg`."""
    app = DrillApp(held_drill(hold_at, logs), steady=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await scene(app, pilot)
        await pilot.pause()
        path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
    return Path(path)


async def shoot_all(out: Path) -> list[Path]:
    """Every screenshot of the README, in order."""
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before any app runs)
    with tempfile.TemporaryDirectory() as logs:
        return [await shoot(name, hold, scene, out, Path(logs)) for name, hold, scene in SCENES]


def main(argv: list[str]) -> int:
    """Write the screenshots and print their paths."""
    out = Path(argv[0]) if argv else resources.playbooks_dir().parent / "screenshots"
    for path in asyncio.run(shoot_all(out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
