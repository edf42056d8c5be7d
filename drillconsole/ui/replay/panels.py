"""Console widgets adapted for a replay by subclassing: the header marked REPLAY, alerts without key hints."""

from __future__ import annotations

import re

from textual.content import Content
from textual.markup import escape

from drillconsole.drill.state import DrillState
from drillconsole.ui.widgets.alerts import Alerts
from drillconsole.ui.widgets.drill_header import DrillHeader, HeaderFacts

_KEY_HINT = re.compile(r" \(key [a-z]\)$")


class ReplayHeader(DrillHeader):
    """DrillHeader whose clock is the replay position; `facts.paused` and `facts.speed` are the transport's."""

    def __init__(self, state: DrillState, log_name: str, **kwargs: object) -> None:
        super().__init__(state, **kwargs)  # type: ignore[arg-type]
        self._log_name = log_name

    def _markup(self, facts: HeaderFacts) -> str:
        # The live header shows speed and pause only when they differ from normal; a replay always shows both.
        live = super()._markup(HeaderFacts(facts.now, False, 1.0, None))
        line1, line2 = live.split("\n", 1)
        line1 = f"{line1} [bold reverse $accent] REPLAY [/]"
        named = f"{line1} [dim]{escape(self._log_name)}[/dim]"
        if Content.from_markup(named).cell_length <= self.content_size.width:  # a wrapped line would hide line 2
            line1 = named
        if facts.paused:
            transport = f"[bold reverse $band-warn] ‖ PAUSED [/] {facts.speed:g}×"
        else:
            transport = f"[bold reverse $accent] ▶ PLAYING [/] {facts.speed:g}×"
        return f"{line1}\n{line2}│ {transport}"


class ReplayAlerts(Alerts):
    """The console's alerts without its key hints: a replay can neither decide nor approve."""

    def _lines(self, now: float) -> list[str]:
        return [_KEY_HINT.sub("", line) for line in super()._lines(now)]
