"""Fuzzed playbooks (mutations of the bundled ones) through `drillconsole validate`, and what it accepts through `run`.

Never a traceback; always exit 0 or 2; every line `FILE:LINE: ...` or `ok FILE`; and a playbook
validate accepts starts headless (`--auto --virtual-clock`, time limit cut short) and ends with
an outcome, not a crash.
"""

from __future__ import annotations

import copy
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drillconsole.cli import main
from drillconsole.playbook.reading import compose
from drillconsole.resources import playbooks_dir

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(ok .+|[^\n]+:\d+: .+)$")
BUNDLED = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(playbooks_dir().glob("*.yaml"))}
# Live playbooks name their services through the environment: point them at a closed local port.
LIVE_ENV = {
    "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
    "PROMETHEUS_URL": "http://127.0.0.1:9",
    "SANDBOX_URL": "http://127.0.0.1:9",
}

ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "   ",
        "\t",
        "a\nb",
        "x\x1b[2Jy",
        "\x00",
        "é€😀",
        "'\"",
        "${env:}",
        "${secret:NOPE_H1}",
        "not a url",
        "ftp://x",
        "0s",
        "-1s",
        ".nan",
        "1e999s",
        "999999h",
        "x" * 5000,
    ]
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 0.0, -0.0, 1e15, 1e16, 2**63, -(2**63) - 1]),
)


def deep(levels: int) -> Any:
    value: Any = "leaf"
    for i in range(levels):
        value = [value] if i % 2 else {"k": value}
    return value


WEIRD = st.one_of(
    ODD_TEXT,
    NUMBERS,
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["id", "kind", "type", "x"]), st.integers(), max_size=2),
    st.integers(min_value=60, max_value=90).map(deep),
)


def paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in the document."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += paths(value, (*prefix, i))
    return out


def mutate(doc: Any, path: tuple, how: str, value: Any) -> Any:
    """The document with one value at `path` dropped, replaced, retyped or duplicated."""
    doc = copy.deepcopy(doc)
    parent = doc
    for comp in path[:-1]:
        parent = parent[comp]
    last = path[-1]
    if how == "drop":
        del parent[last]
    elif how == "replace":
        parent[last] = value
    elif how == "retype":
        current = parent[last]
        parent[last] = [current] if not isinstance(current, list) else {"x": current}
    elif how == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    return doc


@st.composite
def fuzzed(draw: st.DrawFn) -> tuple[str, str]:
    """(bundled playbook name, mutated YAML text)."""
    name = draw(st.sampled_from(sorted(BUNDLED)))
    doc = BUNDLED[name]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        candidates = paths(doc)
        path = draw(st.sampled_from(candidates))
        doc = mutate(
            doc, path, draw(st.sampled_from(["drop", "replace", "replace", "retype", "duplicate"])), draw(WEIRD)
        )
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    if draw(st.booleans()):  # and sometimes damage the text itself
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = (
            text[:at]
            + draw(st.sampled_from(["", "\x07", "\n  - [", "&a [*a]", ": :", "\t", "{", "\x00", "*nope"]))
            + text[at:]
        )
    return name, text


def validate(text: str, folder: Path) -> tuple[int, list[str], Path]:
    path = folder / "pb.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines(), path


def shortened(path: Path) -> None:
    """Cut the drill's time limit to at most 90 s, so a run under the virtual clock stays short."""
    _, doc = compose(path.read_text(encoding="utf-8"), str(path))  # the loader's YAML (libyaml accepts more)
    drill = doc["drill"]
    limit = drill.get("time_limit", 1800)
    drill["time_limit"] = 90 if not isinstance(limit, (int, float)) or not math.isfinite(limit) or limit > 90 else limit
    if isinstance(drill["time_limit"], (int, float)) and drill["time_limit"] <= 0:
        drill["time_limit"] = 90
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=fuzzed())
def test_fuzzed_playbooks_are_ok_or_one_located_line_each(case: tuple[str, str]) -> None:
    _, text = case
    with tempfile.TemporaryDirectory() as tmp:
        code, lines, path = validate(text, Path(tmp))
        assert code in (0, 2)
        assert lines and all(LINE.match(line) for line in lines), lines
        assert (code == 0) == (lines == [f"ok {path}"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(case=fuzzed())
def test_what_validate_accepts_starts_headless_without_a_traceback(case: tuple[str, str]) -> None:
    _, text = case
    with tempfile.TemporaryDirectory() as tmp:
        code, _, path = validate(text, Path(tmp))
        assume(code == 0)
        shortened(path)
        # The shorter limit may make it invalid (e.g. polls now too many): then there is nothing to run.
        assume(validate(path.read_text(encoding="utf-8"), Path(tmp))[0] == 0)
        args = [
            "run",
            str(path),
            "--headless",
            "--auto",
            "--virtual-clock",
            "--log-dir",
            str(Path(tmp) / "logs"),
            "--allow-production",
        ]
        result = CliRunner(env=LIVE_ENV).invoke(main, args)
        assert isinstance(result.exception, SystemExit) or result.exception is None, repr(result.exception)
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output and "Task exception was never retrieved" not in result.output
        assert "outcome:" in result.output


def test_a_few_fuzzed_files_through_the_real_command(tmp_path: Path) -> None:
    """The same contract in real processes: stdout lines only, nothing on stderr, exit 0 or 2."""
    demo = BUNDLED["demo.yaml"]
    cases = {
        "nan-interval": mutate(demo, ("signals", 0, "interval"), "replace", float("nan")),
        "deep": mutate(demo, ("steps", 0, "description"), "replace", deep(80)),
        "retyped-steps": mutate(demo, ("steps",), "retype", None),
        "no-roles": mutate(demo, ("roles",), "drop", None),
        "control": mutate(demo, ("drill", "title"), "replace", "x\x1b[2J\ny"),
    }
    files = []
    for name, doc in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        files.append(path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-m", "drillconsole", "validate", *map(str, files)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    for path in files:
        assert any(line.startswith(f"{path}:") or line == f"ok {path}" for line in lines), path
    assert any("'nan' is not a finite number" in line or "finite" in line for line in lines if "nan-interval" in line)
    assert any("nested deeper than 64 levels" in line for line in lines if "deep.yaml" in line)
