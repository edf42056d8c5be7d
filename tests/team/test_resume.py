"""Engine `kill -9` and `--resume`, many times: participants reconnect by themselves and no acknowledged command is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from drillconsole.log.contract import EventType
from drillconsole.log.reader import read_log
from drillconsole.team.follower import Follower
from drillconsole.team.protocol import Result

CYCLES = 4


def start_engine(
    playbook: Path, logs: Path, env: dict[str, str], resume: Path | None = None
) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "drillconsole", "run", str(playbook), "--headless", "--team", "--quiet"]
    args += ["--log-dir", str(logs)] if resume is None else ["--resume", str(resume)]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def wait_for_socket(logs: Path, proc: subprocess.Popen[bytes]) -> Path:
    async with asyncio.timeout(60):
        while True:
            found = list(logs.glob("*.jsonl.sock"))
            if found and found[0].exists():
                return found[0]
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            await asyncio.sleep(0.05)


async def test_kill_9_and_resume_many_times_loses_no_acknowledged_command(tmp_path: Path, playbook_path: Path) -> None:
    env = {**os.environ, "DRILLCONSOLE_KEY_DIR": str(tmp_path / "keys"), "PYTHONPATH": os.pathsep.join(sys.path)}
    logs = tmp_path / "logs"
    proc = start_engine(playbook_path, logs, env)
    sock = await wait_for_socket(logs, proc)
    log_path = sock.with_name(sock.name.removesuffix(".sock"))
    notes: list[str] = []
    follower = Follower(sock, "alice", ["tech"], on_note=notes.append, retry_for=60)
    await follower.join()
    follow = asyncio.get_running_loop().create_task(follower.run())
    acked: list[Result] = []
    sent: list[str] = []

    async def send(i: int) -> None:
        sent.append(f"n-{i}")
        result = await follower.command("note", "tech", id=f"n-{i}", timeout=120, text=f"note {i}")
        if result.ok:
            acked.append(result)

    n = 0
    try:
        for cycle in range(CYCLES):
            for _ in range(20):  # acknowledged one by one
                await send(n)
                n += 1
            in_flight = [asyncio.create_task(send(n + k)) for k in range(20)]  # and some in flight at the kill
            n += 20
            await asyncio.sleep(0)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc = start_engine(playbook_path, logs, env, resume=log_path)
            await asyncio.wait_for(asyncio.gather(*in_flight), 120)  # resent after the reconnect, answered once
            assert follower.connections == cycle + 2
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        await follower.close()
        await asyncio.wait_for(follow, 30)
    report = read_log(log_path)
    assert report.ok, report.problem
    ids = Counter(e.data.get("command_id") for e in report.events if e.type == EventType.NOTE_ADDED)
    assert all(count == 1 for count in ids.values())  # no command had two effects
    assert {r.id for r in acked} <= set(ids)  # every acknowledged command is in the log
    assert len(acked) == len(sent) == CYCLES * 40  # and every command was answered in the end
    assert sum(1 for e in report.events if e.type == EventType.SESSION_RESUMED) == CYCLES
    assert notes.count("reconnected to the engine") == CYCLES
