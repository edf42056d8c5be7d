"""The bundled playbooks and themes ship inside the wheel, so a non-editable install finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from drillkit import REPO

from drillconsole.resources import bundled_playbook, playbooks_dir, themes_dir


def test_resources_resolve_in_this_environment():
    assert bundled_playbook("demo").is_file()
    assert (playbooks_dir() / "schema.json").is_file()
    assert themes_dir().is_dir()


def test_python_dash_m_works_from_another_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "drillconsole", "--version"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0 and "drillconsole" in result.stdout


def test_wheel_carries_playbooks_and_themes(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    wheel = next(Path(tmp_path).glob("drillconsole-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for playbook in ("demo", "partial-rollback", "data-drift"):
        assert f"drillconsole/_data/playbooks/{playbook}.yaml" in names
    assert "drillconsole/_data/playbooks/schema.json" in names
    assert any(n.startswith("drillconsole/_data/themes/") for n in names)
