"""`drillconsole join`: the drill console in follower mode — the engine runs elsewhere, this person's roles act from here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from textual.message import Message

from drillconsole.launch import Prepared
from drillconsole.team.follower import JoinError
from drillconsole.team.remote import RemoteEngine
from drillconsole.ui.app import DrillApp


class _Departure:
    """Stands where the console expects a session log: closing it leaves the drill (the engine keeps the log)."""

    def __init__(self, remote: RemoteEngine) -> None:
        self.remote = remote
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.remote.close()


class ParticipantApp(DrillApp):
    """The console of one participant: their role first, commands sent to the engine as them."""

    class Arrived(Message):
        """Events arrived from the engine (posted from the follower's thread: post_message is thread-safe)."""

    def __init__(self, remote: RemoteEngine, socket_path: Path | None = None, **kwargs: Any) -> None:
        where = socket_path if socket_path is not None else Path.cwd() / f"{remote.playbook.drill.id}.nats"
        prepared = Prepared(remote, _Departure(remote), remote.playbook, where)
        roles = remote.roles
        super().__init__(prepared, role=roles[0] if len(roles) == 1 else None, **kwargs)
        self.remote = remote
        self._refresh_pending = False
        self._roles_told: str | None = None

    PROMPT = 0.03
    """Seconds from an event's arrival to the refresh that shows it (the interval alone would take up to 250 ms)."""

    def _soon(self) -> None:
        if not self._refresh_pending:
            self._refresh_pending = True
            self.set_timer(self.PROMPT, self._prompt_refresh)

    def _prompt_refresh(self) -> None:
        self._refresh_pending = False
        self.refresh_now()

    def on_mount(self) -> None:
        super().on_mount()
        self.remote.on_arrival = self._arrived
        self._tell_roles()

    def _arrived(self) -> None:
        self.post_message(self.Arrived())

    def on_participant_app_arrived(self, _message: ParticipantApp.Arrived) -> None:
        self._soon()
        self._tell_roles()

    def _tell_roles(self) -> None:
        """Who this console is, in its header; said once on joining, and again when a role changes hands."""
        roles = ", ".join(self.remote.roles) or "no role (observer)"
        self.sub_title = f"{self.remote.person} — {roles}"
        if roles != self._roles_told:
            first, self._roles_told = self._roles_told is None, roles
            said = "joined as {} holding {}" if first else "{} now holds {}"
            self.notify(said.format(self.remote.person, roles), timeout=5)

    def refresh_now(self) -> None:
        super().refresh_now()
        notes, self.remote.notes = self.remote.notes, []
        for note in notes:
            self.notify(note, title="Drill link", timeout=8)

    def action_request_quit(self) -> None:
        """Leave the drill (it carries on without you)."""
        self.finish()

    def finish(self) -> None:
        self.remote.on_arrival = None
        self.close_session()
        self.exit(0)


def run_participant_console(
    socket_path: Path | None, person: str, roles: list[str], token: str | None, nats: tuple[str, str] | None = None
) -> int:
    """Join (over the socket, or NATS with `nats=(url, drill id)`) and open the console; 2 with one line when refused."""
    try:
        remote = RemoteEngine(socket_path, person, roles, token, nats=nats)
    except JoinError as exc:
        print(f"drillconsole: {exc}", file=sys.stderr)
        return 2
    app = ParticipantApp(remote, socket_path)
    code = app.run()
    remote.close()
    return 0 if code is None else code
