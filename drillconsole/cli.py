"""The `drillconsole` command line: thin wrappers over the engine, log and report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from drillconsole import __version__
from drillconsole.errors import UserError


class DrillGroup(click.Group):
    """The one place a command's typed error becomes its message and exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=DrillGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="drillconsole")
def main() -> None:
    """Reproducible model rollback drills from the terminal."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--env", "with_env", is_flag=True, help="Also check that every ${env:…}/${secret:…} variable is set.")
@click.option("--max-size", default=1024 * 1024, type=click.IntRange(1), show_default=True, help="Largest file, bytes.")
def validate(files: tuple[Path, ...], with_env: bool, max_size: int) -> None:
    """Check playbooks: `ok FILE`, or one line per problem (FILE:LINE: field: message)."""
    import os

    from drillconsole.playbook.loader import validate_files

    sys.exit(validate_files(files, env=os.environ if with_env else None, max_size=max_size))


@main.command()
@click.argument("playbook", type=click.Path(path_type=Path))
@click.option(
    "--log", default=None, type=click.Path(path_type=Path), help="Restore aliases to where this drill found them."
)
def teardown(playbook: Path, log: Path | None) -> None:
    """Run a playbook's teardown alone: clear faults, put aliases back, reset flags."""
    from drillconsole.teardown import command

    sys.exit(command(playbook, log))


@main.command()
@click.argument("log", type=click.Path(path_type=Path))
@click.option("--complete", is_flag=True, help="Fail unless the drill finished (the log has session.ended).")
@click.option("--expect-head", default=None, metavar="HASH", help="Fail unless the log's last hash is HASH.")
@click.option(
    "--trust", multiple=True, type=click.Path(path_type=Path), metavar="PUBFILE", help="Trust this public key."
)
def verify(log: Path, complete: bool, expect_head: str | None, trust: tuple[Path, ...]) -> None:
    """Check a session log: hash chain, signed seals, completeness."""
    from drillconsole.log.verify import verify_command

    sys.exit(verify_command(log, complete, expect_head, trust))


@main.command()
@click.argument("log", type=click.Path(path_type=Path))
@click.option(
    "--speed",
    default="1",
    metavar="X",
    show_default=True,
    help="Playback speed in drill seconds per second (keys step 1, 5, 20, 60).",
)
@click.option("--theme", default=None, help="Theme name.")
@click.option("--at", default=None, metavar="TIME", help="Start at this drill time: 83, 1:23 or T+01:23.")
@click.option(
    "--playbook", default=None, type=click.Path(path_type=Path), help="The playbook the drill ran, if it moved since."
)
def replay(log: Path, speed: str, theme: str | None, at: str | None, playbook: Path | None) -> None:
    """Replay a session log in the console, read-only: play, seek, step through events and phases."""
    from drillconsole.startup import collector_paused
    from drillconsole.ui.replay.command import replay_command

    with collector_paused():  # the replay screen settles it once its seek snapshots are folded
        code = replay_command(log, speed=speed, theme=theme, at=at, playbook=playbook)
    sys.exit(code)


@main.command()
@click.argument("log", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True, help="Report format."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="Write to FILE instead of stdout.",
)
@click.option("--verify/--no-verify", default=None, help="Check the hash chain and seals (default: yes).")
@click.option("--allow-broken", is_flag=True, help="Exit 0 even if the log fails verification (the report says so).")
def report(log: Path, fmt: str, output: Path | None, verify: bool | None, allow_broken: bool) -> None:
    """After-action report of a session log: metrics, timeline, roles, charts."""
    from drillconsole.report.commands import report_command

    sys.exit(report_command(log, fmt, output, verify, allow_broken))


@main.command()
@click.argument("log", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", "out", required=True, type=click.Path(path_type=Path), metavar="DIR", help="New folder."
)
def audit(log: Path, out: Path) -> None:
    """Write an audit pack of LOG into DIR: log, verification, playbook, reports, ledger, criteria, manifest."""
    from drillconsole.audit import write_pack

    ok, line = write_pack(log, out)
    click.echo(f"audit pack {out}: log {line}")
    sys.exit(0 if ok else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True, help="Trend format."
)
def trend(paths: tuple[Path, ...], fmt: str) -> None:
    """Compare drills over time: one row per session log in DIR|LOG..., and whether each metric improves."""
    from drillconsole.report.commands import trend_command

    sys.exit(trend_command(list(paths), fmt))


