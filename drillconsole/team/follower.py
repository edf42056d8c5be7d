"""A participant's connection: join, catch up from its last seq and hash, follow, send commands that survive reconnects.

Every event arrives as the log line the engine wrote; the follower checks its
hash and that it continues the chain, so a gap, a duplicate or a diverged copy
is noticed and resynced rather than shown. When the engine goes away (killed,
restarted with `--resume`) the follower reconnects by itself and resends every
command not yet answered, with its id: the engine applies each id once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.lines import check_line
from drillconsole.team import identity
from drillconsole.team.protocol import (
    MAX_LINE,
    PROTOCOL,
    CaughtUp,
    Command,
    Failure,
    Hello,
    ProtocolError,
    Result,
    Welcome,
    decode_server,
    encode,
    is_event,
)


class JoinError(Exception):
    """The engine refused this participant, or cannot be reached (one line, meant for the user)."""


class Follower:
    """Follows one drill's log over its socket as one person; `on_event` sees each event once, in order."""

    def __init__(
        self,
        socket_path: Path,
        person: str,
        roles: list[str] | None = None,
        *,
        token: str | None = None,
        on_event: Callable[[Event], None] | None = None,
        on_resync: Callable[[str], None] | None = None,
        on_note: Callable[[str], None] | None = None,
        protocol: int = PROTOCOL,
        reconnect: bool = True,
        retry_for: float = 60.0,
    ) -> None:
        self.socket_path = Path(socket_path)
        self.person = person
        self.roles = list(roles or [])
        self.token = token
        self.on_event = on_event
        self.on_resync = on_resync
        self.on_note = on_note
        self.protocol = protocol
        self.reconnect = reconnect
        self.retry_for = retry_for
        self.last_seq = -1
        self.last_hash: str | None = None
        self.welcome: Welcome | None = None
        self.caught_up = asyncio.Event()
        self.connected = asyncio.Event()
        self.connections = 0
        self.ended = False
        self._pending: dict[str, tuple[Command, asyncio.Future[Result]]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._changed = asyncio.Event()
        self._closing = False

    # --- connecting ---------------------------------------------------------------

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        problem = identity.check_socket(self.socket_path)
        if problem is not None:
            raise JoinError(problem)
        try:
            reader, writer = await asyncio.open_unix_connection(identity.connect_path(self.socket_path), limit=MAX_LINE)
        except PermissionError:
            raise JoinError(
                f"{self.socket_path}: permission denied (ask the engine's owner for --group or an invite)"
            ) from None
        except OSError as exc:
            raise JoinError(f"{self.socket_path}: {exc.strerror or exc}") from None
        hello = Hello(
            protocol=self.protocol,
            person=self.person,
            roles=self.roles,
            token=self.token,
            after_seq=self.last_seq,
            after_hash=self.last_hash,
        )
        writer.write(encode(hello))
        line = await reader.readline()
        if not line:
            writer.close()
            raise JoinError(f"{self.socket_path}: the engine closed the connection")
        message = _control(line)
        if isinstance(message, Failure):
            writer.close()
            raise JoinError(message.message)
        if not isinstance(message, Welcome):
            writer.close()
            raise JoinError("the engine did not welcome this participant")
        if message.protocol != PROTOCOL:
            writer.close()
            raise JoinError(f"the engine speaks protocol {message.protocol}, this drillconsole {PROTOCOL}")
        self.welcome = message
        self.person = message.person
        if message.resync is not None:
            self.last_seq, self.last_hash = -1, None
            if self.on_resync is not None:
                self.on_resync(message.resync)
        return reader, writer

    async def join(self) -> None:
        """Connect once (raises JoinError with the engine's reason)."""
        self._reader, self._writer = await self._open()
        self.connections += 1
        self.connected.set()

    async def run(self) -> None:
        """Follow until the drill ends or `close()`; reconnect after a lost connection if asked to."""
        if self._writer is None:
            await self.join()
        while not self._closing:
            await self._resend()
            await self._follow(self._reader)
            self.connected.clear()
            self._writer = None
            if self._closing or self.ended or not self.reconnect:
                break
            await self._reconnect()
        self._fail_pending("the connection to the engine is closed")

    async def _reconnect(self) -> None:
        loop = asyncio.get_running_loop()
        deadline, delay = loop.time() + self.retry_for, 0.05
        while not self._closing:
            try:
                await self.join()
                if self.on_note is not None:
                    self.on_note("reconnected to the engine")
                return
            except JoinError as exc:
                if loop.time() > deadline:
                    self._closing = True
                    if self.on_note is not None:
                        self.on_note(f"gave up reconnecting: {exc}")
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _resend(self) -> None:
        """Send every unanswered command again (same id: the engine applies it at most once)."""
        if self._writer is None:
            return
        for command, _future in list(self._pending.values()):
            self._writer.write(encode(command))
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()

    async def _follow(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                return  # a partial last line is dropped: the next connection resumes from the last whole event
            if is_event(line):
                if not self._take(line):
                    return
                continue
            try:
                message = _control(line)
            except JoinError:
                return
            if isinstance(message, CaughtUp):
                self.caught_up.set()
            elif isinstance(message, Result):
                entry = self._pending.pop(message.id, None)
                if entry is not None and not entry[1].done():
                    entry[1].set_result(message)
                elif message.id == "join" and not message.ok and self.on_note is not None:
                    self.on_note(message.reason or "a role was refused")
            elif isinstance(message, Failure) and self.on_note is not None:
                self.on_note(message.message)

    def _take(self, line: bytes) -> bool:
        """Check and hand on one event; False (reconnect and resync) when it does not continue our copy."""
        event, problem = check_line(line.rstrip(b"\n"))
        if event is None:
            if self.on_note is not None:
                self.on_note(f"a corrupt event arrived ({problem}); resyncing")
            self.last_seq, self.last_hash = -1, "diverged"
            return False
        if event.seq <= self.last_seq:
            return True  # already held (never shown twice)
        if event.seq != self.last_seq + 1 or (self.last_hash is not None and event.prev != self.last_hash):
            if self.on_note is not None:
                self.on_note(f"event {event.seq} does not continue event {self.last_seq}; resyncing")
            self.last_hash = "diverged"
            return False
        self.last_seq, self.last_hash = event.seq, event.hash
        if event.type == EventType.SESSION_ENDED:
            self.ended = True
        if self.on_event is not None:
            self.on_event(event)
        self._changed.set()
        return True

    async def wait_seq(self, seq: int, timeout: float = 10.0) -> None:
        """Wait until the follower holds event `seq`."""
        async with asyncio.timeout(timeout):
            while self.last_seq < seq:
                self._changed.clear()
                await self._changed.wait()

    # --- commands --------------------------------------------------------------

    async def command(
        self, name: str, role: str, timeout: float | None = 30.0, id: str | None = None, **args: Any
    ) -> Result:
        """Send one command (resent after a reconnect until answered) and wait for the answer."""
        command = Command(id=id or uuid.uuid4().hex, name=name, role=role, args=args)
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending[command.id] = (command, future)
        if self._writer is not None:
            self._writer.write(encode(command))
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()
        async with asyncio.timeout(timeout):
            return await future

    def _fail_pending(self, reason: str) -> None:
        for command, future in self._pending.values():
            if not future.done():
                future.set_result(Result(id=command.id, ok=False, reason=reason))
        self._pending.clear()

    async def close(self) -> None:
        """Leave the drill."""
        self._closing = True
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()


def _control(line: bytes) -> Welcome | CaughtUp | Result | Failure:
    try:
        return decode_server(line)
    except ProtocolError as exc:
        raise JoinError(str(exc)) from None
