"""Regenerate `screenshots/replay.svg` from the real replay app: `python -m drillconsole.ui.replay.screenshot [DIR]`."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from drillconsole import resources
from drillconsole.replay import ReplaySession
from drillconsole.ui.replay.app import ReplayApp
from drillconsole.ui.replay.staging import record_demo

SIZE = (120, 36)
AT = 118.0
"""The rollback's gate was approved a second ago; the step is running."""


async def shoot(out: Path, log: Path) -> Path:
    """Replay a demo log paused at AT with the rollback step selected; save `<out>/replay.svg`."""
    app = ReplayApp(ReplaySession.open(log), at=AT, speed=20, steady=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.replay_screen.steps.select("registry-rollback")  # type: ignore[union-attr]
        await pilot.pause()
        path = app.save_screenshot(filename="replay.svg", path=str(out))
    return Path(path)


def main(argv: list[str]) -> int:
    """Write the screenshot and print its path."""
    out = Path(argv[0]) if argv else resources.playbooks_dir().parent / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as logs:
        log = record_demo(Path(logs))  # runs its own event loop, so before the app's
        print(asyncio.run(shoot(out, log)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
