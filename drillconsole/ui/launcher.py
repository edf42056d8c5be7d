"""Checks before the console opens: playbook, production permission, role; then `launch.prepare`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drillconsole.launch import LaunchError, Prepared, prepare


class LaunchProblem(Exception):
    """Bad input before the console opens; `lines` go to stderr and the exit code is 2."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _lines(message: str) -> list[str]:
    return [line if ":" in line.split(" ")[0] else f"drillconsole: {line}" for line in message.splitlines()]


def prepare_console(playbook_path: Path, options: dict[str, Any]) -> Prepared:
    """Load and check the playbook, refuse production without permission, then prepare the drill."""
    from drillconsole.playbook.loader import PlaybookError, load_playbook

    try:
        playbook = load_playbook(playbook_path)
    except PlaybookError as exc:
        raise LaunchProblem([str(p) for p in exc.problems]) from None
    except OSError as exc:
        raise LaunchProblem([f"drillconsole: cannot read {playbook_path}: {exc.strerror or exc}"]) from None
    if playbook.drill.environment == "production" and not options.get("allow_production"):
        raise LaunchProblem(_lines("this playbook acts on production: pass --allow-production (and confirm) to run it"))
    role = options.get("role")
    if role is not None and role not in playbook.roles:
        raise LaunchProblem(_lines(f"unknown role '{role}' (roles: {', '.join(playbook.roles)})"))
    try:
        return prepare(
            playbook_path, seed=options.get("seed"), log_dir=options.get("log_dir"),
            speed=options.get("speed") or 1.0, resume=options.get("resume"),
            allow_production=bool(options.get("allow_production")),
        )
    except LaunchError as exc:
        raise LaunchProblem(_lines(str(exc))) from None
