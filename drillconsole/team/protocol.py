"""The participant protocol: versioned JSON lines over a stream socket.

Server → participant: control messages (`{"kind": ...}`) and the session log's
own lines, byte for byte, so a participant checks every event's hash and its
chain itself. Participant → server: `hello` once, then `command`s, each with an
id the participant chooses (a command sent twice has one effect). Over NATS,
where no connection closes when a participant goes, it also sends `heartbeat`s
and a `leave` (the socket has neither: its connection says both).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

PROTOCOL = 1
"""The protocol version this drillconsole speaks; a participant speaking another is refused with a clear error."""

MAX_LINE = 1 << 20
"""Longest line either side accepts (bytes); a longer one ends the connection."""

NAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
"""What a person's name may be: it goes into the log and onto screens."""

COMMANDS: dict[str, tuple[str, ...]] = {
    "check": ("item",),
    "uncheck": ("item",),
    "decide": ("option", "rationale"),
    "request_gate": ("step",),
    "approve": ("step", "phrase", "request_seq"),
    "reject": ("step", "reason", "request_seq"),
    "run_step": ("step",),
    "retry": ("step",),
    "skip": ("step", "reason"),
    "undo": ("step",),
    "note": ("text",),
    "end": ("outcome", "reason"),
    "lesson": ("text",),
    "action_item": ("text", "owner", "due"),
    "assume": (),
    "renounce": ("reason",),
    "deny": ("command", "reason", "step"),
}
"""Every command a participant may send, with the argument names it takes (all acting as `role`).

`deny` records a refusal the participant's own console made before sending
anything (a key their roles do not allow): logged as their `access.denied`.
"""

RENAMED = {"step": "step_id"}
"""Protocol argument names that the engine's command processor spells differently."""

Scalar = str | int | float | bool | None


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built at first use, not at import


class Hello(_Message):
    """The participant's first line: who they are, which roles they claim, and where their view of the log ends."""

    kind: Literal["hello"] = "hello"
    protocol: int
    person: Annotated[str, Field(pattern=NAME)]
    roles: list[str] = Field(default_factory=list, max_length=32)
    token: str | None = Field(default=None, max_length=4096)
    after_seq: int = -1
    """The last event the participant holds (-1: none)."""
    after_hash: str | None = None
    """That event's hash: a mismatch means the participant's view diverged and it is resynced from the start."""
    link: str | None = Field(default=None, max_length=100)
    """Over NATS, which has no connection to close: the id this participant's heartbeats and leave name."""


class Heartbeat(_Message):
    """Over NATS: the participant of `link` is still there (sent every few seconds; no answer)."""

    kind: Literal["heartbeat"] = "heartbeat"
    link: Annotated[str, Field(min_length=1, max_length=100)]


class Leave(_Message):
    """Over NATS: the participant of `link` leaves (its console quit, `--follow` ended); no answer."""

    kind: Literal["leave"] = "leave"
    link: Annotated[str, Field(min_length=1, max_length=100)]


class Command(_Message):
    """One operator command, acting as `role`."""

    kind: Literal["command"] = "command"
    id: Annotated[str, Field(min_length=1, max_length=100)]
    name: Literal[tuple(COMMANDS)]  # type: ignore[valid-type]
    role: str
    args: dict[str, Scalar] = Field(default_factory=dict)


class Welcome(_Message):
    """The engine accepted the participant; the log follows from `from_seq`."""

    kind: Literal["welcome"] = "welcome"
    protocol: int
    drill: str
    person: str
    roles: list[str]
    from_seq: int
    resync: str | None = None
    """Why the participant's own copy was thrown away and the log is sent from the start (None: it continues)."""


class CaughtUp(_Message):
    """Everything written before the participant joined has been sent."""

    kind: Literal["caught_up"] = "caught_up"
    head_seq: int


class Result(_Message):
    """The answer to one command: applied (with the last seq it wrote), refused with the reason, or a duplicate."""

    kind: Literal["result"] = "result"
    id: str
    ok: bool
    seq: int | None = None
    reason: str | None = None
    value: str | None = None
    duplicate: bool = False


class Failure(_Message):
    """A fatal problem; the connection closes after it (`code`: protocol, auth, name, limit, ended, bad)."""

    kind: Literal["error"] = "error"
    code: str
    message: str


ServerMessage = Annotated[Welcome | CaughtUp | Result | Failure, Field(discriminator="kind")]
ClientMessage = Annotated[Hello | Command | Heartbeat | Leave, Field(discriminator="kind")]
_SERVER: TypeAdapter[Welcome | CaughtUp | Result | Failure] = TypeAdapter(ServerMessage)
_CLIENT: TypeAdapter[Hello | Command | Heartbeat | Leave] = TypeAdapter(ClientMessage)


class ProtocolError(Exception):
    """A line that is not a message of this protocol (one line, meant for the user)."""


def encode(message: BaseModel) -> bytes:
    """One message as its line (with newline)."""
    return message.model_dump_json(exclude_none=True).encode() + b"\n"


def is_event(line: bytes) -> bool:
    """Whether a server line is a log line (an event) rather than a control message."""
    return not line.startswith(b'{"kind":')


def decode_server(line: bytes) -> Welcome | CaughtUp | Result | Failure:
    """A control line from the engine; raises ProtocolError."""
    try:
        return _SERVER.validate_json(line)
    except ValidationError as exc:
        raise ProtocolError(f"unexpected message from the engine: {_first(exc)}") from None


def decode_client(line: bytes) -> Hello | Command | Heartbeat | Leave:
    """A line from a participant; raises ProtocolError (a hello of another version names both versions)."""
    try:
        raw: Any = json.loads(line)
    except ValueError:
        raise ProtocolError("not a JSON line") from None
    if isinstance(raw, dict) and raw.get("kind") == "hello" and raw.get("protocol") != PROTOCOL:
        raise ProtocolError(
            f"protocol version {raw.get('protocol')!r} is not supported: this engine speaks version {PROTOCOL}"
            " (run the same drillconsole version on both sides)"
        )
    try:
        return _CLIENT.validate_python(raw)
    except ValidationError as exc:
        raise ProtocolError(_first(exc)) from None


def _first(exc: ValidationError) -> str:
    """The first validation problem as `field.path: message`."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "message"
    return f"{where}: {err['msg']}"
