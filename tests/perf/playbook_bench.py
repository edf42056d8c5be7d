"""Playbook benchmark: validating a 1 MiB playbook beside `yaml.safe_load` of the same file.

`python tests/perf/run.py --only playbook_bench`. Every check the loader runs is linear in
the file's size, so validating costs a small multiple of merely parsing the YAML.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from benchkit import best_of

from drillconsole.playbook.loader import PlaybookError, load_playbook
from drillconsole.playbook.reading import MAX_SIZE
from drillconsole.resources import playbooks_dir

REPO = Path(__file__).resolve().parents[2]


def big_playbook(limit: int = MAX_SIZE) -> str:
    """The demo playbook grown to just under `limit` bytes with valid manual steps."""
    text = (playbooks_dir() / "demo.yaml").read_text(encoding="utf-8")
    head, tail = text.split("\nescalations:\n")
    step = "  - {{id: extra-{n}, title: Extra check {n}, phase: verify, owner: data_steward, kind: manual, description: Confirm item {n} by hand}}\n"
    grown, n = [head, "\n"], 0
    size = len(text)
    while size < limit - 200:
        line = step.format(n=n)
        grown.append(line)
        size += len(line)
        n += 1
    return "".join(grown) + "\nescalations:\n" + tail


def _time(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    return best_of(fn, repeat)


def _problems(path: Path) -> int:
    try:
        load_playbook(path, max_size=None)
    except PlaybookError as exc:
        return len(exc.problems)
    return 0


def rows() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        text = big_playbook()
        path.write_text(text, encoding="utf-8")
        wall_validate, playbook = _time(lambda: load_playbook(path))
        wall_yaml, _ = _time(lambda: yaml.safe_load(path.read_text(encoding="utf-8")))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        cli = [sys.executable, "-m", "drillconsole", "validate", str(path)]
        wall_cli, done = _time(lambda: subprocess.run(cli, env=env, capture_output=True, text=True, check=False))
        assert done.returncode == 0, done.stdout
        dup = Path(tmp) / "dup.yaml"
        same = "  - {id: same, title: t, phase: baseline, owner: tech_lead, kind: manual}\n"
        dup.write_text(text.replace("\nsteps:\n", "\nsteps:\n" + same * 120_000, 1), encoding="utf-8")
        wall_dup, found = _time(lambda: _problems(dup), repeat=1)
        dup_mib = dup.stat().st_size / 1024 / 1024
    return [
        (
            f"validate a {len(text) / 1024 / 1024:.1f} MiB playbook ({len(playbook.steps):,} steps), in process",
            f"{wall_validate:.2f} s",
            "≤ 1 s",
        ),
        ("  yaml.safe_load of the same file (yardstick)", f"{wall_yaml:.2f} s", ""),
        ("  validate vs safe_load", f"{wall_validate / wall_yaml:.2f}×", "< 1×"),
        ("  drillconsole validate, CLI end to end", f"{wall_cli:.2f} s", ""),
        (
            f"validate 120,000 steps sharing one id ({dup_mib:.0f} MiB, {found:,} problems)",
            f"{wall_dup:.2f} s",
            "finishes (was > 200 s); linear in nodes",
        ),
    ]


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row))
