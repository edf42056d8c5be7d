"""`drillconsole join` and `drillconsole invite`: find the drill's socket, check who you are, follow or open the console."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import click

from drillconsole.drill.wording import describe_event
from drillconsole.errors import UserError
from drillconsole.log.events import Event
from drillconsole.team.follower import Follower, JoinError
from drillconsole.team.protocol import NAME
from drillconsole.team.session import local_person

_TTL = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class JoinProblem(UserError):
    """A join that cannot happen: one line, exit 2."""


def find_socket(socket_path: Path | None, drill_id: str | None, log_dir: Path | None) -> Path:
    """The socket to join: the one named, or the newest live one of `--drill ID` under the log folder."""
    if socket_path is not None:
        return socket_path
    if drill_id is None:
        raise JoinProblem("name the drill's socket (printed by `run`) or --drill ID")
    base = log_dir if log_dir is not None else Path("drill-sessions") / drill_id
    found = sorted(base.glob("*.jsonl.sock"), key=lambda p: p.lstat().st_mtime, reverse=True)
    if not found:
        raise JoinProblem(f"no running drill '{drill_id}' under {base}")
    return found[0]


def token_person(token: str) -> str | None:
    """The name an invite token carries (unverified: the engine checks the signature)."""
    try:
        body = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        return str(body["name"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def who(as_person: str | None, token: str | None) -> str:
    """The person joining: `--as`, the invite's name, or the login name."""
    person = as_person or (token_person(token) if token else None) or local_person()
    if not re.match(NAME, person):
        raise JoinProblem(f"--as: '{person}' is not a usable name (letters, digits, . _ @ -, at most 64)")
    return person


def resolve_join(
    socket_path: Path | None, drill_id: str | None, as_person: str | None, token: str | None, log_dir: Path | None
) -> tuple[Path, str, str | None]:
    """The socket, the person and the invite token (`--token` or $DRILLCONSOLE_TOKEN) of a `join`."""
    token = token or os.environ.get("DRILLCONSOLE_TOKEN") or None
    return find_socket(socket_path, drill_id, log_dir), who(as_person, token), token


def resolve_nats_join(
    url: str, socket_path: Path | None, drill_id: str | None, as_person: str | None, token: str | None
) -> tuple[tuple[str, str], str]:
    """(url, drill id) and the person of a `join --nats`: `--as`, else the URL's user, else the login name."""
    from urllib.parse import urlsplit

    if socket_path is not None:
        raise JoinProblem("give a SOCKET or --nats URL, not both")
    if drill_id is None:
        raise JoinProblem("--nats needs --drill ID (the drill's id in its playbook)")
    if token or os.environ.get("DRILLCONSOLE_TOKEN"):
        raise JoinProblem("invites are for the socket: over NATS the broker's user (in the URL) says who you are")
    try:
        user = urlsplit(url).username
    except ValueError:
        user = None
    return (url, drill_id), who(as_person or user, None)


def follow_command(
    path: Path | None, person: str, roles: list[str], token: str | None, nats: tuple[str, str] | None = None
) -> int:
    """`join --follow`: print each event as a line until the drill ends (or Ctrl-C: 130); returns the exit code."""
    try:
        return asyncio.run(_follow_lines(path, person, roles, token, nats))
    except KeyboardInterrupt:  # the follower has left on the way out
        return 130


async def _follow_lines(
    path: Path | None, person: str, roles: list[str], token: str | None, nats: tuple[str, str] | None
) -> int:
    def show(event: Event) -> None:
        line = describe_event(event)
        if line is not None:
            click.echo(f"{line.clock}  {line.actor:<12} {line.text}")

    def note(text: str) -> None:
        click.echo(f"note: {text}", err=True)

    follower: Any
    if nats is not None:
        from drillconsole.team.nats import NatsFollower

        follower = NatsFollower(nats[0], nats[1], person, roles, on_event=show, on_note=note)
    else:
        assert path is not None
        follower = Follower(path, person, roles, token=token, on_event=show, on_resync=note, on_note=note)
    try:
        await follower.join()
    except JoinError as exc:
        raise JoinProblem(str(exc)) from None
    welcome = follower.welcome
    assert welcome is not None
    click.echo(f"joined {welcome.drill} as {welcome.person} holding {', '.join(welcome.roles) or 'no role'}", err=True)
    try:
        await follower.run()
    finally:  # the drill ended, or Ctrl-C: leave (over NATS the engine hears it, as the socket's closing says it)
        await follower.close()
    return 0


def parse_ttl(text: str) -> float:
    """Seconds in `90m`, `12h`, `2d`, `30s`; raises UserError."""
    m = _TTL.match(text.strip())
    if m is None:
        raise JoinProblem(f"--ttl: '{text}' is not a duration like 90m, 12h or 2d")
    return int(m.group(1)) * _UNIT[m.group(2)]


def invite_command(name: str, roles: list[str], drill_id: str | None, ttl: str) -> int:
    """Print an invite token for one person; returns the exit code."""
    from drillconsole.log.seal import Sealer, SealKeyError
    from drillconsole.team.tokens import Invite, make_token

    if not re.match(NAME, name):
        raise JoinProblem(f"NAME: '{name}' is not a usable name (letters, digits, . _ @ -, at most 64)")
    seconds = parse_ttl(ttl)
    try:
        key = Sealer.for_installation().private
    except SealKeyError as exc:
        raise JoinProblem(str(exc)) from None
    token = make_token(key, Invite(name, tuple(roles), time.time() + seconds, drill_id))
    click.echo(token)
    return 0
