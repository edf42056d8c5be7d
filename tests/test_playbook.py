"""Tests for playbook loading: every problem is one `FILE:LINE: path: message` line, never a traceback."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drillconsole.playbook.loader import (
    PlaybookError,
    Problem,
    load_playbook,
    load_playbook_text,
    playbook_bytes_hash,
)
from drillconsole.playbook.schema import build_schema, schema_text
from drillconsole.resources import playbooks_dir

REPO = Path(__file__).resolve().parents[1]

# Line numbers in the tests below refer to this text: keep it as it is.
VALID = """\
drill:
  id: mini-drill
  title: Minimal rollback drill
  model: fraud-scorer
  versions:
    suspect: v2
    known_safe: v1
roles:
  commander:
    title: Incident commander
    authority: [declare_rollback, approve_gate]
  tech_lead:
    title: Technical lead
    authority: [execute_steps]
targets:
  registry:
    type: registry
    kind: simulated
    versions: [v1, v2]
signals:
  - id: precision
    title: Precision
    source:
      kind: simulated
      baseline: 0.95
    bands:
      warn:
        below: 0.9
        for: 10s
      critical:
        below: 0.8
        for: 30s
triggers:
  - id: precision-drop
    kind: threshold
    signal: precision
    below: 0.85
    for: 1m
    proposes: rollback
steps:
  - id: decide
    title: Decide
    phase: decide
    owner: commander
    kind: decision
    options:
      - id: rollback
        title: Full rollback
        expected: true
      - id: hold
        title: Hold
  - id: registry-rollback
    title: Point champion at v1
    phase: execute
    owner: tech_lead
    kind: action
    action:
      type: registry.set_alias
      target: registry
      to: v1
    gate:
      approver: commander
      phrase: roll back
    undo: restore
