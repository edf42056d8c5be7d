"""Followers never lose their place: catch-up, bursts, drops mid-line, resync; and who may connect at all."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import stat
import time
from pathlib import Path

import pytest

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.seal import Sealer
from drillconsole.team import identity
from drillconsole.team.follower import Follower, JoinError
from drillconsole.team.protocol import Command
from drillconsole.team.tokens import Invite, make_token
from team.teamkit import TeamDrill, by_type


async def burst(team: TeamDrill, n: int, text: str = "burst", pad: int = 0) -> None:
    """Write n notes as one participant's commands, letting the loop run between them as the engine does."""
    if "observer" not in team.hub.roles_of("writer"):
        team.hub.join("writer", "uid:test", "socket", ["observer"])
    for i in range(n):
        if i % 50 == 0:
            await asyncio.sleep(0)
        result = team.hub.dispatch(
            "writer", Command(id=f"{text}-{i}", name="note", role="observer", args={"text": f"{text} {i} " + "x" * pad})
        )
        assert result.ok, result.reason


def assert_exact_copy(team: TeamDrill, events: list[Event]) -> None:
    """The follower saw every event of the log once, in order (seals included), nothing else."""
    log = team.events()
    assert [e.seq for e in events] == list(range(len(events)))
    assert [e.hash for e in events] == [e.hash for e in log[: len(events)]]


async def test_joining_during_a_burst_gets_every_event_once(team: TeamDrill) -> None:
    loop = asyncio.get_running_loop()
    writing = loop.run_in_executor(
        None, lambda: None
    )  # the engine writes in its own loop: interleave joins with writes
    await writing
    followers = []
    for round_ in range(5):
        await burst(team, 400, f"r{round_}")
        followers.append(await team.join(f"late{round_}"))
    await burst(team, 400, "tail")
    head = team.engine.log.next_seq - 1
    for follower in followers:
        await follower.wait_seq(head)
        assert_exact_copy(team, follower.events)  # type: ignore[attr-defined]


async def test_a_follower_that_stops_reading_is_dropped_and_rejoins_with_no_gap_or_duplicate(team: TeamDrill) -> None:
    team.server.lag_limit = 200
    events: list[Event] = []
    notes: list[str] = []
    slow = Follower(team.socket, "slow", on_event=events.append, on_note=notes.append)
    await slow.join()  # joined, but not reading: the kernel buffers fill and the engine keeps writing
    other = await team.join("steady")
    await burst(team, 2000, pad=4000)  # 8 MB: more than the kernel and the follower's own buffer hold
    head = team.engine.log.next_seq - 1
    assert "slow" not in {c.person for c in team.server.connections}  # dropped at the limit
    await other.wait_seq(head)  # the others were not held up
    runner = asyncio.get_running_loop().create_task(slow.run())  # reads what was buffered (ends mid-line), reconnects
    await slow.wait_seq(head, timeout=30)
    assert slow.connections == 2 and "reconnected to the engine" in notes
    assert_exact_copy(team, events)
    left = [e for e in by_type(team.events(), EventType.PARTICIPANT_LEFT) if e.data["person"] == "slow"]
    assert left and "behind" in left[0].data["reason"]
    await slow.close()
    await asyncio.wait_for(runner, 10)


async def test_a_diverged_copy_is_resynced_from_the_start_with_a_visible_note(team: TeamDrill) -> None:
    await burst(team, 20)
    resyncs: list[str] = []
    events: list[Event] = []
    follower = Follower(team.socket, "dana", on_event=events.append, on_resync=resyncs.append)
    follower.last_seq, follower.last_hash = 5, "0" * 64  # a copy that does not match the log at event 5
    await follower.join()
    task = asyncio.get_running_loop().create_task(follower.run())
    await follower.wait_seq(team.engine.log.next_seq - 1)
    assert resyncs == ["your copy differs from the log at event 5"]
    assert_exact_copy(team, events)
    await follower.close()
    await asyncio.wait_for(task, 10)


async def test_a_follower_continues_from_its_last_seq_and_hash(team: TeamDrill) -> None:
    first = await team.join("erin")
    await burst(team, 50, "a")
    head = team.engine.log.next_seq - 1
    await first.wait_seq(head)
    await first.close()
    await burst(team, 50, "b")
    events: list[Event] = []
    again = Follower(team.socket, "erin", on_event=events.append)
    again.last_seq, again.last_hash = first.last_seq, first.last_hash
    await again.join()
    assert again.welcome is not None and again.welcome.from_seq == head + 1 and again.welcome.resync is None
    task = asyncio.get_running_loop().create_task(again.run())
    await again.wait_seq(team.engine.log.next_seq - 1)
    assert events[0].seq == head + 1
    await again.close()
    await asyncio.wait_for(task, 10)


