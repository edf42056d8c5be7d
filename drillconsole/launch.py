"""Everything `run` and `demo` share: load and check the playbook, open the log, build the engine; the headless run.

Never imports the UI: `cli.py` (the composition root) chooses the console or a headless run.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import os
import secrets as _random_ids
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drillconsole.clock import RealClock, VirtualClock, utc_now, utc_stamp
from drillconsole.drill.wording import describe_event
from drillconsole.errors import UserError
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.startup import settle_garbage_collector

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine
    from drillconsole.engine.seat import DrillSeat
    from drillconsole.playbook.models import Playbook


class LaunchError(UserError):
    """Bad input before the drill starts: one line per problem, exit 2."""


@dataclass
class Prepared:
    """A drill ready to run: the console's seat at it, the log and where it is, and the engine when it runs here."""

    seat: DrillSeat
    """What a console holds: the commands and the fold (in a team drill, sent as the local person)."""
    log: Any
    playbook: Playbook
    log_path: Path
    engine: Engine | None = None
    """The engine itself, when it runs in this process: only the composition root and the headless run hold it."""
    participants: Path | None = None
    """The socket participants join on (a team drill)."""


def _nothing_logged(path: Path) -> bool:
    """Whether a log to resume holds not even one whole line (a crash before or during its first write)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
    except OSError:
        return False  # opening it for append says why
    return len(head) < (1 << 20) and b"\n" not in head


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
    team: dict[str, Any] | None = None,
    confirm: str | None = None,
    attended: bool = False,
) -> Prepared:
    """Load and check everything, open the log, and build the engine (raises LaunchError).

    With `team` (`group`, `person`, `roles`), participants are served on a socket
    beside the log and `Prepared.seat` is the local person's seat (commands go through the hub as them).
    """
    from drillconsole.engine.engine import Engine
    from drillconsole.log.reader import LogError
    from drillconsole.log.seal import Sealer, SealKeyError
    from drillconsole.log.writer import SessionLog
    from drillconsole.playbook.loader import PlaybookError, load_playbook
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
    production = None
    if playbook.drill.environment == "production":
        production = production_opt_in(playbook, players or [], confirm, attended=attended)
    try:
        raw = playbook_path.read_bytes()
    except OSError as exc:
        raise LaunchError(f"cannot read {playbook_path}: {exc.strerror or exc}") from None
    digest = hashlib.sha256(raw).hexdigest()
    redactor = Redactor()
    for text in _secret_bearing_strings(playbook):
        redactor.add_from_env_refs(text)
    existing = None
    try:
        sealer = Sealer.for_installation()  # signs the log's head: at the end, and now and then on the way
        if resume is not None and _nothing_logged(resume):
            # Killed before its first event was whole: there is nothing to resume, so the drill starts again here.
            click.echo(f"{resume}: nothing was logged before the crash; the drill starts from the beginning", err=True)
            resume.unlink()
            path, resume = resume, None
            log = SessionLog.create(path, digest, redactor=redactor, sealer=sealer)
        elif resume is not None:
            log = SessionLog.open_for_append(resume, redactor=redactor, sealer=sealer)
            existing = log.existing
            started = existing[0]
            if started.data.get("playbook_hash") != digest:
                log.close()
                raise LaunchError(f"{resume} was recorded with a different version of {playbook_path}")
            path = resume
        else:
            path = default_log_path(playbook, log_dir)
            log = SessionLog.create(path, digest, redactor=redactor, sealer=sealer)
    except (LogError, OSError, SealKeyError) as exc:
        raise LaunchError(str(exc)) from None
    start_at = existing[-1].t if existing else 0.0
    found = _found(playbook, redactor, existing)
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
            playbook_text=raw.decode("utf-8"),
            redactor=redactor,
            existing=existing,
            players=players,
            started_extra={
                **({"found": found} if found and not existing else {}),
                **({"production": production} if production else {}),
            }
            or None,
        )
        from drillconsole import teardown  # loaded with the engine, after the console's first frame

        engine.on_end = teardown.on_end(found)
    except UnsupportedSource as exc:
        log.close()
        path.unlink(missing_ok=resume is None and path.stat().st_size == 0)
        raise LaunchError(str(exc)) from None
    if team is not None:
        from drillconsole.team.identity import IdentityError, NatsUnavailable
        from drillconsole.team.session import attach

        try:
            seat = attach(
                engine,
                path,
                group=team.get("group"),
                person=team.get("person"),
                roles=team.get("roles"),
                nats=team.get("nats"),
            )
        except (IdentityError, OSError, NatsUnavailable) as exc:
            log.close()
            raise LaunchError(f"cannot serve participants: {exc}") from None
        return Prepared(seat, log, playbook, path, engine, seat.server.path if seat.server else None)
    return Prepared(engine, log, playbook, path, engine)


def _found(playbook: Playbook, redactor: Any, existing: list[Event] | None) -> dict[str, Any] | None:
    """Where the registry aliases pointed when the drill began: read now, or from a resumed log's start."""
    if existing:
        return existing[0].data.get("found")
    if not any(target.kind == "mlflow" for target in playbook.targets.values()):
        return None
    from drillconsole import teardown

    return teardown.run_sync(teardown.find_aliases(playbook, teardown.context_for(playbook, redactor)))  # type: ignore[no-any-return]


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