"""

FLAGS_TARGET = """\
targets:
  flags:
    type: flags
    kind: simulated
    flags: {new-model: true}
    segments: [eu, us]
  registry:"""


def edit(*pairs: tuple[str, str]) -> str:
    """VALID with each `old` (which must occur exactly once) replaced by `new`."""
    text = VALID
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def problems(text: str) -> list[str]:
    """The problem lines the loader reports for `text`."""
    with pytest.raises(PlaybookError) as info:
        load_playbook_text(text, "pb.yaml")
    return [str(p) for p in info.value.problems]


def test_valid_playbook_loads() -> None:
    pb = load_playbook_text(VALID, "pb.yaml")
    assert pb.drill.id == "mini-drill"
    assert pb.trigger("precision-drop").for_ == 60.0
    assert pb.step("registry-rollback").gate.approver == ["commander"]  # type: ignore[union-attr]
    assert pb.expected_option == "rollback"


def test_problem_and_error_text() -> None:
    assert str(Problem("a.yaml", None, "", "cannot read file: gone")) == "a.yaml:1: cannot read file: gone"
    error = PlaybookError([Problem("a.yaml", 3, "x.y", "bad"), Problem("a.yaml", 9, "z", "worse")])
    assert str(error) == "a.yaml:3: x.y: bad"


def test_top_level_must_be_a_mapping() -> None:
    assert problems("- a\n- b\n") == ["pb.yaml:1: the top level must be a mapping, not a list"]
    assert problems("") == ["pb.yaml:1: empty playbook (expected a mapping with drill, roles, signals, steps)"]


OWNER_IS_APPROVER = ("    owner: tech_lead", "    owner: commander")

# (old, new, the one problem line): one edit of VALID, one located problem.
SINGLE_PROBLEM = [
    (
        "    title: Precision",
        "    title: [Precision",
        "pb.yaml:23: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence on line 22)",
    ),
    (
        "      to: v1",
        "      to: v1\n      form: v2",
        "pb.yaml:61: steps[1].action.form: unknown key 'form' (did you mean 'from'?)",
    ),
    (
        "        below: 0.9",
        "        below: low",
        "pb.yaml:28: signals[0].bands.warn.below: expected a number, got 'low'",
    ),
    (
        "    for: 1m",
        "    for: 5 minutes",
        "pb.yaml:38: triggers[0].for: unparseable duration '5 minutes' (use e.g. 30s, 2m, 1h, 1m30s)",
    ),
    (
        "    kind: simulated\n    versions",
        "    kind: simulatd\n    versions",
        "pb.yaml:18: targets.registry.kind: unknown kind 'simulatd' (did you mean 'simulated'?)",
    ),
    (
        "    undo: restore",
        "    undo: restor",
        "pb.yaml:64: steps[1].undo: expected 'restore' or a mapping, got 'restor'",
    ),
    (
        "    undo: restore",
        "    undo:\n      type: flag.set\n      flag: x\n      value: false",
        "pb.yaml:64: steps[1].undo.target: missing required field",
    ),
    (
        "      to: v1",
        "      to: v1\n      to: v1",
        "pb.yaml:61: steps[1].action.to: duplicate key 'to' (first on line 60)",
    ),
    ("      - id: hold", "      - id: rollback", "pb.yaml:50: steps[0].options[1].id: duplicate option id 'rollback'"),
    ("  - id: registry-rollback", "  - id: decide", "pb.yaml:52: steps[1].id: duplicate step id 'decide'"),
    (
        "signals:\n",
        "signals:\n  - id: precision\n    title: Again\n    source: {kind: simulated, baseline: 1}\n",
        "pb.yaml:24: signals[1].id: duplicate signal id 'precision'",
    ),
    ("      approver: commander", "      approver: cto", "pb.yaml:62: steps[1].gate.approver: unknown role 'cto'"),
    (
        "      approver: commander",
        "      approver: [commander, cto]",
        "pb.yaml:62: steps[1].gate.approver[1]: unknown role 'cto'",
    ),
    (
        "    owner: tech_lead",
        "    owner: tech-lead",
        "pb.yaml:55: steps[1].owner: unknown role 'tech-lead' (did you mean 'tech_lead'?)",
    ),
    (
        "    signal: precision",
        "    signal: precison",
        "pb.yaml:36: triggers[0].signal: unknown signal 'precison' (did you mean 'precision'?)",
    ),
    (
        "    undo: restore",
        "    undo: restore\n    when: {failed: nope}",
        "pb.yaml:65: steps[1].when.failed: unknown step 'nope'",
    ),
    ("      target: registry", "      target: reg", "pb.yaml:59: steps[1].action.target: unknown target 'reg'"),
    (
        "    proposes: rollback",
        "    proposes: abort",
        "pb.yaml:39: triggers[0].proposes: unknown decision option 'abort'",
    ),
    (
        "    undo: restore",
        "    undo: restore\n    when:\n      decision: [rollback, partial]",
        "pb.yaml:66: steps[1].when.decision[1]: unknown decision option 'partial'",
    ),
    ("      to: v1", "      to: v9", "pb.yaml:60: steps[1].action.to: unknown version 'v9'"),
    (*OWNER_IS_APPROVER, "pb.yaml:62: steps[1].gate.approver: two-person gate: approver 'commander' is the step owner"),
    (
        "  - id: decide\n",
        "  - id: decide\n    when: {failed: registry-rollback}\n",
        "pb.yaml:42: steps[0].when.failed: step 'registry-rollback' comes later",
    ),
]


@pytest.mark.parametrize(("old", "new", "line"), SINGLE_PROBLEM)
def test_single_problem_is_located(old: str, new: str, line: str) -> None:
    assert problems(edit((old, new))) == [line]


def test_unknown_key_suggests_the_field() -> None:
    assert problems(edit(("  model: fraud-scorer", "  modle: fraud-scorer"))) == [
        "pb.yaml:1: drill.model: missing required field",
        "pb.yaml:4: drill.modle: unknown key 'modle' (did you mean 'model'?)",
    ]


def test_gate_approvers() -> None:
    tech_lead = ("      approver: commander", "      approver: tech_lead")
    assert problems(edit(OWNER_IS_APPROVER, tech_lead)) == [
        "pb.yaml:62: steps[1].gate.approver: role 'tech_lead' lacks approve_gate authority"
    ]
    assert problems(edit(OWNER_IS_APPROVER, ("      approver: commander", "      approver: [commander]"))) == [
        "pb.yaml:62: steps[1].gate.approver[0]: two-person gate: approver 'commander' is the step owner"
    ]
    one_person = ("      phrase: roll back", "      phrase: roll back\n      two_person: false")
    load_playbook_text(edit(OWNER_IS_APPROVER, one_person), "x")


def test_step_rules() -> None:
    not_registry = edit(("targets:\n  registry:", FLAGS_TARGET), ("      target: registry", "      target: flags"))
    assert problems(not_registry) == ["pb.yaml:64: steps[1].action.target: target 'flags' is not a registry"]
    action = "    kind: action\n    action:\n      type: registry.set_alias\n      target: registry\n      to: v1\n"
    manual = edit((action, "    kind: manual\n"))
    assert problems(manual) == [
        "pb.yaml:60: steps[1].undo: undo 'restore' needs a registry.set_alias or flag.set action"
    ]


def test_flag_action_and_scenario_cause() -> None:
    flag_step = (
        "    undo: restore\n",
        "    undo: restore\n  - id: flag-off\n    title: Flag off\n    phase: execute\n    owner: tech_lead\n"
        "    kind: action\n    action: {type: flag.set, target: flags, flag: new-modle, value: false}\n",
    )
    scenario = "scenario:\n  - {id: drop, at: 30s, signal: precision, kind: shift, delta: -0.2, cause: {version: v3}}\n"
    text = edit(("targets:\n  registry:", FLAGS_TARGET), flag_step, ("steps:\n", scenario + "steps:\n"))
    assert problems(text) == [
        "pb.yaml:46: scenario[0].cause.version: unknown version 'v3' "
        "(neither suspect, known_safe nor a version of a simulated registry)",
        "pb.yaml:77: steps[2].action.flag: unknown flag 'new-modle' on target 'flags' (did you mean 'new-model'?)",
    ]


def test_more_than_one_decision_step() -> None:
    second = "  - id: decide-again\n    title: Again\n    phase: decide\n    owner: commander\n    kind: decision\n"
    options = "    options: [{id: go, title: Go, expected: true}]\n"
    text = edit(("  - id: registry-rollback\n", second + options + "  - id: registry-rollback\n"))
    assert problems(text) == ["pb.yaml:56: steps[1].kind: more than one decision step (the first is 'decide')"]


def test_only_true_and_false_are_booleans() -> None:
    pb = load_playbook_text(edit(("targets:\n  registry:", FLAGS_TARGET.replace("[eu, us]", "[no, se]"))), "x")
    assert pb.targets["flags"].segments == ["no", "se"]  # type: ignore[union-attr]


def test_files_hash_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "pb.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert load_playbook(path).drill.id == "mini-drill"
    assert playbook_bytes_hash(path) == hashlib.sha256(VALID.encode()).hexdigest()
    with pytest.raises(PlaybookError) as info:
        load_playbook(tmp_path / "absent.yaml")
    assert str(info.value) == f"{tmp_path / 'absent.yaml'}:1: cannot read file: No such file or directory"


def _validate_cli(*files: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "drillconsole", "validate", *map(str, files)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_validate_command(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(VALID, encoding="utf-8")
    bad.write_text(edit(("      approver: commander", "      approver: cto")), encoding="utf-8")
    ok = _validate_cli(good)
    assert (ok.returncode, ok.stdout) == (0, f"ok {good}\n")
    failed = _validate_cli(good, bad, tmp_path / "absent.yaml", tmp_path)
    assert failed.returncode == 2
    assert failed.stdout.splitlines() == [
        f"ok {good}",
        f"{bad}:62: steps[1].gate.approver: unknown role 'cto'",
        f"{tmp_path / 'absent.yaml'}:1: cannot read file: No such file or directory",
        f"{tmp_path}:1: cannot read file: Is a directory",
    ]
    assert "Traceback" not in failed.stderr


def test_schema_file_is_current() -> None:
    path = playbooks_dir() / "schema.json"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    assert current == schema_text(), "playbooks/schema.json is stale: run `python -m drillconsole.playbook.schema`"


def test_schema_matches_what_the_loader_accepts() -> None:
    schema = build_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    defs = schema["$defs"]
    assert "for" in defs["Band"]["properties"] and "for_" not in defs["Band"]["properties"]
    assert {"type": "string"} in defs["Gate"]["properties"]["approver"]["anyOf"]
    assert schema["properties"]["roles"]["propertyNames"]["pattern"].startswith("^[A-Za-z]")


def test_bundled_playbooks_validate() -> None:
    paths = sorted(playbooks_dir().glob("*.yaml"))
    if not paths:
        pytest.skip("no bundled playbooks yet")
    for path in paths:
        load_playbook(path)
