"""End to end with real terminals: the commander's console runs the engine, two people join from their own consoles.

The technical lead requests the gate from their terminal, the data steward
approves it from theirs, and the commander's screen shows who approved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from drillconsole.log.contract import EventType
from drillconsole.log.reader import read_log
from team.teamkit import team_playbook

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/services.sh installs it)"
)


class Terminals:
    """A private tmux server: one session per person, keys in, screens out."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.server = f"drill-{uuid.uuid4().hex[:8]}"
        self.cwd = cwd
        self.env = env

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.server, *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def open(self, name: str, argv: list[str]) -> None:
        exports = " ".join(f"{k}={v}" for k, v in self.env.items())
        command = f"cd {self.cwd} && env -u COLUMNS -u LINES {exports} {' '.join(argv)}; sleep 600"
        self.tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "90", command)

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", name, *(["-l"] if literal else []), *keys)

    def screen(self, name: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", name)

    def wait(self, name: str, ok: Callable[[str], bool], what: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen(name)
            if ok(text):
                return text
            if time.monotonic() > deadline:
                pytest.fail(f"{name}: timed out waiting for {what}; screen:\n{text}")
            time.sleep(0.2)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.server, "kill-server"], capture_output=True, timeout=30)


def test_the_steward_approves_from_their_terminal_and_the_commander_sees_who(tmp_path: Path) -> None:
    playbook = tmp_path / "team.yaml"
    playbook.write_text(yaml.safe_dump(team_playbook(), sort_keys=False))
    env = {
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "DRILLCONSOLE_KEY_DIR": str(tmp_path / "keys"),
        "TERM": "xterm-256color",
    }
    terms = Terminals(tmp_path, env)
    py = sys.executable
    try:
        terms.open(
            "commander",
            [
                py,
                "-m",
                "drillconsole",
                "run",
                str(playbook),
                "--as",
                "carol",
                "--role",
                "commander",
                "--log-dir",
                "logs",
            ],
        )
        terms.wait("commander", lambda s: "as commander" in s, "the commander's console")
        deadline = time.monotonic() + 30
        while not list((tmp_path / "logs").glob("*.jsonl.sock")):
            assert time.monotonic() < deadline, terms.screen("commander")
            time.sleep(0.1)
        sock = next((tmp_path / "logs").glob("*.jsonl.sock"))
        terms.open("tech", [py, "-m", "drillconsole", "join", str(sock), "--as", "alice", "--role", "tech"])
        terms.open("steward", [py, "-m", "drillconsole", "join", str(sock), "--as", "dana", "--role", "steward"])
        terms.wait("tech", lambda s: "as tech" in s, "the technical lead's console")
        terms.wait("steward", lambda s: "as steward" in s, "the data steward's console")

        terms.keys("tech", "r")  # run the gated step: its gate is requested, by alice
        terms.wait("commander", lambda s: "gate of gated requested" in s, "the request on the commander's screen")
        terms.keys("tech", "Escape")

        terms.keys("steward", "a")  # approve: the gate dialog opens with the steward as approver
        terms.wait("steward", lambda s: "confirm phrase" in s.lower() or "ROLL BACK" in s, "the gate dialog")
        terms.keys("steward", "ROLL BACK", literal=True)
        terms.keys("steward", "Enter")

        shown = terms.wait("commander", lambda s: "APPROVED by steward" in s, "the approval on the commander's screen")
        assert "by dana" in shown
        log = next((tmp_path / "logs").glob("*.jsonl"))
        events = read_log(log).events
        requested = next(e for e in events if e.type == EventType.GATE_REQUESTED)
        approved = next(e for e in events if e.type == EventType.GATE_APPROVED)
        assert (requested.by, approved.by, approved.actor) == ("alice", "dana", "steward")
        assert approved.data["two_person_held"] is True
    finally:
        terms.close()
