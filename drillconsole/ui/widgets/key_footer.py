"""The footer key bar, shown in a browser too before the page has the focus.

Under `textual serve` the web driver starts the app blurred, and Textual's
Footer leaves its keys out until the browser reports focus: a commander who
has not clicked into the page saw an empty bar. The keys are the console's map;
they show from the first frame (typing works once the page has the focus).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer, recomposed on every bindings change whether or not the app has the focus."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True  # Textual's own flag (pinned version): compose only once bindings are known
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)
