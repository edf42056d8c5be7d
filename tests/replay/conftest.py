"""Drills recorded once per test session: their logs and the live state after every event."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillconsole.engine.players import AutoPlayer
from drillconsole.playbook.loader import load_playbook

from .replaykit import (
    DEMO,
    MINI_SCRIPT,
    BrokenSource,
    Recorded,
    RemoteSource,
    demo_auto,
    demo_resumed,
    demo_script,
    failing_mini,
    mini_drill,
    run_demo,
)


@pytest.fixture(scope="session")
def auto_run(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return demo_auto(tmp_path_factory.mktemp("auto"))


@pytest.fixture(scope="session")
def script_run(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return demo_script(tmp_path_factory.mktemp("script"))


@pytest.fixture(scope="session")
def resumed_run(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return demo_resumed(tmp_path_factory.mktemp("resumed"))


@pytest.fixture(scope="session")
def mini_auto_run(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return mini_drill(tmp_path_factory.mktemp("mini-auto"), auto=True)


@pytest.fixture(scope="session")
def mini_failing_run(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return mini_drill(tmp_path_factory.mktemp("mini-failing"), failing_mini(), script=MINI_SCRIPT)


@pytest.fixture(scope="session")
def remote_run(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    pb = load_playbook(DEMO)
    return run_demo(
        tmp_path_factory.mktemp("remote"),
        [AutoPlayer()],
        sources={"throughput": RemoteSource(pb.signal("throughput"), 850.0)},
    )


@pytest.fixture(scope="session")
def broken_source_run(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    pb = load_playbook(DEMO)
    return run_demo(
        tmp_path_factory.mktemp("broken"),
        [AutoPlayer()],
        sources={"throughput": BrokenSource(pb.signal("throughput"), 0.0)},
    )


@pytest.fixture(scope="session")
def one_hour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from perf.replay_bench import one_hour_log

    return one_hour_log(tmp_path_factory.mktemp("hour"))