@main.command()
@click.argument("path", metavar="LOG|DIR", type=click.Path(path_type=Path))
@click.option(
    "--playbook",
    "playbooks",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Re-run against this playbook instead of the one in the log (DIR: for logs of its drill id).",
)
@click.option("--seed", default=None, type=int, help="Override the recorded seed.")
@click.option("--tolerance", default="10%", show_default=True, help="How far a metric may move and still pass.")
@click.option("--tolerance-for", multiple=True, metavar="METRIC=PCT", help="A tolerance for one metric.")
@click.option("--junit", default=None, type=click.Path(path_type=Path), metavar="FILE", help="DIR: write JUnit XML.")
@click.option("--keep", default=None, type=click.Path(path_type=Path), metavar="DIR", help="Keep the new logs in DIR.")
def rerun(
    path: Path,
    playbooks: tuple[Path, ...],
    seed: int | None,
    tolerance: str,
    tolerance_for: tuple[str, ...],
    junit: Path | None,
    keep: Path | None,
) -> None:
    """Re-run a drill's operator inputs (or every drill in DIR) and compare: exit 0 same, 1 regression, 2 bad input."""
    from drillconsole.rerun.commands import rerun_command

    sys.exit(rerun_command(path, playbooks, seed, tolerance, tolerance_for, junit, keep))


@main.command()
@click.argument("log", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="FILE", help="Script file.")
def script(log: Path, output: Path) -> None:
    """Write a drill's operator inputs as a --script YAML, to edit and run as a new variant."""
    from drillconsole.rerun.commands import script_command

    sys.exit(script_command(log, output))


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--now", default=None, hidden=True, help="Pretend it is this UTC time (ISO; for tests).")
def status(folder: Path, now: str | None) -> None:
    """Each playbook drilled in DIR: last drill, outcome, headline metrics, due or overdue (exit 1 if overdue)."""
    from drillconsole.rerun.commands import status_command

    sys.exit(status_command(folder, now))


