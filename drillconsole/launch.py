"""Everything `run` and `demo` share: load, check, build the engine, then the console or a headless run."""

from __future__ import annotations

import asyncio
import os
import secrets as _random_ids
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drillconsole.clock import RealClock, VirtualClock, utc_now

if TYPE_CHECKING:
    from drillconsole.playbook.models import Playbook


class LaunchError(Exception):
    """Bad input before the drill starts: one line, exit 2."""


@dataclass
class Prepared:
    """A drill ready to run: engine, log and where it is."""

    engine: Any
    log: Any
    playbook: Playbook
    log_path: Path


def default_log_path(playbook: Playbook, log_dir: Path | None) -> Path:
    """`drill-sessions/<drill-id>/<UTC-stamp>-<short-id>.jsonl`, or under `--log-dir`."""
    base = log_dir if log_dir is not None else Path("drill-sessions") / playbook.drill.id
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    return base / f"{stamp}-{_random_ids.token_hex(3)}.jsonl"


def prepare(
    playbook_path: Path,
    *,
    seed: int | None = None,
    log_dir: Path | None = None,
    virtual_clock: bool = False,
    speed: float = 1.0,
    resume: Path | None = None,
    players: list[Any] | None = None,
    allow_production: bool = False,
    clock: Any = None,
) -> Prepared:
    """Load and check everything, open the log, and build the engine (raises LaunchError)."""
    from drillconsole.engine.engine import Engine
    from drillconsole.log.reader import LogError
    from drillconsole.log.writer import SessionLog
    from drillconsole.playbook.loader import PlaybookError, load_playbook, playbook_bytes_hash
    from drillconsole.secrets import Redactor
    from drillconsole.signals import UnsupportedSource

    try:
        playbook = load_playbook(playbook_path, env=os.environ)  # every unset ${env:}/${secret:} refused up front
    except PlaybookError as exc:
        raise LaunchError("\n".join(str(p) for p in exc.problems)) from None
    if speed <= 0:
        raise LaunchError(f"--speed must be positive, not {speed:g}")
    if playbook.drill.environment == "production" and not allow_production:
        raise LaunchError(f"{playbook_path} acts on production: pass --allow-production (and confirm) to run it")
    digest = playbook_bytes_hash(playbook_path)
    redactor = Redactor()
    for text in _secret_bearing_strings(playbook):
        redactor.add_from_env_refs(text)
    existing = None
    try:
        if resume is not None:
            log = SessionLog.open_for_append(resume, redactor=redactor)
            existing = log.existing
            started = existing[0]
            if started.data.get("playbook_hash") != digest:
                log.close()
                raise LaunchError(f"{resume} was recorded with a different version of {playbook_path}")
            path = resume
        else:
            path = default_log_path(playbook, log_dir)
            log = SessionLog.create(path, digest, redactor=redactor)
    except (LogError, OSError) as exc:
        raise LaunchError(str(exc)) from None
    start_at = existing[-1].t if existing else 0.0
    if clock is None:
        clock = VirtualClock(start_at) if virtual_clock else RealClock(speed, start_at)
    try:
        engine = Engine(
            playbook,
            log,
            clock,
            seed=seed,
            playbook_path=str(playbook_path),
            playbook_hash=digest,
            redactor=redactor,
            existing=existing,
            players=players,
        )
    except UnsupportedSource as exc:
        log.close()
        path.unlink(missing_ok=resume is None and path.stat().st_size == 0)
        raise LaunchError(str(exc)) from None
    return Prepared(engine, log, playbook, path)


def _secret_bearing_strings(playbook: Playbook) -> list[str]:
    """Every string of the playbook, so each `${env:NAME}` value can be redacted."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(playbook.model_dump())
    return out


def launch(playbook_path: Path, **options: Any) -> int:
    """Run the drill the options ask for; return the exit code."""
    try:
        if options.get("headless"):
            return _headless(playbook_path, options)
        return _console(playbook_path, options)
    except LaunchError as exc:
        for line in str(exc).splitlines():
            click.echo(line if ":" in line.split(" ")[0] else f"drillconsole: {line}", err=True)
        return 2


def _headless(playbook_path: Path, options: dict[str, Any]) -> int:
    from drillconsole.engine.players import AutoPlayer, ScriptError, ScriptPlayer, load_script
    from drillconsole.engine.summary import summary_lines

    if options.get("auto") and options.get("script"):
        raise LaunchError("choose one of --auto and --script")
    players: list[Any] = []
    if options.get("auto"):
        players.append(AutoPlayer())
    elif options.get("script"):
        try:
            players.append(ScriptPlayer(load_script(Path(options["script"]))))
        except ScriptError as exc:
            raise LaunchError(str(exc)) from None
    elif not options.get("resume"):
        raise LaunchError("a headless run needs --auto or --script FILE")
    prepared = prepare(
        playbook_path,
        seed=options.get("seed"),
        log_dir=options.get("log_dir"),
        virtual_clock=bool(options.get("virtual_clock")),
        speed=_speed(options),
        resume=options.get("resume"),
        players=players,
        allow_production=bool(options.get("allow_production")),
    )
    engine = prepared.engine
    try:
        asyncio.run(engine.run())
    except KeyboardInterrupt:
        if not engine.state.ended:
            engine.end_drill("engine", "aborted", "interrupted (Ctrl-C)")
    finally:
        prepared.log.close()
    for line in engine.rejected:
        click.echo(f"refused: {line}", err=True)
    for line in summary_lines(engine.state, prepared.log_path):
        click.echo(line)
    return 0 if engine.state.outcome == "restored" else 1


def _speed(options: dict[str, Any]) -> float:
    speed = options.get("speed")
    return 1.0 if speed is None else float(speed)


def _console(playbook_path: Path, options: dict[str, Any]) -> int:
    from drillconsole.ui.app import run_console

    return run_console(playbook_path, options)
