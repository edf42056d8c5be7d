"""The `drillconsole` command line: thin wrappers over the engine, log and report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from drillconsole import __version__


class UserError(click.ClickException):
    """A mistake by the user: one line on stderr, exit 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"drillconsole: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.argument("log", type=click.Path(path_type=Path))
def verify(log: Path) -> None:
    """Check a session log's hash chain."""
    from drillconsole.log.reader import verify_command

    sys.exit(verify_command(log))


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
    from drillconsole.ui.replay.command import replay_command

    sys.exit(replay_command(log, speed=speed, theme=theme, at=at, playbook=playbook))


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
@click.option("--verify/--no-verify", default=None, help="Check the hash chain (default: for logs up to 32 MiB).")
def report(log: Path, fmt: str, output: Path | None, verify: bool | None) -> None:
    """After-action report of a session log: metrics, timeline, roles, charts."""
    from drillconsole.report.commands import report_command

    sys.exit(report_command(log, fmt, output, verify))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True, help="Trend format."
)
def trend(paths: tuple[Path, ...], fmt: str) -> None:
    """Compare drills over time: one row per session log in DIR|LOG..., and whether each metric improves."""
    from drillconsole.report.trend import trend_command

    sys.exit(trend_command(list(paths), fmt))


def _run_options(func):  # type: ignore[no-untyped-def]
    options = [
        click.option("--role", default=None, help="Show only this role's checklist (console)."),
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@click.argument("playbook", type=click.Path(path_type=Path))
@_run_options
def run(playbook: Path, **options: object) -> None:
    """Run a drill from PLAYBOOK (the console, or --headless)."""
    from drillconsole.launch import launch

    sys.exit(launch(playbook, **options))  # type: ignore[arg-type]


@main.command()
@_run_options
def demo(**options: object) -> None:
    """Run the bundled demo drill (--headless: --auto --virtual-clock)."""
    from drillconsole.launch import launch
    from drillconsole.resources import bundled_playbook

    if options["headless"] and not options["script"]:
        options["auto"] = True
        options["virtual_clock"] = True
    sys.exit(launch(bundled_playbook("demo"), **options))  # type: ignore[arg-type]


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