def _run_options(func):  # type: ignore[no-untyped-def]
    options = [
        click.option("--role", default=None, help="The role you hold (default: every role, solo, until others join)."),
        click.option("--as", "as_person", default=None, metavar="NAME", help="Your name in the log (default: login)."),
        click.option("--group", default=None, help="Share the participants' socket with this Unix group (0660)."),
        click.option("--team", is_flag=True, help="Headless: the drill is played by participants who `join`."),
        click.option("--no-team", is_flag=True, help="Do not serve participants on a socket."),
        click.option(
            "--nats", default=None, metavar="URL", help="Also publish to NATS JetStream (nats://user:pass@host)."
        ),
        click.option("--theme", default=None, help="Theme name (console)."),
        click.option("--speed", default=1.0, type=float, show_default=True, help="Simulated time speed-up."),
        click.option("--seed", default=None, type=int, help="Override the playbook's seed."),
        click.option("--log-dir", default=None, type=click.Path(path_type=Path), help="Where session logs go."),
        click.option("--headless", is_flag=True, help="Run without the console."),
        click.option("--virtual-clock", is_flag=True, help="Headless: run as fast as the CPU allows."),
        click.option("--auto", is_flag=True, help="Headless: play every role as the playbook intends."),
        click.option(
            "--script", default=None, type=click.Path(path_type=Path), help="Headless: timed operator inputs (YAML)."
        ),
        click.option(
            "--resume", default=None, type=click.Path(path_type=Path), help="Continue the drill of this session log."
        ),
        click.option("--allow-production", is_flag=True, help="Allow a production playbook."),
        click.option(
            "--confirm",
            default=None,
            metavar="DRILL_ID",
            help="Headless production: the drill id, typed as a person would.",
        ),
        click.option("--quiet", is_flag=True, help="Headless: no progress lines on stderr, only the summary."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@click.argument("playbook", type=click.Path(path_type=Path))
@_run_options
def run(playbook: Path, **options: object) -> None:
    """Run a drill from PLAYBOOK (the console, or --headless)."""
    sys.exit(_start(playbook, dict(options)))


@main.command()
@_run_options
def demo(**options: object) -> None:
    """Run the bundled demo drill (--headless: --auto --virtual-clock)."""
    from drillconsole.resources import bundled_playbook

    if options["headless"] and not options["script"]:
        options["auto"] = True
        options["virtual_clock"] = True
    sys.exit(_start(bundled_playbook("demo"), dict(options)))


def _start(playbook: Path, options: dict[str, object]) -> int:
    """The composition root of a drill: a headless run, or the console (which loads after its first frame).

    The garbage collector is off during start-up (`drillconsole.startup`): the
    headless run and the console each settle it once the drill is under way.
    """
    from drillconsole.startup import collector_paused

    with collector_paused():
        if options.get("headless"):
            from drillconsole.launch import run_headless

            return run_headless(playbook, options)
        from drillconsole.ui.app import run_console

        return run_console(playbook, options)


@main.command()
@click.argument("socket_path", required=False, type=click.Path(path_type=Path))
@click.option("--drill", "drill_id", default=None, metavar="ID", help="Join the running drill with this id.")
@click.option("--as", "as_person", default=None, metavar="NAME", help="Your name (default: login; an invite sets it).")
@click.option("--role", "roles", multiple=True, help="A role to hold (repeatable).")
@click.option("--token", default=None, help="An invite token (`drillconsole invite`); also $DRILLCONSOLE_TOKEN.")
@click.option("--log-dir", default=None, type=click.Path(path_type=Path), help="Where session logs go (for --drill).")
@click.option("--follow", is_flag=True, help="No console: print each event as a line (scripts, SSH without a TTY).")
@click.option(
    "--nats",
    "nats_url",
    default=None,
    metavar="URL",
    help="Join over NATS JetStream with --drill ID (nats://user:pass@host; the user is you).",
)
def join(
    socket_path: Path | None,
    drill_id: str | None,
    as_person: str | None,
    roles: tuple[str, ...],
    token: str | None,
    log_dir: Path | None,
    follow: bool,
    nats_url: str | None,
) -> None:
    """Join a running drill as a participant: your roles' console, live."""
    from drillconsole.team.commands import follow_command, resolve_join, resolve_nats_join

    path: Path | None
    nats: tuple[str, str] | None = None
    if nats_url is not None:
        nats, person = resolve_nats_join(nats_url, socket_path, drill_id, as_person, token)
        path, token = None, None
    else:
        path, person, token = resolve_join(socket_path, drill_id, as_person, token, log_dir)
    if follow or not sys.stdout.isatty():
        sys.exit(follow_command(path, person, list(roles), token, nats))
    from drillconsole.ui.participant import run_participant_console

    sys.exit(run_participant_console(path, person, list(roles), token, nats))


@main.command()
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="A role the invite grants (repeatable).")
@click.option("--drill", "drill_id", default=None, metavar="ID", help="Only for this drill id.")
@click.option("--ttl", default="12h", show_default=True, help="How long the invite is valid (90m, 12h, 2d).")
def invite(name: str, roles: tuple[str, ...], drill_id: str | None, ttl: str) -> None:
    """Print an invite token that lets NAME join with these roles (shared accounts, SSH)."""
    from drillconsole.team.commands import invite_command

    sys.exit(invite_command(name, list(roles), drill_id, ttl))


@main.command()
@click.option(
    "--port",
    default=8765,
    type=click.IntRange(0, 65535),
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--mlflow",
    default=None,
    envvar="MLFLOW_TRACKING_URI",
    help="MLflow tracking URI whose alias decides the served version [env: MLFLOW_TRACKING_URI].",
)
@click.option("--model", default="fraud-scorer", show_default=True, help="Registered model name.")
@click.option("--alias", default="champion", show_default=True, help="Alias the sandbox follows.")
@click.option("--fixed-version", default=None, help="Serve this version without a registry (no --mlflow).")
def sandbox(port: int, mlflow: str | None, model: str, alias: str, fixed_version: str | None) -> None:
    """Serve a model on 127.0.0.1 for live drills: follows a registry alias, exposes /metrics, flags and faults."""
    if mlflow is None and fixed_version is None:
        raise UserError("give --mlflow URI (or set MLFLOW_TRACKING_URI), or --fixed-version V")
    from drillconsole.sandbox import serve

    sys.exit(serve(port=port, mlflow=mlflow, model=model, alias=alias, fixed_version=fixed_version))


if __name__ == "__main__":
    main()
