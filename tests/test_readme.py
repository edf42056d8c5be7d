"""Every example in the README is executed here, so the docs cannot drift from the engine.

Headless examples run as written (from the repository root, in a scratch log folder);
the `--script` example's YAML block is the script they run. Synopsis lines with
placeholders (PLAYBOOK, LOG, DIR, FILE, [options]) describe syntax and are checked
against `--help` instead. Console examples open the terminal UI and are driven by
the UI tests; the live-drill setup is what the integration suite starts for real.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\[|\|")


def _blocks(lang: str) -> list[str]:
    return [body for found, body in re.findall(r"```(\w*)\n(.*?)```", README, re.S) if found == lang]


def _examples() -> list[str]:
    """`drillconsole ...` lines of the README's shell blocks that are runnable as written (headless, no placeholders)."""
    out = []
    for block in _blocks("sh"):
        for raw in block.splitlines():
            line = raw.split("  #", 1)[0].strip()
            live = "live-" in line  # needs MLflow, Prometheus and the sandbox: tests/integration/test_live_drill.py
            if line.startswith("drillconsole ") and "--headless" in line and not PLACEHOLDER.search(line) and not live:
                out.append(line)
    return out


def _script_block() -> str:
    scripts = [b for b in _blocks("yaml") if "do: decide" in b]
    assert len(scripts) == 1, "the README shows one --script example"
    return scripts[0]


def test_the_readme_has_headless_examples() -> None:
    assert len(_examples()) >= 3


@pytest.mark.parametrize("line", _examples())
def test_each_headless_example_runs_and_restores(line: str, tmp_path: Path) -> None:
    (tmp_path / "inputs.yaml").write_text(_script_block(), encoding="utf-8")
    argv = shlex.split(line)[1:]
    argv = [str(ROOT / a) if a.startswith("playbooks/") else a for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "drillconsole", *argv, "--log-dir", str(tmp_path / "logs")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "outcome:           restored" in done.stdout
    assert "refused:" not in done.stderr, done.stderr


def test_synopsis_options_exist() -> None:
    """Every `--option` a synopsis line names is an option of that command."""
    for block in _blocks("sh"):
        for raw in block.splitlines():
            line = raw.split("  #", 1)[0].strip()
            if not line.startswith("drillconsole "):
                continue
            command = line.split()[1]
            helped = subprocess.run(
                [sys.executable, "-m", "drillconsole", command, "--help"], capture_output=True, text=True, check=False
            )
            assert helped.returncode == 0, line
            for option in re.findall(r"(--[a-z][a-z-]+)", line):
                assert option in helped.stdout, (line, option)
