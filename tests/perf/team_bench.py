"""Team-drill benchmarks: fan-out latency to 20 participants, command round trips, catch-up, engine CPU (socket and NATS).

The participants run in a separate process (as they would), so the engine's
CPU time is the engine's alone; latencies use the system-wide monotonic clock
on both sides. Each row is measured beside its yardstick in the same run.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent))

PARTICIPANTS = 20
EVENTS = 1000
COMMANDS = 200
CATCH_UP = 100_000


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def _playbook(workdir: Path) -> Path:
    from team.teamkit import team_playbook

    path = workdir / "team.yaml"
    path.write_text(yaml.safe_dump(team_playbook(), sort_keys=False))
    return path


# --- the participants' process ------------------------------------------------------------


async def _participants(kind: str, where: str, out: str, n: int, ready: str) -> None:
    """Join n participants, record when each event arrives, time COMMANDS round trips from one of them."""
    from drillconsole.team.follower import Follower

    arrivals: dict[int, list[float]] = {}

    def seen(event: Any) -> None:
        arrivals.setdefault(event.seq, []).append(time.monotonic())

    followers: list[Any] = []
    if kind == "socket":
        for i in range(n):
            f = Follower(Path(where), f"p{i}", on_event=seen)
            await f.join()
            followers.append(f)
            asyncio.get_running_loop().create_task(f.run())
        for f in followers:
            await f.caught_up.wait()
    else:
        from drillconsole.team.nats import NatsFollower

        for _i in range(n):
            f = NatsFollower(where, "mini", "alice", on_event=seen)
            await f.join()
            followers.append(f)
    Path(ready).write_text("ready")
    while not Path(out + ".go").exists():
        await asyncio.sleep(0.01)
    rtts = []
    commander = followers[0]
    await commander.command("assume", "observer")
    for i in range(COMMANDS):
        t0 = time.monotonic()
        result = await commander.command("note", "observer", text=f"rtt {i}")
        rtts.append(time.monotonic() - t0)
        assert result.ok, result.reason
    while not Path(out + ".stop").exists():
        await asyncio.sleep(0.05)
    Path(out).write_text(json.dumps({"arrivals": arrivals, "rtts": rtts}))
    for f in followers:
        await f.close()


# --- the engine's side -----------------------------------------------------------------------


async def _fan_out(kind: str, with_participants: bool) -> dict[str, Any]:
    from drillconsole.launch import prepare

    workdir = Path(tempfile.mkdtemp(prefix="teambench-"))
    os.environ["DRILLCONSOLE_KEY_DIR"] = str(workdir / "keys")
    nats = None
    if kind == "nats":
        from team.natskit import NatsServer

        nats = NatsServer(workdir / "nats")
        nats.start()
    team = {"person": "operator", "roles": [], "nats": nats.url("engine") if nats else None}
    prepared = prepare(_playbook(workdir), log_dir=workdir / "logs", team=team)
    engine = prepared.engine
    written: dict[int, float] = {}
    engine.log.observers.append(lambda e, _l: written.__setitem__(e.seq, time.monotonic()))
    run = asyncio.get_running_loop().create_task(engine.run())
    while not engine.state.started:
        await asyncio.sleep(0.01)
    out = str(workdir / "participants.json")
    proc = None
    if with_participants:
        where = str(prepared.seat.server.path) if kind == "socket" else nats.url("alice")  # type: ignore[union-attr]
        if kind == "nats":
            from drillconsole.team.nats import NatsBridge

            bridge = next(s for s in engine.services if isinstance(s, NatsBridge))
            while bridge.published < engine.log.next_seq:
                await asyncio.sleep(0.01)
        ready = str(workdir / "ready")
        proc = subprocess.Popen(
            [sys.executable, __file__, "--participants", kind, where, out, str(PARTICIPANTS), ready],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        while not Path(ready).exists():
            assert proc.poll() is None
            await asyncio.sleep(0.02)
    hub = prepared.seat.hub
    hub.join("bench", "uid:bench", "socket", ["commander"])
    from drillconsole.team.protocol import Command

    cpu0, first = time.process_time(), engine.log.next_seq
    for i in range(EVENTS):  # a steady stream, as a busy drill writes it
        hub.dispatch("bench", Command(id=f"b{i}", name="note", role="commander", args={"text": f"event {i}"}))
        await asyncio.sleep(0.002)
    cpu = time.process_time() - cpu0
    result: dict[str, Any] = {"cpu": cpu, "first": first, "last": engine.log.next_seq - 1}
    if proc is not None:
        Path(out + ".go").write_text("go")
        while proc.poll() is None and not Path(out).exists():
            await asyncio.sleep(0.05)
            if len(written) and engine.log.next_seq - first > EVENTS + COMMANDS:
                Path(out + ".stop").write_text("stop")
        Path(out + ".stop").write_text("stop")
        proc.wait(timeout=120)
        data = json.loads(Path(out).read_text())
        lat = [t - written[int(seq)] for seq, times in data["arrivals"].items() if int(seq) >= first for t in times]
        result |= {"latency": lat, "rtts": data["rtts"]}
    engine.end_drill("engine", "aborted", "benchmark over")
    await run
    prepared.log.close()
    if nats is not None:
        nats.stop()
    return result


async def _bare_socket_rtt(n: int = COMMANDS) -> list[float]:
    """Yardstick: a line to a Unix-socket echo server and back, same machine, same loop."""
    path = Path(tempfile.mkdtemp(prefix="echo-")) / "e.sock"

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                writer.write(line)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            return

    server = await asyncio.start_unix_server(echo, path=str(path))
    reader, writer = await asyncio.open_unix_connection(str(path))
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        writer.write(b'{"kind":"ping"}\n')
        await reader.readline()
        out.append(time.monotonic() - t0)
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    return out


async def _catch_up() -> tuple[float, float]:
    """Seconds for a participant to catch up CATCH_UP events, beside reading and verifying that log from disk."""
    from drillconsole.launch import prepare
    from drillconsole.log.reader import read_log
    from drillconsole.team.follower import Follower
    from drillconsole.team.protocol import Command

    workdir = Path(tempfile.mkdtemp(prefix="teamcatch-"))
    os.environ["DRILLCONSOLE_KEY_DIR"] = str(workdir / "keys")
    prepared = prepare(_playbook(workdir), log_dir=workdir / "logs", team={"person": "op", "roles": []})
    engine = prepared.engine
    run = asyncio.get_running_loop().create_task(engine.run())
    while not engine.state.started:
        await asyncio.sleep(0.01)
    hub = prepared.seat.hub
    hub.join("bench", "uid:bench", "socket", ["observer"])
    for i in range(CATCH_UP - engine.log.next_seq):
        hub.dispatch("bench", Command(id=f"c{i}", name="note", role="observer", args={"text": f"n{i}"}))
        if i % 1000 == 0:
            await asyncio.sleep(0)
    head = engine.log.next_seq - 1
    engine.log.sync()
    t0 = time.monotonic()
    read_log(prepared.log_path)
    disk = time.monotonic() - t0
    follower = Follower(prepared.seat.server.path, "late")
    t0 = time.monotonic()
    await follower.join()
    task = asyncio.get_running_loop().create_task(follower.run())
    await follower.wait_seq(head, timeout=120)
    took = time.monotonic() - t0
    await follower.close()
    await task
    engine.end_drill("engine", "aborted", "benchmark over")
    await run
    prepared.log.close()
    return took, disk


def _screen_updates(n: int = 200) -> tuple[list[float], float]:
    """Event written → a participant console refreshed with it (engine in a thread, console headless in this one)."""
    import threading

    from drillconsole.launch import prepare
    from drillconsole.team.protocol import Command
    from drillconsole.team.remote import RemoteEngine
    from drillconsole.ui.app import REFRESH_HZ
    from drillconsole.ui.participant import ParticipantApp

    workdir = Path(tempfile.mkdtemp(prefix="teamscreen-"))
    os.environ["DRILLCONSOLE_KEY_DIR"] = str(workdir / "keys")
    prepared = prepare(_playbook(workdir), log_dir=workdir / "logs", team={"person": "op", "roles": []})
    engine, hub = prepared.engine, prepared.seat.hub
    written: dict[int, float] = {}
    engine.log.observers.append(lambda e, _l: written.__setitem__(e.seq, time.monotonic()))
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> None:
        task = asyncio.get_running_loop().create_task(engine.run())
        while not engine.state.started:
            await asyncio.sleep(0.01)
        started.set()
        await task

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    started.wait(30)
    remote = RemoteEngine(prepared.seat.server.path, "viewer", [])
    shown: list[tuple[float, int]] = []

    import drillconsole.ui.app as app_module

    class Measured(ParticipantApp):
        CSS_PATH = str(Path(app_module.__file__).with_name(str(ParticipantApp.CSS_PATH)))

        def refresh_now(self) -> None:
            super().refresh_now()
            shown.append((time.monotonic(), self.remote._state.seq))

    async def drive() -> None:
        app = Measured(remote, prepared.seat.server.path)
        async with app.run_test(size=(160, 50)):
            await asyncio.sleep(0.5)
            first = engine.log.next_seq
            for i in range(n):
                cmd = Command(id=f"s{i}", name="note", role="observer", args={"text": f"screen {i}"})
                loop.call_soon_threadsafe(hub.dispatch, "bench", cmd)
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.5)
            delays = []
            for seq in range(first, engine.log.next_seq):
                if seq in written:
                    at = next((t for t, s in shown if s >= seq and t >= written[seq]), None)
                    if at is not None:
                        delays.append(at - written[seq])
            out.extend(delays)

    hub.join("bench", "uid:bench", "socket", ["observer"])
    out: list[float] = []
    asyncio.run(drive())
    remote.close()
    loop.call_soon_threadsafe(engine.end_drill, "engine", "aborted", "benchmark over")
    thread.join(30)
    prepared.log.close()
    return out, 1 / REFRESH_HZ


def rows() -> list[tuple[str, str, str]]:
    """The team-drill rows of the benchmark table."""
    out: list[tuple[str, str, str]] = []
    bare = asyncio.run(_bare_socket_rtt())
    solo = asyncio.run(_fan_out("socket", with_participants=False))
    sock = asyncio.run(_fan_out("socket", with_participants=True))
    yard = f"bare Unix-socket line round trip p95 {_pct(bare, 0.95):.2f} ms"
    out.append(
        (
            f"team: event written → received, {PARTICIPANTS} socket participants (p99)",
            f"{_pct(sock['latency'], 0.99):.1f} ms ({yard})",
            "≤ 50 ms",
        )
    )
    out.append(("team: command round trip, socket (p95)", f"{_pct(sock['rtts'], 0.95):.1f} ms ({yard})", "≤ 50 ms"))
    out.append(
        (
            f"team: engine CPU for {EVENTS} events, {PARTICIPANTS} participants",
            f"{sock['cpu']:.2f} s (no participants: {solo['cpu']:.2f} s)",
            "report",
        )
    )
    from team.natskit import nats_server_bin

    if nats_server_bin() is not None:
        nat = asyncio.run(_fan_out("nats", with_participants=True))
        out.append(
            (
                f"team: event written → received, {PARTICIPANTS} NATS participants (p99)",
                f"{_pct(nat['latency'], 0.99):.1f} ms (socket: {_pct(sock['latency'], 0.99):.1f} ms)",
                "≤ 100 ms",
            )
        )
        out.append(
            (
                "team: command round trip, NATS (p95)",
                f"{_pct(nat['rtts'], 0.95):.1f} ms (socket: {_pct(sock['rtts'], 0.95):.1f} ms)",
                "≤ 100 ms",
            )
        )
        out.append(
            (
                f"team: engine CPU for {EVENTS} events, {PARTICIPANTS} NATS participants",
                f"{nat['cpu']:.2f} s (no participants: {solo['cpu']:.2f} s)",
                "report",
            )
        )
    took, disk = asyncio.run(_catch_up())
    out.append(
        (f"team: catch-up of {CATCH_UP:,} events", f"{took:.2f} s (read+verify from disk: {disk:.2f} s)", "≤ 3 s")
    )
    delays, tick = _screen_updates()
    out.append(
        (
            "team: event written → participant screen updated (p95)",
            f"{_pct(delays, 0.95):.0f} ms over {len(delays)} events (the console's refresh tick: {tick * 1000:.0f} ms)",
            "≤ 200 ms",
        )
    )
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["--participants"]:
        kind, where, out, n, ready = sys.argv[2:7]
        asyncio.run(_participants(kind, where, out, int(n), ready))
    else:
        for row in rows():
            print(" | ".join(row))
