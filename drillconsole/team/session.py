"""A team drill in the engine's process: the hub, its socket beside the log, and the engine's own console as a participant.

`attach` is what `run` calls: it returns a `LocalParticipant`, a stand-in for
the engine with the same attributes the console and the headless run use, whose
commands go through the hub as the local person — the same rules, the same
`by` and the same `access.denied` as any participant on the socket.
"""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillconsole.engine.seat import SentCommands
from drillconsole.errors import CommandError
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.team import identity
from drillconsole.team.hub import Hub
from drillconsole.team.protocol import RENAMED, Command
from drillconsole.team.server import TeamServer

if TYPE_CHECKING:
    from drillconsole.clock import Clock
    from drillconsole.drill.state import DrillState
    from drillconsole.engine.engine import Engine
    from drillconsole.log.events import Event
    from drillconsole.playbook.models import Playbook, Step

SOLO_NOTE = "solo: one person holds every role"


def local_person() -> str:
    """The name of the person at this terminal: the login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.geteuid()}"


class LocalParticipant(SentCommands):
    """The engine as the console sees it, with every command sent through the hub as one person."""

    def __init__(
        self, engine: Engine, hub: Hub, server: TeamServer | None, person: str, roles: list[str] | None
    ) -> None:
        self.engine = engine
        """The engine itself (the composition root's, never the console's)."""
        self.hub = hub
        self.server = server
        self.person = person
        self.claimed = roles
        """The roles asked for with `--role`; None: every role, held until someone else claims it (solo)."""
        self.joined = False

    # --- what the console reads (the engine's, unchanged) ---------------------------------

    @property
    def playbook(self) -> Playbook:
        return self.engine.playbook

    @property
    def state(self) -> DrillState:
        """The engine's fold."""
        return self.engine.state

    @property
    def clock(self) -> Clock:
        return self.engine.clock

    @property
    def idle(self) -> bool:
        return self.engine.idle

    def now(self) -> float:
        return self.engine.now()

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self.engine.subscribe(listener)

    def wake(self) -> None:
        self.engine.wake()

    async def run(self) -> str | None:
        return await self.engine.run()

    def end_drill(self, actor: str, outcome: str, reason: str, *, auto: bool = False) -> None:
        """End the drill (the engine's own ending: quitting the console, Ctrl-C)."""
        self.engine.end_drill(actor, outcome, reason, auto=auto)

    def allowed_approvers(self, step: Step) -> list[str]:
        return self.engine.allowed_approvers(step)

    def join(self) -> list[str]:
        """Seat the local person (once): the roles they asked for, or every free role provisionally."""
        if not self.joined and self.hub.writable:
            self.joined = True
            roles = self.claimed if self.claimed is not None else list(self.engine.playbook.roles)
            account = identity.Peer(os.getpid(), os.geteuid(), os.getegid()).account
            self.hub.join(self.person, account, "console", roles, provisional=self.claimed is None)
            if self.state.solo and self.hub.writable:
                self.engine.emit(EventType.NOTE_ADDED, ENGINE, {"text": SOLO_NOTE}, by=self.person)
        return self.hub.roles_of(self.person)

    @property
    def held_roles(self) -> list[str]:
        """The roles the local person holds now (before their first command: the ones they will claim, if free)."""
        if self.joined:
            return self.hub.roles_of(self.person)
        wanted = self.claimed if self.claimed is not None else list(self.engine.playbook.roles)
        return [r for r in wanted if self.state.holders.get(r) in (None, self.person)]

    @property
    def solo(self) -> bool:
        """One person holds every role."""
        return bool(self.state.solo)

    def send(self, name: str, role: str, *, auto: bool = False, **args: Any) -> Any:
        """Apply one command as the local person; raises CommandError with the reason when refused."""
        if auto:  # the auto player is not a person: it goes straight to the engine's command processor
            kwargs = {RENAMED.get(k, k): v for k, v in args.items() if v is not None}
            return getattr(self.engine.commands, name)(role, auto=True, **kwargs)
        self.join()
        result = self.hub.dispatch(self.person, Command(id=uuid.uuid4().hex, name=name, role=role, args=args))
        if not result.ok:
            raise CommandError(result.reason or "refused")
        return result.value

    def renounce(self, role: str, reason: str = "") -> None:
        """Give up a role so someone else can take it."""
        self.send("renounce", role, reason=reason)

    def assume(self, role: str) -> None:
        """Take a free role."""
        self.send("assume", role)


def attach(
    engine: Engine,
    log_path: Path,
    *,
    group: str | None,
    person: str | None,
    roles: list[str] | None,
    nats: str | None = None,
) -> LocalParticipant:
    """Serve participants beside the log (and on NATS) and make the local console one of them.

    Raises IdentityError or OSError (the socket), NatsUnavailable (the extra is missing).
    """
    hub = Hub(engine)
    server = TeamServer(hub, identity.socket_path_for(Path(log_path)), group=group)
    engine.services.append(server)
    if nats:
        from drillconsole.team.nats import NatsBridge, require_nats

        require_nats()  # one clear line now rather than a silent bridge later
        engine.services.append(NatsBridge(hub, nats))
    return LocalParticipant(engine, hub, server, person or local_person(), roles)
