"""The console's first frame comes before the heavy imports: nothing on the way to it loads the engine or pydantic.

The first frame is the main screen with the drill's header and signal panels,
drawn from the playbook's outline; the playbook models, the engine and the
regions that need the drill are imported by the loading worker afterwards.
"""

from __future__ import annotations

import subprocess
import sys

FIRST_FRAME_PATH = [
    "drillconsole.cli",
    "drillconsole.launch",
    "drillconsole.ui.app",
    "drillconsole.ui.screens.loading",
    "drillconsole.playbook.outline",
    "drillconsole.ui.screens.main",
]
"""What `drillconsole demo` imports before `App.run()` draws its first frame (the main screen, or the loading screen)."""

HEAVY = (
    "pydantic",
    "httpx",
    "polars",
    "numpy",
    "drillconsole.engine",
    "drillconsole.playbook.models",
    "drillconsole.playbook.loader",
    "drillconsole.drill.state",
    "drillconsole.signals",
)


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
