"""Regenerate `screenshots/replay.svg` from the real replay app: `python -m drillconsole.ui.replay.screenshot [DIR]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from drillconsole import resources
from drillconsole.replay import ReplaySession
from drillconsole.ui.replay.app import ReplayApp
from drillconsole.ui.replay.staging import record_demo
from drillconsole.ui.staging import steady_cursors

SIZE = (120, 36)
AT = 118.0
"""The rollback's gate was approved a second ago; the step is running."""


async def shoot(out: Path, log: Path) -> Path:
    """Replay a demo log paused at AT with the rollback step selected; save `<out>/replay.svg`."""
    app = ReplayApp(ReplaySession.open(log), at=AT, speed=20)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.replay_screen.steps.select("registry-rollback")  # type: ignore[union-attr]
        await pilot.pause()
        path = app.save_screenshot(filename="replay.svg", path=str(out))
    return Path(path)


def main(argv: list[str]) -> int:
    """Write the screenshot and print its path."""
    parser = argparse.ArgumentParser(
        prog="python -m drillconsole.ui.replay.screenshot",
        description="Regenerate screenshots/replay.svg from the real replay of a recorded demo drill.",
    )
    parser.add_argument(
        "out", nargs="?", type=Path, default=None, help="folder to write into (default: the project's screenshots/)"
    )
    out = parser.parse_args(argv).out or resources.playbooks_dir().parent / "screenshots"
    steady_cursors()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as logs:
        log = record_demo(Path(logs))  # runs its own event loop, so before the app's
        print(asyncio.run(shoot(out, log)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
