"""Team drills across hosts on NATS JetStream (the optional extra `drillconsole[nats]`).

The engine publishes every line it writes to the stream `DRILL_<id>` on the
subject `drill.<id>.events` — stream sequence = log seq + 1 (JetStream counts
from 1), message id = `<session>:<seq>`, each publish expecting the previous
sequence, so a second engine for the same drill is refused by the broker
itself. Participants send commands on `drill.<id>.commands.<person>`; the
broker's per-user permissions (README) decide who may publish there, so the
subject names the person. The local log stays the source of truth: when the
broker is down the drill carries on and the bridge backfills from the log.

NATS has no connection that closes when a participant goes, so a participant
says so: a `leave` when its console quits or `--follow` ends (Ctrl-C too), and a
`heartbeat` every `HEARTBEAT` seconds meanwhile. The bridge logs
`participant.left` (by the person, like the socket server when a connection
ends) on the leave, or once `LIVENESS` seconds pass without a word from them
(killed, cut off); a later heartbeat or hello seats them again
(`participant.joined`). While the bridge itself is cut off from the broker it
marks nobody left.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import Event
from drillconsole.log.lines import check_line
from drillconsole.team.follower import JoinError
from drillconsole.team.hub import Hub, JoinRefused
from drillconsole.team.identity import NatsUnavailable
from drillconsole.team.protocol import (
    NAME,
    PROTOCOL,
    Command,
    Failure,
    Heartbeat,
    Hello,
    Leave,
    ProtocolError,
    Result,
    Welcome,
    decode_client,
    encode,
)

WRONG_LAST_SEQUENCE = 10071
"""JetStream's error code when a publish's expected last sequence does not hold (another writer)."""

HEARTBEAT = 3.0
"""Seconds between a NATS participant's heartbeats."""

LIVENESS = 12.0
"""Seconds without a word from a NATS participant (four heartbeats missed) before the engine logs them as left."""

VANISHED = "vanished: no heartbeat for {seconds:g} s"
"""The `participant.left` reason of a NATS participant that stopped without leaving."""


def require_nats() -> Any:
    try:
        import nats
    except ImportError:
        raise NatsUnavailable("NATS needs the nats extra: pip install 'drillconsole[nats]'") from None
    return nats


def subjects(drill: str) -> tuple[str, str, str]:
    """(stream name, events subject, commands subject prefix) of a drill id."""
    token = re.sub(r"[^A-Za-z0-9_-]", "_", drill)
    return f"DRILL_{token}", f"drill.{token}.events", f"drill.{token}.commands"


