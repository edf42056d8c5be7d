"""`join`, `invite` and `run --group` from the command line: one clear line and exit 2 for bad input."""

from __future__ import annotations

import asyncio
import grp
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from drillconsole.launch import prepare
from drillconsole.team import identity
from drillconsole.team.follower import Follower


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drillconsole", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_join_a_socket_nobody_serves_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = cli("join", str(tmp_path / "gone.jsonl.sock"), "--as", "alice", "--follow")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"{tmp_path}/gone.jsonl.sock: no drill is listening here (is the engine running?)"
    ]


def test_join_names_and_invites_are_checked_before_connecting(tmp_path: Path) -> None:
    bad = cli("join", "x.sock", "--as", "no spaces please", "--follow")
    assert bad.returncode == 2 and "--as: 'no spaces please' is not a usable name" in bad.stderr
    ttl = cli("invite", "alice", "--role", "tech", "--ttl", "soon", env={"DRILLCONSOLE_KEY_DIR": str(tmp_path / "k")})
    assert ttl.returncode == 2 and "--ttl: 'soon' is not a duration" in ttl.stderr
    ok = cli("invite", "alice", "--role", "tech", "--ttl", "90m", env={"DRILLCONSOLE_KEY_DIR": str(tmp_path / "k")})
    assert ok.returncode == 0 and ok.stdout.startswith("dci1.")
    missing = cli("join", "--as", "alice", "--follow")
    assert missing.returncode == 2 and "name the drill's socket" in missing.stderr


def test_join_follow_prints_the_drill_and_the_group_option_shares_the_socket(
    tmp_path: Path, playbook_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    group = grp.getgrnam("nogroup")
    prepared = prepare(playbook_path, log_dir=tmp_path / "logs", team={"group": "nogroup", "person": "op", "roles": []})
    server = prepared.seat.server
    real = Path(identity.connect_path(server.path))
    st = os.stat(real)
    assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == group.gr_gid

    async def scenario() -> str:
        engine = prepared.engine
        run = asyncio.get_running_loop().create_task(engine.run())
        while not engine.state.started:
            await asyncio.sleep(0.01)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "drillconsole",
            "join",
            str(server.path),
            "--as",
            "erin",
            "--role",
            "observer",
            "--follow",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        watcher = Follower(server.path, "watch")
        await watcher.join()
        task = asyncio.get_running_loop().create_task(watcher.run())
        async with asyncio.timeout(60):
            while "erin" not in engine.state.participants:
                await asyncio.sleep(0.02)
        engine.end_drill("engine", "aborted", "test over")
        await run
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        await watcher.close()
        await task
        prepared.log.close()
        return out.decode() + err.decode()

    text = asyncio.run(scenario())
    assert "joined mini as erin holding observer" in text
    assert "drill mini started" in text and "drill ended: aborted" in text
