"""The three report formats from the CLI: same content, byte-identical on every run, HTML self-contained."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from reportkit import DEMO, SCRIPT, cli, report, run_drill


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_drill(DEMO, SCRIPT, tmp_path_factory.mktemp("demo"), seed=42)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_reports_are_byte_identical_across_runs(demo_log: Path, tmp_path: Path, fmt: str) -> None:
    first, second = (
        cli("report", str(demo_log), "--format", fmt),
        cli("report", str(demo_log), "--format", fmt, "-o", str(tmp_path / "r")),
    )
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stderr == "" and second.stdout == ""
    assert first.stdout.encode() == (tmp_path / "r").read_bytes()


def test_json_is_the_report_data(demo_log: Path) -> None:
    out = cli("report", str(demo_log), "--format", "json")
    assert json.loads(out.stdout) == report(demo_log)


def test_markdown_has_metrics_review_timeline_roles_and_sparklines(demo_log: Path) -> None:
    md = cli("report", str(demo_log)).stdout
    for heading in (
        "## Summary",
        "## Metrics",
        "## Lessons learned",
        "## Action items",
        "## Timeline",
        "## Gates",
        "## Role adherence",
        "## Signals",
    ):
        assert f"\n{heading}\n" in md
    assert "| Time to rollback (decision → rollback succeeded) | 16.5 s |" in md
    assert "the latency blip drew attention from precision (commander)" in md
    assert "| tune the latency trigger | tech_lead | 2026-12-15 | commander |" in md
    assert "| registry-rollback | 1 | data_steward | tech_lead | 10 s | yes | 0 | 0 |" in md
    sparks = re.findall(r"```text\n([▁▂▃▄▅▆▇█ ]+)\n", md)
    assert len(sparks) == 5 and all(len(s) <= 60 for s in sparks)
    assert min(sparks[0]) == "▁" and max(sparks[0]) == "█"  # precision fell and recovered
    assert "- T+01:00 injection: v42-precision-fault" in md and "- T+01:51.5 rollback: registry-rollback" in md


def test_html_is_self_contained_with_one_svg_chart_per_signal(demo_log: Path) -> None:
    html = cli("report", str(demo_log), "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg ") == 5 and html.count("</svg>") == 5
    assert "http://" not in html and "https://" not in html  # no external resource, not even namespace URLs
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "warn below 0.89" in html and "critical below 0.86" in html  # the bands, in the legend and caption
    for name in ("Summary", "Metrics", "Lessons learned", "Action items", "Timeline", "Role adherence"):
        assert f"<h2>{name}</h2>" in html
