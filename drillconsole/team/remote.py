"""The engine as a participant's console sees it: a follower in a thread of its own, and the same attributes as `Engine`.

The console reads `state`, `playbook`, `clock` and `now()` and calls the
command methods synchronously. Here `state` is the fold of the events received
(folded on the reader's thread, when it reads), and each command is sent over
the socket (or NATS) and answered before the call returns: refused, it raises
`CommandError` with the engine's reason; accepted, the state already holds
what it wrote.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillconsole.drill import rules
from drillconsole.drill.recorded import RecordedPlaybookError, recorded_playbook
from drillconsole.drill.state import DrillState, apply
from drillconsole.engine.seat import SentCommands
from drillconsole.errors import CommandError
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook, Step
from drillconsole.team.follower import Follower, JoinError

if TYPE_CHECKING:
    from drillconsole.team.nats import NatsFollower

ANSWER_TIMEOUT = 15.0
"""Seconds a command waits for the engine's answer (it is resent across reconnects meanwhile)."""

_RESYNC = "resync"


class FollowClock:
    """Drill time as the engine last said it, moving on at the drill's speed between events."""

    virtual = False

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._t = 0.0
        self._at = time.monotonic()

    def seen(self, t: float) -> None:
        """An event stamped at drill time `t` arrived now."""
        self._t, self._at = t, time.monotonic()

    def now(self) -> float:
        """The drill time now, as far as this participant can tell."""
        return self._t + (time.monotonic() - self._at) * self.speed

    async def sleep_until(self, t: float, wake: asyncio.Event | None = None) -> None:
        """Sleep until drill time `t` as this participant reckons it, or until `wake` is set."""
        while (delay := (t - self.now()) / self.speed) > 0:
            if wake is None:
                await asyncio.sleep(min(delay, 0.25))
                continue
            try:
                await asyncio.wait_for(wake.wait(), min(delay, 0.25))
                return
            except TimeoutError:
                pass