async def test_a_protocol_version_mismatch_gives_a_clear_error(team: TeamDrill) -> None:
    with pytest.raises(JoinError, match=r"protocol version 2 is not supported: this engine speaks version 1"):
        await Follower(team.socket, "future", protocol=2).join()


async def test_a_name_held_by_another_account_or_a_forged_or_expired_invite_is_refused_and_logged(
    team: TeamDrill, tmp_path: Path
) -> None:
    key = Sealer.for_installation().private
    token = make_token(key, Invite("frank", ("steward",), time.time() + 600, None))
    frank = await team.join("frank", token=token)
    assert frank.welcome is not None and frank.welcome.roles == ["steward"]
    await frank.close()
    with pytest.raises(JoinError, match="the name frank belongs to token"):
        await Follower(team.socket, "frank").join()  # same name, no invite: the kernel's account is not the invite
    with pytest.raises(JoinError, match="the invite is for frank, not mallory"):
        await Follower(team.socket, "mallory", token=token).join()
    expired = make_token(key, Invite("gina", ("steward",), time.time() - 1, None))
    with pytest.raises(JoinError, match="invite token for gina expired"):
        await Follower(team.socket, "gina", token=expired).join()
    other_key = Sealer.for_installation(tmp_path / "other-keys").private
    forged = make_token(other_key, Invite("gina", ("commander",), time.time() + 600, None))
    with pytest.raises(JoinError, match="not signed by this installation"):
        await Follower(team.socket, "gina", token=forged).join()
    limited = await team.join(
        "hal", ["commander"], token=make_token(key, Invite("hal", ("steward",), time.time() + 600, None))
    )
    assert limited.welcome is not None and limited.welcome.roles == []
    denied = [e.data["reason"] for e in by_type(team.events(), EventType.ACCESS_DENIED)]
    assert any("belongs to token" in r for r in denied)
    assert any("expired" in r for r in denied)
    assert any("hal's invite does not include role commander" in r for r in denied)


def connect_as_nobody(path: str) -> str:
    """Connect from another Unix account (a forked child drops to nobody) and say hello: what happened, in one line."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only system calls, then _exit
        try:
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(10)
            sock.connect(path)
            sock.sendall(b'{"kind":"hello","protocol":1,"person":"nobody"}\n')
            answer = sock.makefile("rb").readline()
            os.write(write_end, answer or b"closed")
        except OSError as exc:
            os.write(write_end, f"oserror {exc.errno}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as f:
        return f.read().decode()


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another account needs root (CI runs as root)")
async def test_the_socket_is_owner_only_and_another_account_is_refused(team: TeamDrill) -> None:
    real = Path(identity.connect_path(team.socket))
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(None, connect_as_nobody, str(real))
    assert answer == f"oserror {errno.EACCES}"  # the kernel refuses: 0600
    # Even with the file opened up, the engine checks the kernel's word for the peer and refuses (and logs it).
    os.chmod(real, 0o666)
    os.chmod(real.parent, 0o711)
    try:
        answer = await loop.run_in_executor(None, connect_as_nobody, str(real))
        assert '"code":"auth"' in answer and "uid:nobody may not join this drill" in answer
        # and a socket anyone may write to is not trusted by a participant
        with pytest.raises(JoinError, match="world-writable"):
            await Follower(team.socket, "ivan").join()
    finally:
        os.chmod(real, 0o600)
        os.chmod(real.parent, 0o700)
    denied = [e.data["reason"] for e in by_type(team.events(), EventType.ACCESS_DENIED)]
    assert "uid:nobody may not join this drill (only the engine's account or its --group)" in denied


def test_peer_rules_by_account_and_group() -> None:
    me = identity.Peer(1, os.geteuid(), os.getegid())
    stranger = identity.Peer(1, 65534, 65534)
    assert identity.peer_allowed(me, None) is None
    reason = identity.peer_allowed(stranger, None)
    assert reason is not None and "may not join this drill" in reason
    assert identity.peer_allowed(stranger, 65534) is None  # a member of --group (by primary group)
