"""Seeking a one-hour, 50-signal drill on the replay screen."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from drillconsole.replay import ReplaySession
from drillconsole.ui.replay.app import ReplayApp

SIZE = (120, 36)


@pytest.fixture(scope="module")
def one_hour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from perf.replay_bench import one_hour_log

    return one_hour_log(tmp_path_factory.mktemp("hour"))


async def test_seeking_a_one_hour_drill_shows_the_fold_at_each_moment(one_hour: Path) -> None:
    """Random seeks across a one-hour log land on the fold at that moment (speed is measured in tests/perf)."""
    session = ReplaySession.open(one_hour)
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen: Any = app.replay_screen
        rng = random.Random(11)
        for t in [rng.uniform(0, session.duration) for _ in range(15)]:
            screen.seek(t)
            await pilot.pause()
            expected = session.state_at(t)
            assert app.position == pytest.approx(t)
            assert {sid: v.value for sid, v in screen.mirror.state.signals.items()} == {
                sid: v.value for sid, v in expected.signals.items()
            }