class RemoteEngine(SentCommands):
    """A participant's stand-in for the engine (see the module's docstring)."""

    def __init__(
        self,
        socket_path: Path | None,
        person: str,
        roles: list[str],
        token: str | None = None,
        *,
        nats: tuple[str, str] | None = None,
    ) -> None:
        """Join over the drill's socket, or over NATS with `nats=(url, drill id)` (the broker's user is the person)."""
        self._inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.notes: list[str] = []
        """Things the participant should be told (resync, reconnects); the console shows and clears them."""
        self._listeners: list[Callable[[Event], None]] = []
        self._closed = False
        self.on_arrival: Callable[[], None] | None = None
        """Called (on the follower's thread) when something arrived: the console refreshes soon, not at its next tick."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="drillconsole-follower", daemon=True)
        self._thread.start()
        self.follower: Follower | NatsFollower
        if nats is not None:
            from drillconsole.team.nats import NatsFollower

            url, drill = nats
            self.follower = NatsFollower(url, drill, person, roles, on_event=self._arrived, on_note=self._note)
        else:
            assert socket_path is not None
            self.follower = Follower(
                socket_path,
                person,
                roles,
                token=token,
                on_event=self._arrived,
                on_resync=lambda why: self._inbox.put((_RESYNC, why)),
                on_note=self._note,
            )
        try:
            self._call(self.follower.join(), ANSWER_TIMEOUT)
        except JoinError:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise
        self._done: Future[None] = asyncio.run_coroutine_threadsafe(self.follower.run(), self._loop)
        self._call(asyncio.wait_for(self.follower.caught_up.wait(), 120), 125)
        first = self._inbox.get(timeout=5)
        while first[0] != "event":
            self._take(first)
            first = self._inbox.get(timeout=5)
        try:
            self.playbook: Playbook = recorded_playbook(first[1].data).playbook
        except RecordedPlaybookError as exc:
            raise JoinError(str(exc)) from None
        self._state = DrillState.initial(self.playbook)
        self._seen: list[Event] = []
        self.clock = FollowClock(float(first[1].data.get("speed", 1.0)))
        self.players: list[Any] = []
        self.idle = True
        self._apply(first[1])

    # --- plumbing ---------------------------------------------------------------

    def _arrived(self, event: Event) -> None:
        self._inbox.put(("event", event))
        if self.on_arrival is not None:
            self.on_arrival()

    def _note(self, text: str) -> None:
        self._inbox.put(("note", text))
        if self.on_arrival is not None:
            self.on_arrival()

    def _call(self, coro: Any, timeout: float) -> Any:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)
        except TimeoutError:
            raise JoinError("the engine did not answer in time") from None

    def _apply(self, event: Event) -> None:
        apply(self._state, event)
        self.clock.seen(event.t)
        self._seen.append(event)
        for listener in self._listeners:
            listener(event)

    def _take(self, item: tuple[str, Any]) -> None:
        kind, value = item
        if kind == "event":
            self._apply(value)
        elif kind == _RESYNC:
            self._state = DrillState.initial(self.playbook)
            self._seen = []
            self.notes.append(f"resynced from the engine's log: {value}")
        else:
            self.notes.append(value)

    def _drain(self, until_seq: int = -1, timeout: float = ANSWER_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._take(self._inbox.get_nowait())
                continue
            except queue.Empty:
                pass
            if self._state.seq >= until_seq or time.monotonic() > deadline:
                return
            try:
                self._take(self._inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                return

    # --- what the console uses --------------------------------------------------------

    @property
    def state(self) -> DrillState:
        """The fold of every event received so far."""
        self._drain()
        return self._state

    @property
    def person(self) -> str:
        """Who this participant is."""
        return self.follower.person

    @property
    def roles(self) -> list[str]:
        """The roles this person holds now."""
        return [r for r, p in self.state.holders.items() if p == self.person]

    @property
    def held_roles(self) -> list[str]:
        """The roles this person holds now (the console offers only what they allow)."""
        return self.roles

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call `listener(event)` for each event as the console reads it (those before joining first)."""
        self._listeners.append(listener)
        for event in self._seen:
            listener(event)

    def now(self) -> float:
        """Drill time, never behind the last event."""
        return max(self.clock.now(), self._state.t)

    def wake(self) -> None:
        """Nothing to wake: the engine runs elsewhere."""

    async def run(self) -> str | None:
        """Follow until the drill ends or the participant leaves; the drill's outcome."""
        await asyncio.wrap_future(self._done)
        self._drain()
        return self._state.outcome

    def end_drill(self, actor: str, outcome: str, reason: str, *, auto: bool = False) -> None:
        """A participant leaving does not end the drill: only a role with `end_drill` does, with `end`."""
        self.close()

    def close(self) -> None:
        """Leave the drill (idempotent)."""
        if not self._closed and self._loop.is_running():
            self._closed = True
            with_timeout = asyncio.run_coroutine_threadsafe(self.follower.close(), self._loop)
            try:
                with_timeout.result(5)
                self._done.result(5)
            except Exception:  # leaving must never hang the console
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)

    def allowed_approvers(self, step: Step) -> list[str]:
        """Roles that may approve this step's gate now."""
        gate = self.state.gates.get(step.id)
        return rules.allowed_approvers(self.playbook, step, gate.requested_by if gate else None)

    def send(self, name: str, role: str, *, auto: bool = False, **args: Any) -> Any:
        """Send one command and wait for its answer; raises CommandError with the engine's reason."""
        if name == "approve" or name == "reject":
            gate = self.state.gates.get(str(args.get("step")))
            if gate is not None and args.get("request_seq") is None:
                args["request_seq"] = gate.request_seq  # the request this screen showed: a newer one makes it stale
        try:
            result = self._call(self.follower.command(name, role, timeout=ANSWER_TIMEOUT, **args), ANSWER_TIMEOUT + 1)
        except JoinError as exc:
            raise CommandError(str(exc)) from None
        if not result.ok:
            raise CommandError(result.reason or "refused")
        if result.seq is not None:
            self._drain(until_seq=result.seq)
        return result.value