class NatsBridge:
    """Publishes the log to JetStream and takes participants' commands from NATS; never blocks the engine."""

    def __init__(
        self,
        hub: Hub,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        liveness: float = LIVENESS,
    ) -> None:
        self.hub = hub
        self.liveness = liveness
        """Seconds without a word from a participant before they are logged as left (see `LIVENESS`)."""
        self.links: dict[str, tuple[str, float]] = {}
        """Each live NATS participant's link id → (person, loop time last heard from)."""
        self.url, self.user, self.password = url, user, password
        self.stream, self.subject, self.commands = subjects(hub.state.playbook.drill.id)
        log = hub.engine.log
        self.history: list[bytes] = _file_lines(log.path)
        log.observers.append(self._written)
        self.session = self._session_id()
        self.published = 0
        """How many log lines the stream holds (the next one to publish)."""
        self.status = "connecting"
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._nc: Any = None

    def _session_id(self) -> str:
        first = self.history[0] if self.history else b""
        event, _ = check_line(first.rstrip(b"\n")) if first else (None, None)
        return event.hash[:16] if event is not None else uuid.uuid4().hex[:16]

    def _written(self, event: Event, line: bytes) -> None:
        if not self.history:
            self.session = event.hash[:16]
        self.history.append(line)
        self._wake.set()

    async def start(self) -> None:
        """Connect (in the background: a broker that is down never delays the drill)."""
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run())
        self._watch = loop.create_task(self._watch_links())

    async def close(self, grace: float = 2.0) -> None:
        """Publish what is left (up to `grace` seconds), then disconnect."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    while self.status == "connected" and self.published < len(self.history):
                        self._progress.clear()
                        await self._progress.wait()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _run(self) -> None:
        nats = require_nats()
        delay = 0.1
        while self._nc is None:
            try:
                self._nc = await _connect(nats, self.url, self.user, self.password, self._down, self._up)
            except Exception:  # down or refusing: the drill carries on, we try again
                self.status = "down"
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        self.status = "connected"
        js = self._nc.jetstream()
        if not await self._claim(js):
            return
        await self._nc.subscribe(f"{self.commands}.*", cb=self._command)
        await self._publish(js)

    async def _down(self) -> None:
        if self.status != "shut out":
            self.status = "down"

    async def _up(self) -> None:
        if self.status != "shut out":
            self.status = "connected"
        self._heard_all()  # silence while we were cut off says nothing about them
        self._wake.set()

    # --- who is still there ------------------------------------------------------------

    def _heard_all(self) -> None:
        now = asyncio.get_running_loop().time()
        self.links = {link: (person, now) for link, (person, _) in self.links.items()}

    def _heard(self, person: str) -> None:
        """Any message from a person says each of their links is alive."""
        now = asyncio.get_running_loop().time()
        for link, (who, _) in list(self.links.items()):
            if who == person:
                self.links[link] = (who, now)

    def _seat(self, person: str, link: str, roles: list[str]) -> tuple[list[str], list[str]]:
        """Seat one link of a person: a new link joins them (`participant.joined` if it is their first)."""
        if link in self.links:  # the same hello again (its answer was lost): claim the roles, no second seat
            self._heard(person)
            refused = [r for r in (self.hub.assume(person, role) for role in roles) if r is not None]
            return self.hub.roles_of(person), refused
        held = self.hub.join(person, f"nats:{person}", "nats", roles)
        self.links[link] = (person, asyncio.get_running_loop().time())
        return held

    def _gone(self, link: str, reason: str) -> None:
        """A link ended: the person's last one logs `participant.left` (the socket server's `hub.leave`)."""
        entry = self.links.pop(link, None)
        if entry is not None:
            self.hub.leave(entry[0], reason)

    async def _watch_links(self) -> None:
        """Log as left whoever has not been heard from for `liveness` seconds (while we hear the broker)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(1.0, self.liveness / 4))
            if self.status != "connected":
                continue
            cutoff = loop.time() - self.liveness
            for link, (_person, seen) in list(self.links.items()):
                if seen < cutoff:
                    self._gone(link, VANISHED.format(seconds=self.liveness))

    async def _claim(self, js: Any) -> bool:
        """Make the stream ours: new, already this session's (resume), or a finished session's (purged)."""
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        while True:
            try:
                try:
                    info = await js.stream_info(self.stream)
                except NotFoundError:
                    config = StreamConfig(
                        name=self.stream, subjects=[self.subject], storage=StorageType.FILE, duplicate_window=120.0
                    )
                    info = await js.add_stream(config)
                last = info.state.last_seq
                if last == 0:
                    self.published = 0
                    return True
                held = await js.get_msg(self.stream, last)
                if last <= len(self.history) and held.data == self.history[last - 1].rstrip(b"\n"):
                    self.published = last  # our own session: continue after a restart
                    return True
                if await self._finished(js, last):
                    await js.purge_stream(self.stream)
                    self.published = 0
                    return True
                self._shut_out()
                return False
            except Exception:
                if self.status == "shut out":
                    return False
                await asyncio.sleep(0.5)

    async def _finished(self, js: Any, last: int) -> bool:
        """Whether the session the stream holds has ended (its last lines hold `session.ended`)."""
        for seq in range(last, max(0, last - 3), -1):
            msg = await js.get_msg(self.stream, seq)
            event, _ = check_line(msg.data)
            if event is not None and event.type == EventType.SESSION_ENDED:
                return True
        return False

    def _shut_out(self) -> None:
        self.status = "shut out"
        drill = self.hub.state.playbook.drill.id
        if self.hub.writable:
            data = {
                "where": "nats bridge",
                "error": f"another engine publishes drill {drill} on NATS; this one does not",
            }
            self.hub.engine.emit(EventType.ENGINE_ERROR, ENGINE, data)

    async def _publish(self, js: Any) -> None:
        from nats.js.errors import APIError

        while True:
            if self.published >= len(self.history):
                self._wake.clear()
                await self._wake.wait()
                continue
            seq = self.published
            headers = {"Nats-Msg-Id": f"{self.session}:{seq}", "Nats-Expected-Last-Sequence": str(seq)}
            try:
                await js.publish(
                    self.subject, self.history[seq].rstrip(b"\n"), timeout=2, stream=self.stream, headers=headers
                )
            except APIError as exc:
                if exc.err_code == WRONG_LAST_SEQUENCE:
                    self._shut_out()
                    return
                await asyncio.sleep(0.2)
                continue
            except Exception:  # timeouts, no responders, a reconnect under way: retry the same line
                await asyncio.sleep(0.2)
                continue
            self.published = seq + 1
            self._progress.set()

    async def _published_through(self, seq: int, grace: float = 2.0) -> None:
        """Wait (up to `grace` seconds) until the stream holds log seq `seq`."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                while self.status == "connected" and self.published <= seq:
                    self._progress.clear()
                    await self._progress.wait()

    async def _command(self, msg: Any) -> None:
        person = msg.subject.rsplit(".", 1)[-1]
        try:
            message = decode_client(msg.data)
        except ProtocolError as exc:
            await msg.respond(encode(Failure(code="protocol", message=str(exc))))
            return
        if not re.match(NAME, person):
            await msg.respond(encode(Failure(code="name", message=f"'{person}' is not a usable name")))
            return
        account = f"nats:{person}"
        if isinstance(message, Heartbeat):
            owner = self.links.get(message.link)
            if owner is not None:
                if owner[0] == person:
                    self._heard(person)
            elif self.hub.state.participants.get(person, {}).get("account", account) == account:
                self._seat(person, message.link, [])  # marked left (cut off too long), or the engine restarted
            return
        if isinstance(message, Leave):
            if self.links.get(message.link, ("",))[0] == person:
                self._gone(message.link, "disconnected")
            return
        self._heard(person)
        if isinstance(message, Hello):
            try:
                if message.link is not None:
                    roles, _refused = self._seat(person, message.link, message.roles)
                else:
                    roles, _refused = self.hub.join(person, account, "nats", message.roles)
            except JoinRefused as exc:
                await msg.respond(encode(Failure(code="name", message=str(exc))))
                return
            welcome = Welcome(
                protocol=PROTOCOL, drill=self.hub.state.playbook.drill.id, person=person, roles=roles, from_seq=0
            )
            await self._published_through(self.hub.state.seq)  # the stream shows the join before the welcome
            await msg.respond(encode(welcome))
            return
        if person not in self.hub.state.participants:
            try:
                self.hub.join(person, account, "nats", [])
            except JoinRefused as exc:
                await msg.respond(encode(Result(id=message.id, ok=False, reason=str(exc))))
                return
        await msg.respond(encode(self.hub.dispatch(person, message)))


async def _quiet(exc: Exception) -> None:
    """Connection errors are expected while the broker is down; the bridge's status says so."""


