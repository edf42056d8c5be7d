"""Who is on the other end of the socket: the kernel's word (SO_PEERCRED), and where the socket lives with which permissions."""

from __future__ import annotations

import contextlib
import grp
import hashlib
import os
import pwd
import socket
import stat
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUN_PATH_MAX = 100
"""Unix socket paths longer than this (the kernel allows 107 bytes) are bound elsewhere and linked beside the log."""


class IdentityError(Exception):
    """A connection or socket whose identity or permissions are wrong (one line, meant for the user)."""


class NatsUnavailable(Exception):
    """nats-py is not installed (one line: install the `nats` extra).

    Declared here, beside the other errors of serving participants, so a drill that
    never uses NATS does not import the bridge to be able to catch it.
    """


@dataclass(frozen=True)
class Peer:
    """The process that connected, as the kernel reports it."""

    pid: int
    uid: int
    gid: int

    @property
    def account(self) -> str:
        """`uid:NAME` of the connecting Unix account (the number alone when it has no name)."""
        try:
            return f"uid:{pwd.getpwuid(self.uid).pw_name}"
        except KeyError:
            return f"uid:{self.uid}"


def peer_of(sock: socket.socket) -> Peer:
    """The kernel's credentials of a connected Unix socket's peer."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid, uid, gid)


def group_id(name: str) -> int:
    """The id of a Unix group; raises IdentityError for an unknown group."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise IdentityError(f"unknown group '{name}'") from None


def peer_allowed(peer: Peer, group: int | None) -> str | None:
    """Why the kernel-identified peer may not join, or None: the engine's own account, root, or a member of `--group`."""
    if peer.uid in (os.geteuid(), 0):
        return None
    if group is not None:
        if peer.gid == group:
            return None
        with contextlib.suppress(KeyError):
            if pwd.getpwuid(peer.uid).pw_name in grp.getgrgid(group).gr_mem:
                return None
    return f"{peer.account} may not join this drill (only the engine's account or its --group)"


def socket_path_for(log_path: Path) -> Path:
    """The participants' socket of a drill: `<log>.sock` beside the log."""
    return log_path.with_name(log_path.name + ".sock")


def bind_path(path: Path) -> Path:
    """Where the socket is really bound: `path` itself, or (too long for the kernel) a private runtime folder."""
    if len(os.fsencode(path.absolute())) <= SUN_PATH_MAX:
        return path
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"drillconsole-{os.geteuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    os.chmod(base, 0o700)
    digest = hashlib.sha256(os.fsencode(path.absolute())).hexdigest()[:24]
    return base / f"{digest}.sock"


def connect_path(path: Path) -> str:
    """The path to connect to (a link beside a log is followed when the path is too long for the kernel)."""
    if len(os.fsencode(path.absolute())) <= SUN_PATH_MAX:
        return str(path)
    return os.path.realpath(path)


def secure(path: Path, group: int | None) -> None:
    """Owner-only (0600), or 0660 owned by `group`: the kernel refuses everyone else before we hear them."""
    if group is not None:
        os.chown(path, -1, group)
        os.chmod(path, 0o660)
        if path.parent.name.startswith("drillconsole-"):
            os.chmod(path.parent, 0o710)
            os.chown(path.parent, -1, group)
    else:
        os.chmod(path, 0o600)


def check_socket(path: Path) -> str | None:
    """Why a participant should not trust this socket, or None: it must be a socket owned by us or root, not world-writable."""
    try:
        st = os.stat(connect_path(path))
    except FileNotFoundError:
        return f"{path}: no drill is listening here (is the engine running?)"
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    if not stat.S_ISSOCK(st.st_mode):
        return f"{path}: not a drill socket"
    if st.st_mode & 0o002:
        return f"{path}: the socket is world-writable (mode {stat.S_IMODE(st.st_mode):o}); refusing to join"
    return None


def remove_stale(path: Path) -> None:
    """Remove a socket left by an engine that died (nobody answers on it); refuse if one is alive."""
    if not path.exists() and not path.is_symlink():
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(connect_path(path))
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    finally:
        probe.close()
    raise IdentityError(f"{path}: another engine is already serving this drill")
