"""A real nats-server on a free loopback port, with JetStream and the README's per-user permissions."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

USERS = {"engine": "engine-pw", "alice": "alice-pw", "bob": "bob-pw"}


def nats_server_bin() -> str | None:
    path = os.environ.get("NATS_SERVER_BIN") or shutil.which("nats-server") or "/usr/sbin/nats-server"
    return path if os.access(path, os.X_OK) else None


def need_nats_server() -> str:
    """The nats-server binary; skips locally when absent, fails in CI (where .ci/services.sh installs it)."""
    path = nats_server_bin()
    if path is None:
        if os.environ.get("DRILLCONSOLE_REQUIRE_INTEGRATION") or os.environ.get("CI"):
            pytest.fail("nats-server is required here (.ci/services.sh installs it)")
        pytest.skip("nats-server is not installed")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_config() -> str:
    """The nats-server config the README gives (the block with `authorization`), exactly as printed there."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if "authorization {" in b and "jetstream" in b]
    assert len(found) == 1, "the README gives one nats-server config"
    return found[0]


def config(port: int, store: Path) -> str:
    """The README's server config, on a loopback port with a scratch store and the test users' passwords.

    Only the address, the store and the "…" passwords change, so the permissions under test are the README's.
    """
    text = readme_config()
    for old, new in ((" 0.0.0.0:4222", f" 127.0.0.1:{port}"), ('"/var/lib/nats"', f'"{store}"')):
        assert old in text, f"the README's config no longer has {old!r}"
        text = text.replace(old, new)
    for user, password in USERS.items():
        old = f'user: {user}, password: "…"'
        assert old in text, f"the README's config has no user {user}"
        text = text.replace(old, f'user: {user}, password: "{password}"')
    return text


class NatsServer:
    """One nats-server process; stop and start it again on the same port and store."""

    def __init__(self, workdir: Path) -> None:
        self.binary = need_nats_server()
        self.port = free_port()
        self.workdir = workdir
        (workdir / "store").mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "nats.conf"
        self.conf.write_text(config(self.port, workdir / "store"))
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, user: str) -> str:
        return f"nats://{user}:{USERS[user]}@127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.workdir / "nats.log", "ab")
        self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)], stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                assert self.proc.poll() is None, (self.workdir / "nats.log").read_text()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None
