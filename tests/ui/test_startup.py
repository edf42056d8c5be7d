"""The console's first frame comes before the heavy imports: nothing on the way to it loads the engine or pydantic."""

from __future__ import annotations

import subprocess
import sys

FIRST_FRAME_PATH = ["drillconsole.cli", "drillconsole.launch", "drillconsole.ui.app", "drillconsole.ui.screens.loading"]
"""What `drillconsole demo` imports before `App.run()` draws the loading screen."""

HEAVY = ("pydantic", "httpx", "polars", "drillconsole.engine", "drillconsole.playbook", "drillconsole.signals")


def test_nothing_heavy_is_imported_before_the_first_frame() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {FIRST_FRAME_PATH!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported before the first frame: {result.stdout.strip()}"
