"""`drillconsole replay LOG`: bad input is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from drillconsole import resources
from drillconsole.replay import ReplayError
from drillconsole.ui.replay.command import open_replay, parse_speed


def drillconsole(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drillconsole", *map(str, args)],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_drill(folder: Path) -> tuple[Path, Path]:
    """A headless demo run from a copy of the playbook in folder: (log, playbook copy)."""
    playbook = folder / "demo.yaml"
    shutil.copyfile(resources.bundled_playbook("demo"), playbook)
    done = drillconsole(
        "run", playbook, "--headless", "--auto", "--virtual-clock", "--log-dir", folder / "logs", cwd=folder
    )
    assert done.returncode == 0, done.stderr
    return next((folder / "logs").glob("*.jsonl")), playbook


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return run_drill(tmp_path_factory.mktemp("replay-cli"))


def changed(log: Path, playbook: Path, tmp: Path) -> tuple[list[str | Path], str]:
    edited = tmp / "edited.yaml"
    edited.write_text(playbook.read_text() + "\n# edited after the drill\n")
    return [log, "--playbook", edited], f"drillconsole: playbook {edited} differs from the one the drill ran"


def missing(log: Path, playbook: Path, tmp: Path) -> tuple[list[str | Path], str]:
    return [tmp / "nope.jsonl"], f"drillconsole: cannot read {tmp / 'nope.jsonl'}: No such file or directory"


def not_a_log(log: Path, playbook: Path, tmp: Path) -> tuple[list[str | Path], str]:
    (tmp / "notes.txt").write_text("lessons: none\n")
    return [
        tmp / "notes.txt"
    ], f"drillconsole: {tmp / 'notes.txt'} is not a session log (line 1: truncated or malformed line)"


def bad_time(log: Path, playbook: Path, tmp: Path) -> tuple[list[str | Path], str]:
    return [log, "--at", "soon"], "drillconsole: --at: bad time 'soon'"


def bad_speed(log: Path, playbook: Path, tmp: Path) -> tuple[list[str | Path], str]:
    return [log, "--speed", "fast"], "drillconsole: bad --speed 'fast'"


Case = Callable[[Path, Path, Path], tuple[list[str | Path], str]]


def one_line_exit_2(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(expected), lines[0]


@pytest.mark.parametrize("case", [missing, not_a_log, changed, bad_time, bad_speed], ids=lambda c: c.__name__)
def test_bad_input_is_one_line_and_exit_2(drill: tuple[Path, Path], tmp_path: Path, case: Case) -> None:
    log, playbook = drill
    args, expected = case(log, playbook, tmp_path)
    one_line_exit_2(drillconsole("replay", *args, cwd=tmp_path), expected)


def test_a_playbook_that_differs_from_the_drill_is_refused(tmp_path: Path) -> None:
    log, playbook = run_drill(tmp_path)
    playbook.write_text(playbook.read_text().replace("Fraud", "Fraudulent", 1))
    done = drillconsole("replay", log, "--playbook", playbook, cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert f"playbook {playbook} differs from the one the drill ran" in done.stderr


def test_the_options_reach_the_replay(drill: tuple[Path, Path], tmp_path: Path) -> None:
    log, playbook = drill
    moved = tmp_path / "moved.yaml"
    shutil.copyfile(playbook, moved)
    session, speed, start = open_replay(log, speed="20x", at="T+01:30", playbook=moved)
    assert (speed, start) == (20.0, 90.0)
    assert session.playbook_path == moved and session.warning is None


@pytest.mark.parametrize("text,speed", [("1", 1.0), ("5x", 5.0), ("60×", 60.0), ("2.5", 2.5)])
def test_speeds(text: str, speed: float) -> None:
    assert parse_speed(text) == speed


@pytest.mark.parametrize("text", ["0", "-5", "fast", "", "5 x 2"])
def test_bad_speeds(text: str) -> None:
    with pytest.raises(ReplayError, match="bad --speed"):
        parse_speed(text)
