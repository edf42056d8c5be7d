"""Re-execute a recorded drill's operator inputs on a virtual clock, against its own playbook or a newer one."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillconsole.errors import UserError
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook
from drillconsole.rerun.inputs import RecordedInput, recorded_inputs


class RerunError(UserError):
    """A log or playbook a re-run cannot use: one line, exit 2."""


@dataclass(frozen=True)
class Original:
    """A recorded drill as a re-run needs it: its verified events (all but the samples), header and playbook (if it can be had)."""

    path: Path
    events: list[Event]
    started: dict[str, Any]
    playbook: Playbook | None
    playbook_text: str | None
    playbook_problem: str | None


@dataclass(frozen=True)
class Target:
    """The playbook a re-run uses: the model, its exact text, and what it is called."""

    playbook: Playbook
    text: str
    name: str
    embedded: bool


@dataclass(frozen=True)
class Rerun:
    """What a re-run produced: the inputs, the engine's verdict on each, the new log and its events (all but the samples)."""

    original: Original
    target: Target
    seed: int
    inputs: list[RecordedInput]
    verdicts: list[str | None]
    log_path: Path
    events: list[Event]


def load_original(path: Path) -> Original:
    """Read and verify a session log; a file that is not one, or whose chain is broken, raises RerunError."""
    from drillconsole.drill.recorded import RecordedPlaybookError, recorded_playbook
    from drillconsole.log.reader import MALFORMED, read_log

    path = Path(path)
    try:
        chain = read_log(path, samples=False)
    except IsADirectoryError:
        raise RerunError(
            f"{path}: is a folder: give a session log, or --junit FILE to re-run every log in it"
        ) from None
    except OSError as exc:
        raise RerunError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not chain.ok and (chain.bad_line == 1 and chain.problem in (MALFORMED, "empty log")):
        raise RerunError(f"{path}:1: not a session log ({chain.problem})")
    if not chain.ok:
        raise RerunError(
            f"{path}:{chain.bad_line}: {chain.problem}: the log was altered or damaged (see `drillconsole verify`)"
        )
    first = chain.events[0]
    if first.type != EventType.SESSION_STARTED:
        raise RerunError(f"{path}:1: not a session log (it does not begin with session.started)")
    try:
        rec = recorded_playbook(first.data)
        playbook, text, problem = rec.playbook, rec.text, None
    except RecordedPlaybookError as exc:
        playbook, text, problem = None, None, str(exc)
    return Original(path, chain.events, first.data, playbook, text, problem)


def load_target(original: Original, override: Path | None) -> Target:
    """The playbook to re-run against: `override`, or the one the log embeds (RerunError if neither can be had)."""
    from drillconsole.playbook.loader import PlaybookError, load_playbook

    if override is None:
        if original.playbook is None or original.playbook_text is None:
            raise RerunError(f"{original.path}: {original.playbook_problem}; give the playbook with --playbook FILE")
        name = original.started.get("playbook")
        return Target(original.playbook, original.playbook_text, str(name or "playbook"), embedded=True)
    try:
        playbook = load_playbook(override)
        text = Path(override).read_bytes().decode("utf-8-sig")
    except PlaybookError as exc:
        raise RerunError(str(exc.problems[0])) from None
    return Target(playbook, text, str(override), embedded=False)


def _live_part(playbook: Playbook) -> str | None:
    """What in the playbook would act outside the simulation, or None: a re-run never touches real systems."""
    if playbook.drill.environment != "simulation":
        return f"environment {playbook.drill.environment}"
    for signal in playbook.signals:
        if signal.source.kind != "simulated":
            return f"signal {signal.id} reads {signal.source.kind}"
    for tid, target in playbook.targets.items():
        if target.kind != "simulated":
            return f"target {tid} is {target.kind}"
    return None


def rerun(original: Original, target: Target, out: Path, seed: int | None = None) -> Rerun:
    """Run the original's inputs against `target` on a virtual clock, writing the new log to `out`."""
    from drillconsole.clock import VirtualClock
    from drillconsole.engine.engine import Engine
    from drillconsole.log.reader import read_log
    from drillconsole.log.writer import SessionLog
    from drillconsole.rerun.player import RerunPlayer
    from drillconsole.secrets import Redactor

    live = _live_part(target.playbook)
    if live is not None:
        raise RerunError(f"{target.name}: a re-run runs only simulated drills ({live})")
    recorded = original.playbook or target.playbook  # an old log whose playbook is gone: read it with the new one
    inputs = recorded_inputs(original.events, recorded, target.playbook)
    player = RerunPlayer(inputs)
    recorded_seed = original.started.get("seed")
    use_seed = seed if seed is not None else recorded_seed if isinstance(recorded_seed, int) else None
    digest = hashlib.sha256(target.text.encode("utf-8")).hexdigest()
    redactor = Redactor()
    redactor.add_from_env_refs(target.text)
    log = SessionLog.create(out, digest, redactor=redactor)
    engine = Engine(
        target.playbook,
        log,
        VirtualClock(),
        seed=use_seed,
        playbook_path=target.name,
        playbook_hash=digest,
        playbook_text=target.text,
        redactor=redactor,
        players=[player],
    )
    try:
        asyncio.run(engine.run())
    finally:
        log.close()
    return Rerun(
        original, target, engine.seed, player.inputs, player.verdicts, out, read_log(out, samples=False).events
    )
