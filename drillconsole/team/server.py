"""The participants' Unix socket beside the log: the kernel says who connects, the hub applies their commands, every written line goes out.

Each connection reads the shared history of log lines through its own cursor,
so the engine only appends a line and wakes the writers: a participant that
stops reading falls behind, and once it is `lag_limit` lines behind it is
dropped (it reconnects and catches up from its last seq and hash) without ever
slowing the engine or the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillconsole.log.events import Event
from drillconsole.log.lines import parse, split
from drillconsole.team import identity
from drillconsole.team.hub import Hub, JoinRefused
from drillconsole.team.protocol import (
    MAX_LINE,
    PROTOCOL,
    CaughtUp,
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
from drillconsole.team.tokens import TokenError, check_token

LAG_LIMIT = 20_000
"""Lines a participant may fall behind the head (beyond what it had to catch up) before it is dropped."""

CHUNK = 512
"""Lines written to one participant before waiting for its socket to drain."""

HELLO_TIMEOUT = 10.0
"""Seconds a new connection has to say hello."""

MAX_PARTICIPANTS = 256
"""Connections served at once; more are refused with a clear error."""


@dataclass(eq=False)
class _Connection:
    person: str
    writer: asyncio.StreamWriter
    cursor: int
    allowance: int
    caught_up_at: int
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    reason: str = "disconnected"


class TeamServer:
    """Serves one drill's hub on a Unix socket; bound when built (errors early), served once `start` runs in the loop."""

    def __init__(self, hub: Hub, path: Path, *, group: str | None = None, lag_limit: int = LAG_LIMIT) -> None:
        self.hub = hub
        self.path = Path(path)
        self.lag_limit = lag_limit
        self.group = identity.group_id(group) if group else None
        self.drill = hub.state.playbook.drill.id
        self.key: Any = None
        log_path = Path(hub.engine.log.path)
        self.history: list[bytes] = _lines(log_path)
        hub.engine.log.observers.append(self._written)
        self.connections: set[_Connection] = set()
        self.sock = self._bind()
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._progress = asyncio.Event()

    def _bind(self) -> socket.socket:
        identity.remove_stale(self.path)
        real = identity.bind_path(self.path)
        if real != self.path:
            identity.remove_stale(real)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # never a moment with looser permissions than asked
        try:
            sock.bind(str(real))
        finally:
            os.umask(old)
        identity.secure(real, self.group)
        if real != self.path:
            os.symlink(real, self.path)
        sock.listen(64)
        sock.setblocking(False)
        return sock

    # --- the log side -----------------------------------------------------------

    def _written(self, event: Event, line: bytes) -> None:
        """Log observer: share the line, wake every writer, drop whoever fell too far behind."""
        self.history.append(line)
        head = len(self.history)
        for conn in list(self.connections):
            if head - conn.cursor > conn.allowance:
                self._drop(conn, f"dropped: more than {self.lag_limit} events behind")
            else:
                conn.wake.set()

    def _drop(self, conn: _Connection, reason: str) -> None:
        conn.closed, conn.reason = True, reason
        self._progress.set()
        self.connections.discard(conn)
        conn.wake.set()
        transport = conn.writer.transport
        if transport is not None:
            transport.abort()  # mid-line if need be: the participant resumes from its last whole event

    # --- serving -------------------------------------------------------------------

    async def start(self) -> None:
        """Begin accepting participants."""
        self._server = await asyncio.start_unix_server(self._serve, sock=self.sock, limit=MAX_LINE)

    async def close(self, grace: float = 2.0) -> None:
        """Stop accepting, let every participant receive the last events (up to `grace` seconds), then close."""
        if self._server is not None:
            self._server.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._flushed(), grace)
        for conn in list(self.connections):
            conn.reason = "the engine stopped"
            self._drop(conn, conn.reason)
        # Closed transports end every session by itself; cancelling a handler would be reported by asyncio.
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace)
        for task in list(self._tasks):
            task.cancel()
        self._unlink()

    async def _flushed(self) -> None:
        while any(c.cursor < len(self.history) for c in self.connections):
            self._progress.clear()
            await self._progress.wait()

    def _unlink(self) -> None:
        real = identity.bind_path(self.path)
        for path in {self.path, real}:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._session(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            # Closing the server: end quietly (asyncio's stream callback reports a handler that ends cancelled).
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _refuse(self, writer: asyncio.StreamWriter, code: str, message: str) -> None:
        writer.write(encode(Failure(code=code, message=message)))
        with contextlib.suppress(ConnectionError):
            await writer.drain()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = identity.peer_of(writer.get_extra_info("socket"))
        problem = identity.peer_allowed(peer, self.group)
        if problem is not None:
            self.hub.deny(None, "join", problem)
            await self._refuse(writer, "auth", problem)
            return
        if len(self.connections) >= MAX_PARTICIPANTS:
            await self._refuse(writer, "limit", f"this drill already serves {MAX_PARTICIPANTS} connections")
            return
        try:
            hello = decode_client(await asyncio.wait_for(reader.readline(), HELLO_TIMEOUT))
        except ProtocolError as exc:
            await self._refuse(writer, "protocol", str(exc))
            return
        except TimeoutError:
            return
        if not isinstance(hello, Hello):
            await self._refuse(writer, "protocol", "the first message must be hello")
            return
        person, account, invite = hello.person, peer.account, None
        if hello.token is not None:
            try:
                invite = check_token(self._key(), hello.token, self.drill)
            except TokenError as exc:
                self.hub.deny(None, "join", f"{hello.person} ({peer.account}): {exc}")
                await self._refuse(writer, "auth", str(exc))
                return
            if hello.person not in (invite.person, ""):
                message = f"the invite is for {invite.person}, not {hello.person}"
                self.hub.deny(None, "join", message)
                await self._refuse(writer, "name", message)
                return
            person, account = invite.person, "token"
        if not self.hub.writable:
            await self._refuse(writer, "ended", "the drill has ended")
            return
        try:
            roles, refused = self.hub.join(person, account, "socket", hello.roles, invite)
        except JoinRefused as exc:
            await self._refuse(writer, "name", str(exc))
            return
        start, resync = self._start_for(hello)
        head = len(self.history)
        conn = _Connection(person, writer, start, head - start + self.lag_limit, head)
        welcome = Welcome(
            protocol=PROTOCOL, drill=self.drill, person=person, roles=roles, from_seq=start, resync=resync
        )
        writer.write(encode(welcome))
        for reason in refused:
            writer.write(encode(Result(id="join", ok=False, reason=reason)))
        self.connections.add(conn)
        pump = asyncio.create_task(self._pump(conn))
        self._tasks.add(pump)
        try:
            await self._read_commands(reader, conn)
        finally:
            conn.closed = True
            self.connections.discard(conn)
            conn.wake.set()
            pump.cancel()
            self._tasks.discard(pump)
            self.hub.leave(person, conn.reason)

    def _start_for(self, hello: Hello) -> tuple[int, str | None]:
        """Where this participant's copy continues, or 0 with the reason it is resynced."""
        if hello.after_seq < 0:
            return 0, None
        if hello.after_seq >= len(self.history):
            return 0, f"your copy ends at event {hello.after_seq}, past the log's head {len(self.history) - 1}"
        if _hash_of(self.history[hello.after_seq]) != hello.after_hash:
            return 0, f"your copy differs from the log at event {hello.after_seq}"
        return hello.after_seq + 1, None

    def _key(self) -> Any:
        if self.key is None:
            from drillconsole.log.seal import Sealer

            self.key = Sealer.for_installation().private
        return self.key

    async def _read_commands(self, reader: asyncio.StreamReader, conn: _Connection) -> None:
        while not conn.closed:
            line = await reader.readline()
            if not line:
                return  # the participant left, or was dropped (then `reason` says why)
            try:
                message = decode_client(line)
            except ProtocolError as exc:
                conn.writer.write(encode(Failure(code="bad", message=str(exc))))
                continue
            if isinstance(message, Heartbeat):
                continue  # the connection itself says the participant is there
            if isinstance(message, Leave):
                return
            if not isinstance(message, Command):
                conn.writer.write(encode(Failure(code="bad", message="hello was already said")))
                continue
            result = self.hub.dispatch(conn.person, message)
            if not conn.closed:
                conn.writer.write(encode(result))

    async def _pump(self, conn: _Connection) -> None:
        """Write the history from the connection's cursor, waiting for the socket to drain after each chunk."""
        sent_caught_up = False
        while not conn.closed:
            head = len(self.history)
            if conn.cursor < head:
                end = min(head, conn.cursor + CHUNK)
                conn.writer.write(b"".join(self.history[conn.cursor : end]))
                conn.cursor = end
                if not sent_caught_up and conn.cursor >= conn.caught_up_at:
                    conn.writer.write(encode(CaughtUp(head_seq=conn.cursor - 1)))
                    sent_caught_up = True
                try:
                    await conn.writer.drain()
                except ConnectionError:
                    return
                self._progress.set()
                continue
            if not sent_caught_up:
                conn.writer.write(encode(CaughtUp(head_seq=head - 1)))
                sent_caught_up = True
            conn.wake.clear()
            self._progress.set()
            await conn.wake.wait()


def _lines(path: Path) -> list[bytes]:
    """The log's lines so far, each with its newline (a resumed drill's history)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [line + b"\n" for line in data.split(b"\n") if line.strip()]


def _hash_of(line: bytes) -> str | None:
    """The hash of a log line: sliced off a schema-2 line, read from a schema-1 one."""
    body = line.rstrip(b"\n")
    parts = split(body)
    if parts is not None:
        return parts[1].decode("ascii")
    event = parse(body)
    return None if event is None else event.hash
