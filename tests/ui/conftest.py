"""Helpers for console tests: drills on a fast real clock or held at a fixed moment."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from drillconsole import resources
from drillconsole.launch import Prepared, prepare
from drillconsole.log.events import Event
from drillconsole.log.reader import read_log
from drillconsole.ui.app import DrillApp

SIZE = (120, 36)
WAIT_LIMIT = float(os.environ.get("DRILLCONSOLE_TEST_WAIT", "120"))
"""Seconds before a wait counts as a failure: a bound, never the expected time (a loaded machine is slow, not wrong)."""


def fast_drill(
    tmp_path: Path, speed: float = 40.0, playbook: Path | None = None, players: list[Any] | None = None
) -> Prepared:
    """The demo (or another playbook) on a real clock `speed` times faster than the wall."""
    return prepare(
        playbook or resources.bundled_playbook("demo"),
        log_dir=tmp_path / "logs",
        speed=speed,
        allow_production=True,
        attended=True,  # the console asks for the drill id itself
        players=players,
    )


async def wait_for(pilot: Any, condition: Callable[[], bool], what: str, timeout: float = WAIT_LIMIT) -> None:
    """Let the app run until `condition()` holds; `timeout` only bounds a failure (a loaded machine is slow, not wrong)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            notes = [n.message for n in pilot.app._notifications][-3:]
            pytest.fail(
                f"timed out waiting for {what} (screen {type(pilot.app.screen).__name__}, last notices {notes})"
            )
        await pilot.pause()


def showing(app: Any, screen_type: type, widget: str) -> bool:
    """Whether `app` shows a `screen_type` whose `widget` is mounted: a pushed screen is not composed yet."""
    screen = app.screen
    return isinstance(screen, screen_type) and bool(screen.query(widget))


async def refreshes(pilot: Any, target: Any, method: str, count: int = 3) -> None:
    """Let `count` more calls of `target.method` (a refresh the interval makes) happen: a condition, not a fixed wait."""
    calls = [0]
    original = getattr(target, method)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(target, method, counted)
    try:
        await wait_for(pilot, lambda: calls[0] >= count, f"{count} calls of {method}")
    finally:
        delattr(target, method)  # the instance attribute goes; the class's method shows through again


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text cursors that do not blink, so snapshots never catch one half-way (a test seam kept out of the product)."""
    monkeypatch.setattr(Input.__dict__["cursor_blink"], "_default", False)


async def type_text(pilot: Any, text: str) -> None:
    """Type text key by key, as a person would."""
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def palette(pilot: Any, app: Any, query: str) -> None:
    """Open the command palette, type the query and run the first match with Enter (as a person would)."""
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the command palette")
    await type_text(pilot, query)

    def best_match_is_it() -> bool:
        """The highlighted (best) hit is the command asked for (hits arrive over time and are re-sorted)."""
        hits = app.screen.query_one(CommandList)
        if hits.highlighted is None:
            return False
        prompt = hits.get_option_at_index(hits.highlighted).prompt
        return query.lower() in getattr(prompt, "plain", str(prompt)).lower()

    await wait_for(pilot, best_match_is_it, f"the palette's best match to be {query!r}")
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close")


def log_events(prepared: Prepared) -> list[Event]:
    """The session log as written, verified."""
    report = read_log(prepared.log_path)
    assert report.ok, report.problem
    return report.events


@pytest.fixture
def demo_app(tmp_path: Path) -> Callable[..., DrillApp]:
    """Build a console on the fast demo drill."""

    def build(speed: float = 40.0, **options: Any) -> DrillApp:
        return DrillApp(fast_drill(tmp_path, speed), **options)

    return build
