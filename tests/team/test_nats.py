"""Across hosts on a real NATS JetStream: the stream is the log, commands carry the person the broker vouches for."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from drillconsole.launch import prepare
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.team.nats import NatsBridge, NatsFollower, subjects
from team.natskit import NatsServer
from team.teamkit import TeamDrill, by_type


async def start(tmp_path: Path, playbook_path: Path, broker: NatsServer, name: str = "logs") -> TeamDrill:
    team = {"person": "operator", "roles": [], "nats": broker.url("engine")}
    drill = TeamDrill(prepare(playbook_path, log_dir=tmp_path / name, team=team))
    await drill.start()
    return drill


def bridge_of(drill: TeamDrill) -> NatsBridge:
    return next(s for s in drill.engine.services if isinstance(s, NatsBridge))


async def wait_published(drill: TeamDrill, timeout: float = 20) -> None:
    bridge = bridge_of(drill)
    async with asyncio.timeout(timeout):
        while bridge.published < drill.engine.log.next_seq:
            await asyncio.sleep(0.02)


async def test_the_stream_carries_the_log_and_commands_carry_their_person(
    tmp_path: Path, playbook_path: Path, broker: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    drill = await start(tmp_path, playbook_path, broker)
    try:
        await wait_published(drill)
        events: list[Event] = []
        alice = NatsFollower(broker.url("alice"), "mini", "alice", on_event=events.append)
        welcome = await alice.join(["tech"])
        assert welcome.roles == ["tech"]
        bob = NatsFollower(broker.url("bob"), "mini", "bob")
        await bob.join(["steward"])
        request = await alice.command("request_gate", "tech", step="gated")
        assert request.ok, request.reason
        seq = drill.engine.state.gates["gated"].request_seq
        approve = await bob.command("approve", "steward", step="gated", phrase="ROLL BACK", request_seq=seq)
        assert approve.ok, approve.reason
        again = await bob.command("approve", "steward", id="same", step="gated", phrase="ROLL BACK", request_seq=seq)
        twice = await bob.command("approve", "steward", id="same", step="gated", phrase="ROLL BACK", request_seq=seq)
        assert not again.ok and twice.duplicate
        await wait_published(drill)
        await alice.wait_seq(drill.engine.log.next_seq - 1)
        log = drill.events()
        assert [e.hash for e in events] == [e.hash for e in log]  # stream sequence = log seq + 1, every line
        approved = by_type(log, EventType.GATE_APPROVED)[0]
        assert approved.by == "bob" and approved.data["two_person_held"] is True
        joined = {e.data["person"]: e.data["account"] for e in by_type(log, EventType.PARTICIPANT_JOINED)}
        assert joined == {"alice": "nats:alice", "bob": "nats:bob"}
        await alice.close()
        await bob.close()
    finally:
        await drill.stop()


async def test_the_broker_stops_a_person_commanding_as_someone_else(
    tmp_path: Path, playbook_path: Path, broker: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    drill = await start(tmp_path, playbook_path, broker)
    try:
        await wait_published(drill)
        mallory = NatsFollower(broker.url("alice"), "mini", "bob")  # alice's credentials, bob's subject
        with pytest.raises(Exception):  # noqa: B017 - the broker refuses the publish: no answer ever comes
            await mallory.join(["steward"])
        await mallory.close()
        assert "bob" not in drill.engine.state.participants
        log = (broker.workdir / "nats.log").read_text()
        assert 'Publish Violation - User "alice", Subject "drill.mini.commands.bob"' in log
    finally:
        await drill.stop()


async def test_the_drill_carries_on_while_the_broker_is_down_and_the_stream_catches_up(
    tmp_path: Path, playbook_path: Path, broker: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    drill = await start(tmp_path, playbook_path, broker)
    try:
        await wait_published(drill)
        local = await drill.join("sam", ["observer"])  # a participant on the socket
        broker.stop()
        for i in range(50):
            result = await local.command("note", "observer", text=f"while the broker is down {i}")
            assert result.ok, result.reason  # the engine is not held up by the broker
        await local.wait_seq(drill.engine.log.next_seq - 1)
        assert bridge_of(drill).published < drill.engine.log.next_seq
        broker.start()
        await wait_published(drill, timeout=60)  # backfilled from the log, in order, once
        events: list[Event] = []
        watcher = NatsFollower(broker.url("alice"), "mini", "alice", on_event=events.append)
        await watcher.join()
        await watcher.wait_seq(drill.engine.log.next_seq - 1, timeout=20)
        assert [e.seq for e in events] == list(range(drill.engine.log.next_seq))
        await watcher.close()
    finally:
        await drill.stop()


async def test_a_second_engine_for_the_same_drill_is_shut_out(
    tmp_path: Path, playbook_path: Path, broker: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    first = await start(tmp_path, playbook_path, broker)
    second = None
    try:
        await wait_published(first)
        second = await start(tmp_path, playbook_path, broker, name="logs2")
        bridge = bridge_of(second)
        async with asyncio.timeout(20):
            while bridge.status != "shut out":
                await asyncio.sleep(0.02)
        errors = by_type(second.events(), EventType.ENGINE_ERROR)
        assert errors and "another engine publishes drill mini on NATS" in errors[0].data["error"]
        assert bridge_of(first).status == "connected"
        stream, _, _ = subjects("mini")
        assert stream == "DRILL_mini"
    finally:
        if second is not None:
            await second.stop()
        await first.stop()


async def wait_left(drill: TeamDrill, person: str, count: int = 1, timeout: float = 20) -> list[Event]:
    """The `participant.left` events of a person, once there are `count` of them."""
    async with asyncio.timeout(timeout):
        while True:
            left = [e for e in drill.events() if e.type == EventType.PARTICIPANT_LEFT and e.data["person"] == person]
            if len(left) >= count:
                return left
            await asyncio.sleep(0.02)


def joins_of(drill: TeamDrill, person: str) -> list[Event]:
    return [e for e in by_type(drill.events(), EventType.PARTICIPANT_JOINED) if e.data["person"] == person]


async def test_a_participant_leaving_over_nats_is_logged_as_left_and_can_rejoin(
    tmp_path: Path, playbook_path: Path, broker: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    drill = await start(tmp_path, playbook_path, broker)
    try:
        await wait_published(drill)
        alice = NatsFollower(broker.url("alice"), "mini", "alice")
        await alice.join(["tech"])
        assert drill.engine.state.participants["alice"]["online"]
        await alice.close()
        await alice.close()  # idempotent: one leave
        left = await wait_left(drill, "alice")
        assert [(e.by, e.actor, e.data["reason"]) for e in left] == [("alice", "engine", "disconnected")]
        assert not drill.engine.state.participants["alice"]["online"]
        assert drill.engine.state.holders["tech"] == "alice"  # like on the socket: leaving keeps the roles

        again = NatsFollower(broker.url("alice"), "mini", "alice")
        welcome = await again.join()
        assert welcome.roles == ["tech"]
        assert len(joins_of(drill, "alice")) == 2 and drill.engine.state.participants["alice"]["online"]
        result = await again.command("note", "tech", text="back")
        assert result.ok, result.reason
        await again.close()
        await wait_left(drill, "alice", count=2)
    finally:
        await drill.stop()


async def test_a_participant_that_vanishes_over_nats_is_marked_left_after_the_liveness_timeout(
    tmp_path: Path, playbook_path: Path, broker: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    drill = await start(tmp_path, playbook_path, broker)
    bridge = bridge_of(drill)
    bridge.liveness = 1.5  # heartbeats every 0.1 s: fifteen missed before bob counts as gone
    try:
        await wait_published(drill)
        bob = NatsFollower(broker.url("bob"), "mini", "bob", heartbeat=0.1)
        await bob.join(["steward"])
        loop = asyncio.get_running_loop()
        joined_at = loop.time()
        async with asyncio.timeout(20):  # heartbeats keep bob seated well past the timeout
            while bridge.links[bob.link][1] < joined_at + 2 * bridge.liveness:
                await asyncio.sleep(0.05)
        assert not by_type(drill.events(), EventType.PARTICIPANT_LEFT)

        assert bob._beat is not None
        bob._beat.cancel()  # cut off: no more heartbeats, and no leave
        left = await wait_left(drill, "bob")
        assert [(e.by, e.data["reason"]) for e in left] == [("bob", "vanished: no heartbeat for 1.5 s")]
        assert bob.link not in bridge.links

        bob._beat = loop.create_task(bob._beats())  # back: the next heartbeat seats bob again
        async with asyncio.timeout(20):
            while len(joins_of(drill, "bob")) < 2:
                await asyncio.sleep(0.02)
        assert drill.engine.state.participants["bob"]["online"] and drill.engine.state.holders["steward"] == "bob"

        bob._beat.cancel()  # killed: its tasks end without a word
        await bob._nc.close()
        left = await wait_left(drill, "bob", count=2)
        assert left[-1].by == "bob" and left[-1].data["reason"].startswith("vanished")

        again = NatsFollower(broker.url("bob"), "mini", "bob", heartbeat=0.1)  # rejoins after being marked left
        assert (await again.join()).roles == ["steward"]
        assert len(joins_of(drill, "bob")) == 3
        await again.close()
        left = await wait_left(drill, "bob", count=3)
        assert left[-1].data["reason"] == "disconnected"
    finally:
        await drill.stop()
