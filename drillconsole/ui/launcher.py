"""Checks before the console opens: playbook, production permission, role; then `launch.prepare`.

Nothing heavy is imported at module level: the console's first frame is drawn
before the playbook models, the engine and their dependencies are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drillconsole.launch import Prepared


class LaunchProblem(Exception):
    """Bad input before the console opens; `lines` go to stderr and the exit code is 2."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _lines(message: str) -> list[str]:
    return [line if ":" in line.split(" ")[0] else f"drillconsole: {line}" for line in message.splitlines()]


def check_readable(playbook_path: Path) -> None:
    """Refuse a playbook file that cannot be read, before any frame is drawn (raises LaunchProblem)."""
    try:
        with open(playbook_path, "rb"):
            pass
    except OSError as exc:
        raise LaunchProblem([f"drillconsole: cannot read {playbook_path}: {exc.strerror or exc}"]) from None


def prepare_console(playbook_path: Path, options: dict[str, Any]) -> Prepared:
    """Load and check the playbook, refuse production without permission, then prepare the drill."""
    from drillconsole.launch import LaunchError, prepare, team_options
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
            playbook_path,
            seed=options.get("seed"),
            log_dir=options.get("log_dir"),
            speed=1.0 if options.get("speed") is None else options["speed"],  # 0 is refused, not read as 1×
            resume=options.get("resume"),
            allow_production=bool(options.get("allow_production")),
            attended=True,  # the console asks for the drill id before the clock starts
            team=team_options(options),
        )
    except LaunchError as exc:
        raise LaunchProblem(_lines(str(exc))) from None


@dataclass(frozen=True)
class ConsoleLoad:
    """What the console prepares after its first frame: a playbook and the command-line options."""

    playbook_path: Path
    options: dict[str, Any] = field(default_factory=dict)

    def __call__(self) -> Prepared:
        """Prepare the drill (raises LaunchProblem on bad input)."""
        return prepare_console(self.playbook_path, self.options)