def run_headless(playbook_path: Path, options: dict[str, Any]) -> int:
    """A drill without the console: auto player, script, or a resumed log; returns the exit code."""
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
    elif not options.get("resume") and not options.get("team"):
        raise LaunchError("a headless run needs --auto or --script FILE (or --team: played from `join` consoles)")
    prepared = prepare(
        playbook_path,
        seed=options.get("seed"),
        log_dir=options.get("log_dir"),
        virtual_clock=bool(options.get("virtual_clock")),
        speed=_speed(options),
        resume=options.get("resume"),
        players=players,
        allow_production=bool(options.get("allow_production")),
        team=team_options(options),
        confirm=options.get("confirm"),
    )
    seat = prepared.seat
    settle_garbage_collector()  # what setup built (playbook models, the engine) is never garbage
    if prepared.participants is not None and not options.get("quiet"):
        click.echo(f"participants: drillconsole join {prepared.participants} --as NAME --role ROLE", err=True)
    if not options.get("quiet"):
        seat.subscribe(_progress_line)
    try:
        asyncio.run(seat.run())
    except KeyboardInterrupt:
        if not seat.state.ended:
            seat.end_drill("engine", "aborted", "interrupted (Ctrl-C)")
    finally:
        prepared.log.close()
    for line in prepared.engine.rejected if prepared.engine else []:
        click.echo(f"refused: {line}", err=True)
    head = getattr(prepared.log, "last_hash", None)
    for line in summary_lines(seat.state, prepared.log_path, head):
        click.echo(line)
    return 0 if seat.state.outcome == "restored" else 1


def team_options(options: dict[str, Any]) -> dict[str, Any] | None:
    """What `run` needs to serve participants (None with `--no-team`)."""
    if options.get("no_team"):
        return None
    role = options.get("role")
    return {
        "group": options.get("group"),
        "person": options.get("as_person"),
        "roles": [role] if role else None,
        "nats": options.get("nats") or os.environ.get("DRILLCONSOLE_NATS") or None,
    }


def _speed(options: dict[str, Any]) -> float:
    speed = options.get("speed")
    return 1.0 if speed is None else float(speed)


NOTABLE = frozenset(
    {
        EventType.PHASE_ENTERED,
        EventType.TRIGGER_FIRED,
        EventType.DECISION_MADE,
        EventType.GATE_REQUESTED,
        EventType.GATE_APPROVED,
        EventType.GATE_REJECTED,
        EventType.GATE_EXPIRED,
        EventType.STEP_SUCCEEDED,
        EventType.STEP_FAILED,
        EventType.STEP_SKIPPED,
        EventType.STEP_UNDONE,
        EventType.ESCALATION_RAISED,
        EventType.CONSISTENCY_CHECKED,
        EventType.DISCREPANCY_RESIDUAL,
        EventType.ACCESS_DENIED,
        EventType.ENGINE_ERROR,
        EventType.SESSION_ENDED,
        EventType.STEP_RETRYING,
        EventType.TEARDOWN_DONE,
        EventType.TEARDOWN_FAILED,
    }
)
"""What a headless run reports on stderr as it happens (a stale or failing source too, via `signal.state`)."""


def _progress_line(event: Event) -> None:
    """One line on stderr per notable event, worded as the console's timeline words it."""
    notable = event.type in NOTABLE or (
        event.type == EventType.SIGNAL_STATE and event.data.get("state") in ("stale", "error")
    )
    if not notable:
        return
    line = describe_event(event)
    if line is not None:
        click.echo(f"{line.clock}  {line.actor:<12} {line.text}", err=True)


def production_opt_in(playbook: Playbook, players: list[Any], confirm: str | None, *, attended: bool) -> dict[str, Any]:
    """Check that a person stands behind a production drill, and say who, when and how (logged in `session.started`).

    In the console a person types the drill id before the clock starts (`attended`); headless, `--confirm DRILL_ID`
    is that typing, the auto player may not approve gates, and every scripted approval names its person (`by:`).
    """
    from drillconsole.engine.players import AutoPlayer, ScriptPlayer

    drill_id = playbook.drill.id
    if not attended:
        if confirm != drill_id:
            raise LaunchError(
                f"production: a headless run needs --confirm {drill_id} (the drill id) beside --allow-production"
            )
        if any(isinstance(p, AutoPlayer) for p in players):
            raise LaunchError(
                "production: --auto would approve gates with nobody there; use --script FILE whose approvals name a person (by: NAME)"
            )
        for player in players:
            if isinstance(player, ScriptPlayer):
                for cmd in player.commands:
                    if cmd.do in ("approve", "reject") and not cmd.by:
                        raise LaunchError(
                            f"production: the scripted {cmd.do} of {cmd.step} at T+{cmd.at:g}s names no person (add by: NAME)"
                        )
    how = "typed the drill id in the console" if attended else "--allow-production --confirm " + drill_id
    return {"by": getpass.getuser(), "at": utc_stamp(), "how": how}
