"""The `report` command: one log in, one after-action report out; one line and exit 2 on bad input."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from drillconsole.report.build import Report

FORMATS = ("md", "html", "json")


class HtmlUnavailable(Exception):
    """The charting library the HTML report needs is not installed."""


def _fail(message: str) -> int:
    click.echo(f"drillconsole: {message}", err=True)
    return 2


def render(report: Report, fmt: str) -> str:
    """The report in one format."""
    if fmt == "json":
        return json.dumps(report.data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        from drillconsole.report.render_html import render_html

        return render_html(report)
    from drillconsole.report.render_md import render_markdown

    return render_markdown(report)


def report_command(
    log: Path, fmt: str = "md", output: Path | None = None, verify: bool | None = None, allow_broken: bool = False
) -> int:
    """`drillconsole report LOG`: write the report; warnings go to stderr; exit 1 if the log fails `verify` (unless allowed)."""
    from drillconsole.report.load import NotASessionLog, load_log

    if fmt not in FORMATS:
        return _fail(f"unknown format '{fmt}' (choose {', '.join(FORMATS)})")
    try:
        with ThreadPoolExecutor(1) as pool:
            # The scan runs in polars, outside the GIL: it overlaps importing the drill model and the sections.
            loading = pool.submit(load_log, Path(log))
            from drillconsole.report.build import build_report

            report = build_report(Path(log), verify, loading)
        text = render(report, fmt)
    except HtmlUnavailable as exc:
        return _fail(str(exc))
    except NotASessionLog:
        return _fail(f"{log}: not a session log (no session.started on its first line)")
    except OSError as exc:
        return _fail(f"cannot read {log}: {exc.strerror or exc}")
    except Exception as exc:
        return _fail(f"cannot report on {log}: {type(exc).__name__}: {exc}")
    for warning in report.warnings:
        click.echo(f"drillconsole: warning: {warning}", err=True)
    code = 1 if report.broken is not None and not allow_broken else 0
    if output is None:
        click.echo(text, nl=False)
        return code
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write {output}: {exc.strerror or exc}")
    return code


def trend_command(args: list[Path], fmt: str) -> int:
    """`drillconsole trend DIR|LOG...`: print the trend; exit 2 when no session log was found."""
    from drillconsole.report.render_trend import render_trend
    from drillconsole.report.trend import build_trend

    try:
        trend = build_trend(args)
    except Exception as exc:
        print(f"drillconsole: cannot build the trend: {exc}", file=sys.stderr)
        return 2
    for line in trend.skipped:
        print(line, file=sys.stderr)
    if trend.drills.is_empty():
        print("drillconsole: no session logs found in " + " ".join(str(a) for a in args), file=sys.stderr)
        return 2
    sys.stdout.write(render_trend(trend, fmt))
    return 0
