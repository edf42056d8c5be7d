"""The `rerun`, `script` and `status` commands: arguments in, lines and an exit code out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from drillconsole.rerun.check import Options, check_log
from drillconsole.rerun.diff import parse_overrides, parse_tolerance
from drillconsole.rerun.run import RerunError


def rerun_command(
    path: Path,
    playbooks: tuple[Path, ...],
    seed: int | None,
    tolerance: str,
    tolerance_for: tuple[str, ...],
    junit: Path | None,
    keep: Path | None,
) -> int:
    """Re-run one log (diff on stdout) or every log of a folder (one line each, and JUnit XML); the exit code."""
    options = Options(playbooks, seed, parse_tolerance(tolerance), parse_overrides(tolerance_for), keep)
    if not path.exists():
        raise RerunError(f"{path}: no such file or folder")
    if path.is_dir():
        return _suite(path, options, junit)
    if junit is not None:
        raise RerunError("--junit needs a folder of logs (DIR), not one log")
    if len(playbooks) > 1:
        raise RerunError("give one --playbook with a single LOG")
    result = check_log(path, options)
    for line in result.lines:
        click.echo(line)
    click.echo(result.verdict())
    return 0 if result.passed else 1


def _suite(folder: Path, options: Options, junit: Path | None) -> int:
    from drillconsole.rerun.suite import find_logs, junit_xml, run_suite

    if not find_logs(folder):
        raise RerunError(f"{folder}: no session logs (*.jsonl) in this folder")
    results = run_suite(folder, options)
    for r in results:
        click.echo(f"{r.log}: {r.verdict()}")
    passed = sum(1 for r in results if r.passed)
    click.echo(f"{passed} of {len(results)} drills passed")
    if junit is not None:
        try:
            junit.write_bytes(junit_xml(results, folder))
        except OSError as exc:
            raise RerunError(f"{junit}: cannot write: {exc.strerror or exc}") from None
        click.echo(f"JUnit XML: {junit}")
    return 0 if passed == len(results) else 1


def script_command(log: Path, output: Path) -> int:
    """Write LOG's operator inputs as a `--script` YAML."""
    from drillconsole.rerun.script import write_script

    count = write_script(log, output)
    click.echo(f"{count} operator inputs written to {output}")
    return 0


def status_command(folder: Path, now: str | None) -> int:
    """One line per playbook drilled in FOLDER: last drill, outcome, headline metrics, due or overdue."""
    from drillconsole.rerun.status import drill_status, render_status

    if not folder.is_dir():
        raise RerunError(f"{folder}: not a folder of session logs")
    when = None
    if now is not None:
        try:
            when = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            raise RerunError(f"--now: '{now}' is not an ISO date-time") from None
    rows, skipped = drill_status(folder, when)
    if not rows:
        raise RerunError(f"{folder}: no session logs found")
    for line in render_status(rows, when):
        click.echo(line)
    for line in skipped:
        click.echo(line, err=True)
    return 1 if any(r.overdue for r in rows) else 0
