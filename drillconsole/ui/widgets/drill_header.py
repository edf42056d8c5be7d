"""The header bar: drill, model versions, environment, drill clock, phase, outcome, pause."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.markup import escape
from textual.widgets import Static

from drillconsole.drill.wording import format_clock

if TYPE_CHECKING:
    from drillconsole.drill.state import DrillState
    from drillconsole.playbook.outline import Outline


@dataclass(frozen=True)
class HeaderFacts:
    """What the header shows besides the drill state."""

    now: float
    paused: bool
    speed: float
    role: str | None


class DrillHeader(Static):
    """Two lines: what is drilled and where, then where the drill stands."""

    DEFAULT_CSS = """
    DrillHeader {
        dock: top;
        height: 2;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, state: DrillState | None = None, *, outline: Outline | None = None, **kwargs: object) -> None:
        """The header of the drill's fold, or of the playbook's `outline` (title, environment) until `bind`."""
        waiting = "" if outline is None else _title_line(outline.title, outline.environment)
        if outline is not None:
            waiting += f"\nloading playbook… {escape(outline.name)}"
        super().__init__(waiting, **kwargs)  # type: ignore[arg-type]
        self._state = state
        self._shown = ""

    def bind(self, state: DrillState) -> None:
        """Show the drill's fold from the next refresh on."""
        self._state = state

    def show(self, facts: HeaderFacts) -> None:
        """Repaint only when the text changed."""
        if self._state is None:
            return
        markup = self._markup(facts)
        if markup != self._shown:
            self._shown = markup
            self.update(markup, layout=False)  # two docked lines: the size never changes

    def _markup(self, facts: HeaderFacts) -> str:
        s = self._state
        assert s is not None
        drill = s.playbook.drill
        versions = drill.versions
        live = s.live_version()
        live_text = f"live [b]v{escape(live)} [/b]" if live else "live — "
        line1 = _title_line(drill.title, drill.environment)
        # What changes comes first, so a narrow terminal cuts only the model line at the end.
        parts = [
            f"[b]{format_clock(facts.now)} [/b]",
            f"phase [b]{s.phase.value} [/b]",
            live_text,
        ]
        if facts.role:
            parts.append(f"as [b]{escape(facts.role)} [/b]")
        if facts.speed != 1.0:
            parts.append(f"{facts.speed:g}× ")
        if facts.paused:
            parts.append("[bold reverse $band-warn] ‖ PAUSED [/] ")
        if s.ended:
            tone = "band-ok" if s.outcome == "restored" else "band-critical"
            parts.append(f"[bold ${tone}]outcome {escape(s.outcome or '?')} [/]")
        parts.append(
            f"{escape(drill.model)} v{escape(versions.suspect)} suspect → v{escape(versions.known_safe)} known-safe "
        )
        return line1 + "\n" + "│ ".join(parts)


def _title_line(title: str, environment: str) -> str:
    """The first line: what is drilled, and where (production stands out)."""
    badge = (
        "[bold reverse $production] PRODUCTION [/]"
        if environment == "production"
        else f"[$accent]{escape(environment)}[/]"
    )
    return f"[b]{escape(title)} [/b] {badge}"
