"""Helpers for the report tests: run scripted drills headless on a virtual clock, call the CLI, read logs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from drillconsole.engine.players import ScriptCommand, ScriptPlayer
from drillconsole.launch import prepare
from drillconsole.log.reader import iter_events
from drillconsole.report.build import build_report

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "playbooks" / "demo.yaml"
PHRASE = "ROLLBACK fraud-scorer TO v41"

DECIDE, REQUEST, APPROVE, LATENCY = 95.0, 100.0, 110.0, 1.5

SCRIPT = [
    # the demo played by a script: decide at T+95, gate requested at T+100 and approved at T+110
    {"at": "5s", "role": "tech_lead", "do": "run", "step": "confirm-baseline"},
    {"at": "10s", "role": "commander", "do": "check", "item": "brief-team"},
    {"at": "12s", "role": "comms", "do": "check", "item": "stakeholders"},
    {"at": "70s", "role": "tech_lead", "do": "check", "item": "dashboards"},
    {"at": "90s", "role": "commander", "do": "check", "item": "ack-alert"},
    {
        "at": DECIDE,
        "role": "commander",
        "do": "decide",
        "option": "full_rollback",
        "rationale": "precision fell below 0.86",
    },
    {"at": "97s", "role": "tech_lead", "do": "run", "step": "freeze-deploys"},
    {"at": "98s", "role": "comms", "do": "run", "step": "initial-update"},
    {"at": REQUEST, "role": "tech_lead", "do": "request", "step": "registry-rollback"},
    {"at": APPROVE, "role": "data_steward", "do": "approve", "step": "registry-rollback", "phrase": PHRASE},
    {"at": "115s", "role": "data_steward", "do": "run", "step": "verify-signals"},
    {"at": "200s", "role": "data_steward", "do": "run", "step": "fidelity"},
    {"at": "201s", "role": "data_steward", "do": "run", "step": "downstream-consistency"},
    {"at": "202s", "role": "data_steward", "do": "run", "step": "reconcile"},
    {"at": "205s", "role": "comms", "do": "run", "step": "all-clear"},
    {"at": "210s", "role": "commander", "do": "lesson", "text": "the latency blip drew attention from precision"},
    {
        "at": "211s",
        "role": "commander",
        "do": "action",
        "text": "tune the latency trigger",
        "owner": "tech_lead",
        "due": "2026-12-15",
    },
    {"at": "215s", "role": "commander", "do": "end"},
]

RETRY_PLAYBOOK = """
drill: {id: retry-drill, title: Retry drill, model: m, seed: 3, versions: {suspect: "2", known_safe: "1"}, time_limit: 5m}
roles:
  commander: {title: IC, authority: [declare_rollback, approve_gate, end_drill]}
  tech: {title: Tech lead, authority: [execute_steps]}
targets:
  registry: {type: registry, kind: simulated, alias: champion, versions: ["0", "1", "2"]}
signals:
  - {id: quality, title: Quality, source: {kind: simulated, baseline: 0.9, noise: 0}, interval: 1s, bands: {critical: {below: 0.8, for: 0s}}}
triggers:
  - {id: quality-low, kind: threshold, signal: quality, below: 0.8, for: 5s, proposes: rollback}
scenario:
  - {id: fault, at: 20s, signal: quality, kind: shift, delta: -0.2, cause: {version: "2"}, recede: 5s}
steps:
  - {id: decide, title: Decide, phase: decide, owner: commander, kind: decision,
     options: [{id: rollback, title: Roll back, expected: true}, {id: hold, title: Hold}]}
  - {id: to-zero, title: "Alias 1 to 0", phase: execute, owner: tech, kind: action, rollback: true,
     action: {type: registry.set_alias, target: registry, from: "1", to: "0"}}
  - {id: to-one, title: "Alias 2 to 1", phase: execute, owner: tech, kind: action, when: {failed: to-zero},
     action: {type: registry.set_alias, target: registry, from: "2", to: "1"}}
"""
"""The rollback step (`to-zero`) fails first (the alias is not at v1 yet), a fallback moves it to v1, the retry succeeds."""

NOISE_PLAYBOOK = """
drill: {id: noise-drill, title: Noise drill, model: m, seed: 5, versions: {suspect: "2", known_safe: "1"}, time_limit: 5m}
roles:
  commander: {title: IC, authority: [declare_rollback, approve_gate, end_drill]}
signals:
  - {id: latency, title: Latency, unit: ms, source: {kind: simulated, baseline: 100, noise: 0}, interval: 1s,
     bands: {warn: {above: 200, for: 0s}}}
triggers:
  - {id: latency-high, kind: threshold, signal: latency, above: 200, for: 0s, proposes: hold}
scenario:
  - {id: blip, at: 20s, signal: latency, kind: spike, delta: 300, duration: 3s}
  - {id: burst, at: 40s, signal: latency, kind: spike, delta: 300, duration: 10s}
steps:
  - {id: decide, title: Decide, phase: decide, owner: commander, kind: decision,
     options: [{id: hold, title: Hold, expected: true}, {id: rollback, title: Roll back}]}
"""
"""Two transient spikes over a `for: 0s` threshold: the first fires and clears alone (noise), the second spans a decision."""


def write_playbook(folder: Path, name: str, text: str) -> Path:
    """A playbook file in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text.lstrip(), encoding="utf-8")
    return path


def run_drill(
    playbook: Path, script: list[dict[str, Any]], log_dir: Path, seed: int | None = None, *, legacy: bool = False
) -> Path:
    """Run a scripted drill to its end on a virtual clock; every scripted command must be accepted.

    `legacy` writes the log as drillconsole did before logs were self-contained (the playbook named, not embedded).
    """
    players = [ScriptPlayer(sorted((ScriptCommand.model_validate(c) for c in script), key=lambda c: c.at))]
    prepared = prepare(playbook, seed=seed, log_dir=log_dir, virtual_clock=True, players=players)
    if legacy:
        prepared.engine.playbook_text = None
    try:
        asyncio.run(prepared.engine.run())
    finally:
        prepared.log.close()
    assert prepared.engine.rejected == [], prepared.engine.rejected
    return prepared.log_path


def report(path: Path, verify: bool | None = None) -> dict[str, Any]:
    """The JSON report's data, built in process."""
    return build_report(path, verify).data


def events(path: Path, kind: str) -> list[Any]:
    """Events of one type, read with the log module (the reference the report is checked against)."""
    return [e for e in iter_events(path) if e.type == kind]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `drillconsole ARGS` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "drillconsole", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or REPO,
        check=False,
    )


def restamp(src: Path, dest: Path, ts: str) -> Path:
    """A copy of a log whose session started at `ts` (the header line rewritten; the chain no longer verifies)."""
    first, rest = src.read_text(encoding="utf-8").split("\n", 1)
    head = json.loads(first)
    head["ts"] = ts
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(
        json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" + rest, encoding="utf-8"
    )
    return dest


def script_yaml(commands: list[dict[str, Any]]) -> str:
    """A `--script` file's text."""
    return yaml.safe_dump(commands, sort_keys=False)