async def _connect(
    nats: Any, url: str, user: str | None, password: str | None, down: Any, up: Any, **extra: Any
) -> Any:
    """A connection that keeps reconnecting by itself, telling `down` and `up` (the engine's bridge and followers)."""
    return await nats.connect(
        url,
        user=user,
        password=password,
        connect_timeout=2,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=_quiet,
        disconnected_cb=down,
        reconnected_cb=up,
        **extra,
    )


def _file_lines(path: Any) -> list[bytes]:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    return [line + b"\n" for line in data.split(b"\n") if line.strip()]


class NatsFollower:
    """A participant over NATS: follows the stream from its last seq and sends commands on its own subject.

    It has the shape of the socket's `Follower` (`join`, `run`, `caught_up`,
    `command`, `close`), so `RemoteEngine` and the participant console use
    either. The broker's user is who the person is: the subject names them and
    the broker's permissions stop anyone else publishing on it. nats-py
    reconnects by itself and the ordered consumer resumes after the last event
    held; a command is resent with the same id until answered, so it has one
    effect however often it is delivered. It sends a heartbeat every
    `heartbeat` seconds and a leave on `close`, so the engine logs when the
    person goes (see the module's docstring).
    """

    def __init__(
        self,
        url: str,
        drill: str,
        person: str,
        roles: list[str] | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
        on_event: Callable[[Event], None] | None = None,
        on_note: Callable[[str], None] | None = None,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self.url, self.user, self.password = url, user, password
        self.heartbeat = heartbeat
        self.link = uuid.uuid4().hex
        """This participant's id in its hello, heartbeats and leave (a person may have several consoles)."""
        self.person = person
        self.roles = list(roles or [])
        self.drill = drill
        self.stream, self.subject, commands = subjects(drill)
        self.command_subject = f"{commands}.{person}"
        self.on_event = on_event
        self.on_note = on_note
        self.last_seq = -1
        self.last_hash: str | None = None
        self.welcome: Welcome | None = None
        self.caught_up = asyncio.Event()
        self.ended = False
        self._head = -1
        self._changed = asyncio.Event()
        self._closed = asyncio.Event()
        self._nc: Any = None
        self._sub: Any = None
        self._beat: asyncio.Task[None] | None = None
        self._left = False

    async def join(self, roles: list[str] | None = None) -> Welcome:
        """Connect, say hello (claiming roles), and follow the stream from the first event not held.

        Raises JoinError with one line when the broker or the engine refuses, or does not answer.
        """
        if roles is not None:
            self.roles = list(roles)
        try:
            require_nats()
            from nats.js.api import ConsumerConfig, DeliverPolicy

            self._nc = await _connect(
                require_nats(),
                self.url,
                self.user,
                self.password,
                self._down,
                self._up,
                inbox_prefix=f"_INBOX.{self.person}",  # answers and events come to the person's own inboxes
            )
            hello = Hello(protocol=PROTOCOL, person=self.person, roles=self.roles, link=self.link)
            answer = await self._nc.request(self.command_subject, encode(hello), timeout=5)
            welcome: Welcome = _answer(answer.data, Welcome)
            js = self._nc.jetstream()
            self._head = (await js.stream_info(self.stream)).state.last_seq - 1
            config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self.last_seq + 2)
            self._sub = await js.subscribe(
                self.subject, stream=self.stream, ordered_consumer=True, config=config, cb=self._take
            )
        except ProtocolError as exc:
            await self.close()
            raise JoinError(str(exc)) from None
        except NatsUnavailable as exc:
            raise JoinError(str(exc)) from None
        except Exception as exc:  # refused, no engine on this drill, a permissions violation, unreachable
            await self.close()
            raise JoinError(f"{_redacted(self.url)}: cannot join drill {self.drill} over NATS ({_why(exc)})") from None
        self.welcome = welcome
        self._beat = asyncio.get_running_loop().create_task(self._beats())
        if self.last_seq >= self._head:
            self.caught_up.set()
        return welcome

    async def _beats(self) -> None:
        """Tell the engine every `heartbeat` seconds that this participant is still there."""
        beat = encode(Heartbeat(link=self.link))
        while True:
            await asyncio.sleep(self.heartbeat)
            with contextlib.suppress(Exception):  # the broker is down: nats-py holds it, or the next one goes
                await self._nc.publish(self.command_subject, beat)

    async def _down(self) -> None:
        if self.on_note is not None and not self._closed.is_set():
            self.on_note("the broker is unreachable; the drill carries on at the engine (reconnecting)")

    async def _up(self) -> None:
        if self.on_note is not None:
            self.on_note("reconnected to the broker")

    async def _take(self, msg: Any) -> None:
        event, _ = check_line(msg.data)
        if event is None or event.seq != self.last_seq + 1:
            return  # the ordered consumer redelivers in order; anything else is not ours to show
        if self.last_hash is not None and event.prev != self.last_hash:
            return
        self.last_seq, self.last_hash = event.seq, event.hash
        if event.type == EventType.SESSION_ENDED:
            self.ended = True
        if self.on_event is not None:
            self.on_event(event)
        if self.last_seq >= self._head:
            self.caught_up.set()
        self._changed.set()
        if self.ended:
            self._closed.set()

    async def run(self) -> None:
        """Follow until the drill ends or `close()` (nats-py reconnects meanwhile)."""
        await self._closed.wait()

    async def wait_seq(self, seq: int, timeout: float = 10.0) -> None:
        """Wait until event `seq` has arrived."""
        async with asyncio.timeout(timeout):
            while self.last_seq < seq:
                self._changed.clear()
                await self._changed.wait()

    async def command(
        self, name: str, role: str, *, id: str | None = None, timeout: float | None = 5.0, **args: Any
    ) -> Result:
        """Send one command as this person and wait for the answer, resending it (same id) until `timeout`."""
        command = Command(id=id or uuid.uuid4().hex, name=name, role=role, args=args)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout if timeout is not None else 30.0)
        while True:
            attempt = max(0.1, min(2.0, deadline - loop.time()))
            try:
                answer = await self._nc.request(self.command_subject, encode(command), timeout=attempt)
                result: Result = _answer(answer.data, Result)
                return result
            except ProtocolError as exc:
                return Result(id=command.id, ok=False, reason=str(exc))
            except Exception as exc:  # no answer yet (broker down, engine restarting): resend with the same id
                if loop.time() >= deadline:
                    return Result(id=command.id, ok=False, reason=f"no answer from the engine over NATS ({_why(exc)})")
                await asyncio.sleep(0.2)

    async def close(self) -> None:
        """Leave (the engine logs `participant.left`) and disconnect; idempotent."""
        self._closed.set()
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        if self.welcome is not None and not self._left and self._nc is not None and self._nc.is_connected:
            self._left = True
            with contextlib.suppress(Exception):  # leaving never hangs: unheard, the engine's liveness check ends it
                await self._nc.publish(self.command_subject, encode(Leave(link=self.link)))
                await self._nc.flush(timeout=1)
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()


def _why(exc: Exception) -> str:
    """A NATS error in a few words (nats-py's messages start with 'nats: ')."""
    text = str(exc).removeprefix("nats: ").strip()
    return text or type(exc).__name__


def _redacted(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", url)


def _answer(data: bytes, kind: type[Any]) -> Any:
    from drillconsole.team.protocol import decode_server

    message = decode_server(data)
    if isinstance(message, Failure):
        raise ProtocolError(message.message)
    if not isinstance(message, kind):
        raise ProtocolError(f"unexpected answer: {message.kind}")
    return message
