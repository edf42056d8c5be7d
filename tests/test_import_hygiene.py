"""The engine, playbook, log and report code must not pull in Textual or Rich."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

from drillkit import REPO

import drillconsole


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(drillconsole.__path__, "drillconsole."):
        if info.name.startswith("drillconsole.ui") or info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


def test_core_modules_are_listed():
    names = core_modules()
    for expected in (
        "drillconsole.engine.engine",
        "drillconsole.playbook.loader",
        "drillconsole.log.writer",
        "drillconsole.cli",
    ):
        assert expected in names


def test_core_never_imports_textual_or_rich():
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"textual/rich imported by core modules: {result.stdout}"
