"""`join --nats`: a participant follows the drill from the JetStream stream and commands on their own subject."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui.conftest import type_text, wait_for
from ui.offerkit import footer_words

from drillconsole.errors import CommandError
from drillconsole.team.protocol import Command
from drillconsole.team.remote import RemoteEngine
from drillconsole.ui.participant import ParticipantApp
from team.natskit import NatsServer
from team.threadkit import ServedDrill


@pytest.fixture
def served(
    tmp_path: Path, playbook_path: Path, broker: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServedDrill]:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    drill = ServedDrill(playbook_path, tmp_path / "logs", nats=broker.url("engine")).start()
    try:
        yield drill
    finally:
        drill.stop()


def over_nats(broker: NatsServer, user: str, roles: list[str], person: str | None = None) -> RemoteEngine:
    return RemoteEngine(None, person or user, roles, nats=(broker.url(user), "mini"))


def wait_until(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_two_people_over_nats_request_and_approve_through_the_hubs_checks(
    served: ServedDrill, broker: NatsServer
) -> None:
    alice = over_nats(broker, "alice", ["tech"])
    bob = over_nats(broker, "bob", ["steward"])
    try:
        assert alice.roles == ["tech"] and bob.roles == ["steward"]  # the welcome waits for the stream to show the join
        alice.request_gate("tech", "gated")
        assert alice.state.gates["gated"].status == "requested"  # an accepted command is in the state when it returns
        with pytest.raises(CommandError, match="tech lacks approve_gate authority"):  # the hub checks it
            alice.approve("tech", "gated", "ROLL BACK")
        with pytest.raises(CommandError, match="does not hold role commander"):
            bob.decide("commander", "rollback", "not mine to decide")
        bob.approve("steward", "gated", "ROLL BACK")  # names the request it answers (request_seq) by itself
        wait_until(lambda: alice.state.steps["gated"].status == "succeeded", "the step to run, seen over NATS")
        log = served.events()
        approved = [e for e in log if e.type == "gate.approved"]
        assert [(e.by, e.actor) for e in approved] == [("bob", "steward")]
        denied = [(e.by, e.data["command"]) for e in log if e.type == "access.denied"]
        assert denied == [("alice", "approve"), ("bob", "decide")]
        joined = {e.data["person"]: (e.data["account"], e.data["via"]) for e in log if e.type == "participant.joined"}
        assert joined["alice"] == ("nats:alice", "nats") and joined["bob"] == ("nats:bob", "nats")
        wait_until(lambda: bob.state.seq == served.engine.log.next_seq - 1, "bob to hold every event")
        assert [e.hash for e in bob._seen] == [e.hash for e in served.events()]  # stream sequence = log seq + 1
    finally:
        alice.close()
        bob.close()


def test_a_participant_over_nats_rides_out_a_broker_restart(served: ServedDrill, broker: NatsServer) -> None:
    served.call(served.hub.join, "sam", "uid:sam", "socket", ["observer"])  # a participant on the socket
    bob = over_nats(broker, "bob", ["steward"])
    try:
        broker.stop()
        for i in range(20):  # the drill carries on without the broker
            note = Command(id=f"n{i}", name="note", role="observer", args={"text": f"down {i}"})
            result = served.call(served.hub.dispatch, "sam", note)
            assert result.ok, result.reason
        broker.start()
        wait_until(lambda: bob.state.seq == served.engine.log.next_seq - 1, "bob to catch up after the restart", 60)
        texts = [e.data["text"] for e in bob._seen if e.type == "note.added"]
        assert [t for t in texts if t.startswith("down ")] == [f"down {i}" for i in range(20)]  # no gap, no duplicate
        bob.note("steward", "back")  # commands flow again, on bob's own subject
        assert served.events("note.added")[-1].by == "bob"
        said = " ".join(bob.notes)
        assert "the broker is unreachable" in said and "reconnected to the broker" in said
    finally:
        bob.close()


def test_join_over_nats_as_someone_else_is_refused_by_the_broker(served: ServedDrill, broker: NatsServer) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "drillconsole", "join", "--nats", broker.url("alice"), "--drill", "mini", "--as", "bob"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot join drill mini over NATS" in lines[0] and "alice-pw" not in lines[0]
    assert "bob" not in served.engine.state.participants
    assert (
        'Publish Violation - User "alice", Subject "drill.mini.commands.bob"'
        in (broker.workdir / "nats.log").read_text()
    )


def test_join_over_nats_needs_the_drill_and_takes_no_invite() -> None:
    def join(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "drillconsole", "join", *args], capture_output=True, text=True, timeout=60
        )

    no_drill = join("--nats", "nats://alice:pw@127.0.0.1:1", "--follow")
    assert no_drill.returncode == 2 and "--nats needs --drill ID" in no_drill.stderr
    token = join("--nats", "nats://alice:pw@127.0.0.1:1", "--drill", "mini", "--token", "dci1.x", "--follow")
    assert token.returncode == 2 and "invites are for the socket" in token.stderr


async def test_the_participant_console_over_nats_approves_as_the_data_steward(
    served: ServedDrill, broker: NatsServer
) -> None:
    alice = await asyncio.to_thread(over_nats, broker, "alice", ["tech"])
    bob = await asyncio.to_thread(over_nats, broker, "bob", ["steward"])
    app = ParticipantApp(bob)
    try:
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await wait_for(pilot, lambda: "Approve" in footer_words(app), "bob's footer")
            assert not {"Decide", "End"} & footer_words(app)
            await wait_for(pilot, lambda: app.sub_title == "bob — steward", "who this console is, in its header")
            await asyncio.to_thread(alice.request_gate, "tech", "gated")
            await wait_for(pilot, lambda: bob.state.gates["gated"].status == "requested", "the request, over NATS")
            await pilot.press("a")  # the step list starts on the gated step
            await wait_for(pilot, lambda: type(app.screen).__name__ == "GateModal", "the approval dialog")
            await type_text(pilot, "ROLL BACK")
            await pilot.press("enter")
            await wait_for(pilot, lambda: bob.state.gates["gated"].status == "approved", "the approval")
            app.finish()
    finally:
        await asyncio.to_thread(alice.close)
        await asyncio.to_thread(bob.close)
    approved = served.events("gate.approved")
    assert [(e.by, e.actor) for e in approved] == [("bob", "steward")]


def test_join_over_nats_follow_prints_the_drill_until_it_ends(served: ServedDrill, broker: NatsServer) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drillconsole",
            "join",
            "--nats",
            broker.url("alice"),
            "--drill",
            "mini",
            "--role",
            "tech",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().strip() == "joined mini as alice holding tech"
        served.call(served.engine.end_drill, "engine", "aborted", "test over")
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "alice" in out and "aborted" in out.splitlines()[-1]


async def test_a_person_cannot_read_the_answers_sent_to_someone_else(served: ServedDrill, broker: NatsServer) -> None:
    import nats

    refused: list[Exception] = []

    async def collect(exc: Exception) -> None:
        refused.append(exc)

    nc = await nats.connect(broker.url("alice"), error_cb=collect)
    try:
        await nc.subscribe("_INBOX.bob.>")  # bob's answers and event deliveries
        await nc.flush()
        await wait_async(lambda: bool(refused), "the broker's refusal")
    finally:
        await nc.close()
    assert "permissions violation for subscription" in str(refused[0]).lower()
    assert "_inbox.bob.>" in str(refused[0]).lower()


async def wait_async(condition: object, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def test_leaving_over_nats_is_logged_when_the_console_quits_or_follow_is_interrupted(
    served: ServedDrill, broker: NatsServer
) -> None:
    def left(person: str) -> list[tuple[str | None, str]]:
        return [(e.by, e.data["reason"]) for e in served.events("participant.left") if e.data["person"] == person]

    bob = over_nats(broker, "bob", ["steward"])
    bob.close()  # the console quits (ParticipantApp.finish closes its RemoteEngine)
    wait_until(lambda: left("bob") == [("bob", "disconnected")], "bob's participant.left")

    proc = subprocess.Popen(
        [sys.executable, "-m", "drillconsole", "join", "--nats", broker.url("alice"), "--drill", "mini", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("joined mini as alice")
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err, err
    wait_until(lambda: left("alice") == [("alice", "disconnected")], "alice's participant.left")
