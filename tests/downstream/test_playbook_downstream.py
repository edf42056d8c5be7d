"""Playbook sections for after the rollback: each mistake is one line, FILE:LINE: field.path: message, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.drillkit import PLAYBOOKS

DEMO = (PLAYBOOKS / "demo.yaml").read_text()


def validate(tmp_path: Path, text: str) -> tuple[int, list[str]]:
    path = tmp_path / "pb.yaml"
    path.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "drillconsole", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line.replace(str(path), "pb.yaml") for line in (done.stdout + done.stderr).splitlines()]
    return done.returncode, lines


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


CASES = {
    "unknown dependent": (
        "dependents: [billing, audit_store], within",
        "dependents: [billing, audit_stor], within",
        "steps[7].consistency.dependents[1]: unknown dependent 'audit_stor' (did you mean 'audit_store'?)",
    ),
    "reconcile a system without records": (
        "    source: {kind: simulated, lag: 12s}\n    records: true",
        "    source: {kind: simulated, lag: 12s}\n    records: false",
        "steps[8].reconcile.systems[1]: dependent 'audit_store' keeps no records (`records: true`)",
    ),
    "traffic and counter": (
        "traffic: throughput}",
        'traffic: throughput, counter: {kind: http_json, url: "http://127.0.0.1:1/c", path: n}}',
        "steps[8].reconcile: reconcile needs exactly one of `traffic` (simulation) or `counter` (live)",
    ),
    "unknown traffic signal": (
        "traffic: throughput}",
        "traffic: thruput}",
        "steps[8].reconcile.traffic: unknown signal 'thruput' (did you mean 'throughput'?)",
    ),
    "dependent owner": (
        "    owner: data_steward\n    source: {kind: simulated, lag: 5s}",
        "    owner: auditor\n    source: {kind: simulated, lag: 5s}",
        "dependents.billing.owner: unknown role 'auditor'",
    ),
    "after an unknown step": (
        "lag: 12s}",
        "lag: 12s, after: restart}",
        "dependents.audit_store.source.after: unknown step 'restart'",
    ),
    "lag word": ("lag: 12s}", "lag: later}", "dependents.audit_store.source.lag: unparseable duration 'later'"),
    "risk category": (
        "category: data_integrity",
        "category: money",
        "risks[0].category: invalid value 'money' (expected 'model_quality', 'data_integrity',",
    ),
    "criterion metric": (
        "metric: time_to_decision_s",
        "metric: time_to_panic_s",
        "criteria[0].metric: invalid value 'time_to_panic_s' (did you mean 'time_to_rollback_s'?)",
    ),
    "criterion bounds": (
        "at_most: 5m, severity: 1}",
        "at_most: 5m, at_least: 1, severity: 1}",
        "criteria[0]: a criterion needs exactly one of `at_most` or `at_least`",
    ),
    "criterion risk": (
        "risks: [mis-scoring]}",
        "risks: [mis-scored]}",
        "criteria[3].risks[0]: unknown risk 'mis-scored'",
    ),
    "consistency needs its settings": (
        "    consistency: {dependents: [billing, audit_store], within: 2m, interval: 5s}\n",
        "",
        "steps[7]: a consistency step needs `consistency`",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_mistake_is_one_line_naming_file_line_and_field(tmp_path: Path, name: str) -> None:
    old, new, expected = CASES[name]
    assert DEMO.count(old) == 1, old
    text = DEMO.replace(old, new)
    code, lines = validate(tmp_path, text)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("pb.yaml:") and expected in lines[0], lines
    assert "Traceback" not in lines[0]


def test_the_demo_validates(tmp_path: Path) -> None:
    assert validate(tmp_path, DEMO) == (0, ["ok pb.yaml"])


def test_dependents_need_one_registry_to_agree_with(tmp_path: Path) -> None:
    text = DEMO.replace(
        '    versions: ["40", "41", "42"]\n',
        '    versions: ["40", "41", "42"]\n  shadow:\n    type: registry\n    kind: simulated\n    alias: shadow\n',
    )
    code, lines = validate(tmp_path, text)
    assert code == 2
    assert (
        f"pb.yaml:{line_of(text, 'kind: consistency')}: steps[7].kind: a consistency step needs exactly one registry target"
        in lines
    )
    assert any(
        line.endswith("dependents.billing.source: a simulated dependent follows the playbook's only registry")
        for line in lines
    )
