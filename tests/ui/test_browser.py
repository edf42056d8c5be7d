"""The console under `textual serve` in headless Chromium: the footer key bar is drawn and fully on the page.

Needs `chromium` (or CHROMIUM_BIN) and textual-serve; skipped without them unless
DRILLCONSOLE_REQUIRE_INTEGRATION=1. By hand: `python tests/ui/browser.py OUT.png [--size WxH] [--click]`.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from .browser import Served, chromium, look, row_profile

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Served:
    if chromium() is None or importlib.util.find_spec("textual_serve") is None:
        what = "chromium (or CHROMIUM_BIN) and textual-serve are needed for the browser test"
        if os.environ.get("DRILLCONSOLE_REQUIRE_INTEGRATION") == "1":
            pytest.fail(what, pytrace=False)
        pytest.skip(what)
    server = Served(tmp_path)
    try:
        server.wait_ready()
        yield server  # type: ignore[misc]
    finally:
        server.stop()


@pytest.mark.parametrize("window", [(1280, 800), (900, 560)])
def test_the_footer_keys_show_in_a_browser_before_anyone_clicks_into_the_page(
    served: Served, window: tuple[int, int]
) -> None:
    # Nobody clicks: the web driver starts the app blurred, and Textual's footer used to stay empty until focus.
    seen = look(
        served.url, *window, timeout=90
    )  # waits until the console's output holds the footer's words, else fails
    assert seen.footer_sent
    g = seen.geometry
    # Every terminal row lies inside the page and the terminal element: nothing of the bottom row is clipped.
    assert g["bottom"] <= min(g["viewport"], g["container"]) + 0.5, g
    rows = row_profile(seen)
    inked = [row for row, (_, ink) in enumerate(rows) if ink > 0]
    footer = inked[-1]
    # The last row with anything drawn is the key bar, at the bottom (one spare row below it in a browser),
    # drawn across the width (r Run … q Quit … ^p palette), not a panel border.
    assert footer >= seen.rows - 2, (footer, seen.rows, rows[-4:])
    top, ink = rows[footer]
    cell = (g["bottom"] - g["top"]) / seen.rows
    assert top + cell <= g["viewport"] + 0.5
    assert ink > 1000, rows[-4:]
