"""The engine side of a team drill: people join, hold roles, and send commands that go through the drill model's rules.

Every command runs inside `Recorder.attributed(person, id)`, so each event it
writes carries the person (`by`) and the first one the command id; a command
whose id the log already holds is answered from the log and has no second
effect. A refused command is logged as `access.denied` (who, as which role,
why). Nothing here knows about sockets: the Unix-socket server, the NATS bridge
and the engine's own console all call the same `dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillconsole.drill import rules
from drillconsole.errors import CommandError
from drillconsole.log.contract import ENGINE, EventType
from drillconsole.log.events import Event
from drillconsole.team.protocol import COMMANDS, RENAMED, Command, Result
from drillconsole.team.tokens import Invite


class JoinRefused(Exception):
    """A join the engine refuses (one line; logged as `access.denied`)."""


@dataclass
class _Seat:
    """One person's live connections and what their invite allows."""

    connections: int = 0
    grant: tuple[str, ...] | None = None


class Hub:
    """People, roles and commands of one drill; the engine stays the only writer."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.seats: dict[str, _Seat] = {}
        self.outcomes: dict[str, Result] = {}
        for event in engine.log.existing if getattr(engine.log, "existing", None) else []:
            self._note_outcome(event)
        engine.log.observers.append(lambda event, _line: self._note_outcome(event))

    @property
    def state(self) -> Any:
        """The engine's fold."""
        return self.engine.state

    def _note_outcome(self, event: Event) -> None:
        """Remember how each command id was answered, so a duplicate gets the same answer (rebuilt from the log)."""
        command_id = event.data.get("command_id")
        if command_id is None:
            return
        if event.type == EventType.ACCESS_DENIED:
            self.outcomes[command_id] = Result(id=command_id, ok=False, seq=event.seq, reason=event.data.get("reason"))
        else:
            self.outcomes[command_id] = Result(id=command_id, ok=True, seq=event.seq)

    def _emit(self, type: EventType, actor: str, data: dict[str, Any], person: str | None) -> None:
        if not self.writable:
            return
        self.engine.emit(type, actor, data, by=person)

    @property
    def writable(self) -> bool:
        """Whether the log still takes events (the drill has not ended and the log is open)."""
        return not self.state.ended and not getattr(self.engine.log, "closed", False)

    def deny(
        self, person: str | None, command: str, reason: str, role: str | None = None, step: str | None = None
    ) -> None:
        """Log a refused command or join (`access.denied`)."""
        data: dict[str, Any] = {"command": command, "reason": reason}
        if role is not None:
            data["role"] = role
        if step is not None:
            data["step"] = step
        actor = role if role is not None and role in self.state.playbook.roles else ENGINE
        self._emit(EventType.ACCESS_DENIED, actor, data, person)

    # --- people --------------------------------------------------------------

    def join(
        self,
        person: str,
        account: str,
        via: str,
        roles: list[str],
        invite: Invite | None = None,
        *,
        provisional: bool = False,
    ) -> tuple[list[str], list[str]]:
        """Seat a person and give them the roles they claim: (roles held, one reason per refused role)."""
        known = self.state.participants.get(person)
        if known is not None and known.get("account") != account:
            reason = f"the name {person} belongs to {known.get('account')}, not {account}"
            self.deny(None, "join", reason)
            raise JoinRefused(reason)
        seat = self.seats.setdefault(person, _Seat())
        if invite is not None:
            seat.grant = invite.roles
            roles = roles or list(invite.roles)
        seat.connections += 1
        if seat.connections == 1:
            held = [r for r, p in self.state.holders.items() if p == person]
            self._emit(
                EventType.PARTICIPANT_JOINED,
                ENGINE,
                {"person": person, "account": account, "via": via, "roles": held},
                person,
            )
        refused: list[str] = []
        for role in roles:
            problem = self.assume(person, role, provisional=provisional)
            if problem is not None:
                refused.append(problem)
        return self.roles_of(person), refused

    def leave(self, person: str, reason: str) -> None:
        """One of the person's connections ended; the last one logs `participant.left` (they keep their roles)."""
        seat = self.seats.get(person)
        if seat is None or seat.connections == 0:
            return
        seat.connections -= 1
        if seat.connections == 0:
            self._emit(EventType.PARTICIPANT_LEFT, ENGINE, {"person": person, "reason": reason}, person)

    def roles_of(self, person: str) -> list[str]:
        """The roles a person holds now."""
        return [r for r, p in self.state.holders.items() if p == person]

    def assume(self, person: str, role: str, *, provisional: bool = False) -> str | None:
        """Take a role (a provisional holder hands it over); the reason it is refused (and logged), or None."""
        state = self.state
        holder = state.holders.get(role)
        grant = self.seats.get(person, _Seat()).grant
        reason = None
        if role not in state.playbook.roles:
            reason = f"unknown role '{role}'"
        elif grant is not None and role not in grant:
            reason = f"{person}'s invite does not include role {role} (it grants {', '.join(grant) or 'none'})"
        elif holder is not None and holder != person and role not in state.provisional:
            reason = f"role {role} is held by {holder}"
        if reason is not None:
            self.deny(person, "assume", reason, role)
            return reason
        if holder == person and (provisional or role not in state.provisional):
            return None
        if holder is not None and holder != person:
            self._emit(
                EventType.ROLE_RENOUNCED,
                role,
                {"role": role, "person": holder, "reason": f"handed to {person}"},
                person,
            )
        data: dict[str, Any] = {"role": role, "person": person}
        if provisional:
            data["provisional"] = True
        self._emit(EventType.ROLE_ASSUMED, role, data, person)
        return None

    def renounce(self, person: str, role: str, reason: str) -> None:
        """Give a role up; raises CommandError if the person does not hold it."""
        if self.state.holders.get(role) != person:
            raise CommandError(rules.person_problem(self.state, person, role) or f"{person} does not hold {role}")
        self._emit(
            EventType.ROLE_RENOUNCED, role, {"role": role, "person": person, "reason": reason or "renounced"}, person
        )

    # --- commands ------------------------------------------------------------

    def dispatch(self, person: str, command: Command) -> Result:
        """Apply one command as `person` (exactly once per id); the answer says what happened."""
        seen = self.outcomes.get(command.id)
        if seen is not None:
            return seen.model_copy(update={"duplicate": True})
        if not self.writable:
            return Result(id=command.id, ok=False, reason="the drill has ended")
        recorder = self.engine.recorder
        value: Any = None
        with recorder.attributed(person, command.id):
            try:
                value = self._apply(person, command)
            except CommandError as exc:
                reason = str(exc)
                if command.id not in self.outcomes:  # gate decisions and role claims log their own refusal
                    step = command.args.get("step")
                    self.deny(person, command.name, reason, command.role, step if isinstance(step, str) else None)
                return Result(id=command.id, ok=False, seq=self.state.seq, reason=reason)
        self.engine.log.sync()  # acknowledged means durable: a kill -9 after the answer loses nothing
        answered = self.outcomes.get(command.id)
        if answered is None:  # a command that wrote nothing (e.g. assuming a role already held)
            return Result(id=command.id, ok=True, seq=self.state.seq, value=_text(value))
        return answered.model_copy(update={"seq": self.state.seq, "value": _text(value)})

    def _apply(self, person: str, command: Command) -> Any:
        names = COMMANDS[command.name]
        unknown = sorted(set(command.args) - set(names))
        if unknown:
            raise CommandError(f"{command.name} takes no argument '{unknown[0]}'")
        for key, value in command.args.items():
            if key != "request_seq" and value is not None and not isinstance(value, str):
                raise CommandError(f"{command.name}: {key} must be text")
        if command.args.get("request_seq") is not None and not isinstance(command.args["request_seq"], int):
            raise CommandError(f"{command.name}: request_seq must be an integer")
        if command.name == "assume":
            reason = self.assume(person, command.role)
            if reason is not None:
                raise CommandError(reason)
            return None
        if command.name == "deny":  # the person's console refused a key: logged like a refusal of the engine's
            step = command.args.get("step")
            reason = str(command.args.get("reason") or "refused by the console")[:500]
            name = str(command.args.get("command") or "?")[:64]
            self.deny(person, name, reason, command.role, step if isinstance(step, str) else None)
            return None
        if command.name == "renounce":
            self.renounce(person, command.role, str(command.args.get("reason") or ""))
            return None
        kwargs = {RENAMED.get(k, k): v for k, v in command.args.items() if v is not None}
        method = getattr(self.engine.commands, command.name)
        try:
            return method(command.role, **kwargs)
        except TypeError as exc:
            raise CommandError(f"{command.name}: {exc}") from None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
