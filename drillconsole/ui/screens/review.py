"""The review: headline times, then lessons learned and action items before the log closes."""

from __future__ import annotations

import re
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Button, Input, Select, Static

from drillconsole.drill import metrics
from drillconsole.drill.wording import format_duration
from drillconsole.engine.seat import DrillSeat
from drillconsole.errors import CommandError
from drillconsole.report.history import Comparison, compare, earlier_drills
from drillconsole.ui.screens.confirm import ChoiceScreen
from drillconsole.ui.widgets.drill_picture import drill_picture
from drillconsole.ui.widgets.key_footer import KeyFooter

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

LABELS = {
    "time_to_detect_s": "Time to detect",
    "time_to_decision_s": "Time to decision",
    "time_to_rollback_s": "Time to rollback",
    "time_to_restore_s": "Time to restore",
    "time_to_restore_from_detection_s": "  from detection",
    "rollback_success_rate": "Rollback success",
    "fidelity_match_rate": "Fidelity",
    "false_alarms": "False alarms",
    "escalations": "Escalations",
}


def _shown(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    if key.endswith("_s"):
        return format_duration(value)
    if key in metrics.HIGHER_IS_BETTER:
        return f"{value:.1%}"
    return f"{value:g}"


def headline_text(m: metrics.Metrics, earlier: list[Comparison]) -> str:
    """Every headline metric (docs/metrics.md), against the earlier drills when there are any, then late and missed items."""
    values = metrics.headline_values(m)
    against = {c.metric: c for c in earlier}
    lines = []
    for key, label in LABELS.items():
        line = f"{label:<18}[b]{_shown(key, values[key])} [/b]"  # the space inside: SVG drops one after bold
        if key == "time_to_detect_s" and m.detected_by == "person":
            line += "(by a person)"
        if key == "fidelity_match_rate" and m.fidelity is not None:
            line += "passed" if m.fidelity.passed else "[b $band-critical]FAILED[/]"
        c = against.get(key)
        if c is not None and c.verdict != "new":
            tone = {"better": "$band-ok", "worse": "$band-critical"}.get(c.verdict, "dim")
            word = "same as" if c.verdict == "same" else f"{c.verdict} than"
            line += f" [{tone}]{word} {_shown(key, c.before)}[/]"
        lines.append(line)
    late = [f"{rid}/{i}" for rid, a in m.adherence.items() for i in a["late_items"]]
    missed = [f"{rid}/{i}" for rid, a in m.adherence.items() for i in a["missed_items"]]
    lines.append(f"Late items        {escape(', '.join(late)) or 'none'}")
    lines.append(f"Missed items      {escape(', '.join(missed)) or 'none'}")
    if earlier:
        lines.append("[dim]against the median of earlier drills of this playbook in the log folder[/dim]")
    return "\n".join(lines)


class ReviewScreen(Screen[None]):
    """Records lessons and action items with the engine; Close ends the session."""

    BINDINGS = [("ctrl+s", "close", "Close the drill")]

    def __init__(self, seat: DrillSeat, role: str, log_path: Path | None = None) -> None:
        super().__init__()
        self._seat = seat
        self._log_path = log_path
        self._role = role

    def compose(self) -> ComposeResult:
        s = self._seat.state
        h = metrics.compute(s)
        tone = "band-ok" if h.outcome == "restored" else "band-critical"
        roles = [(rid, rid) for rid in s.playbook.roles]
        with VerticalScroll(id="review"):
            yield Static(f"[b]Review — {escape(s.playbook.drill.title)}[/b]", classes="title")
            with Horizontal(id="summary"):
                yield Static(
                    f"Outcome [b ${tone}]{escape(h.outcome or 'unfinished')}[/]"
                    + (f" ({escape(s.end_reason)})" if s.end_reason and h.outcome != "restored" else "")
                    + "\n"
                    + headline_text(h, self._earlier()),
                    id="headline",
                )
                picture = Static("", id="picture")
                picture.border_title = "The drill on one time axis"
                yield picture
            yield Static(f"[b]Lessons learned [/b](recorded as {escape(self._role)})")
            with Horizontal(classes="field"):
                yield Input(placeholder="what we learned", id="lesson")
                yield Button("Add lesson", id="add-lesson")
            yield Static("", id="lessons")
            yield Static("[b]Action items[/b]")
            yield Input(placeholder="what to do", id="action-text")  # a row of its own: room to write at 80 columns
            with Horizontal(classes="field"):
                yield Select(roles, value=roles[0][1], allow_blank=False, id="action-owner")
                yield Input(placeholder="due YYYY-MM-DD", id="action-due", max_length=10)
                yield Button("Add item", id="add-action")
            yield Static("", id="actions")
            yield Button("Close the drill (Ctrl+S)", variant="primary", id="close")
        yield KeyFooter()

    def _earlier(self) -> list[Comparison]:
        """This drill against earlier drills of the same playbook in the log folder (empty without a log)."""
        path = self._log_path
        if path is None:
            return []
        now = metrics.headline_values(metrics.compute(self._seat.state))
        return compare(now, earlier_drills(path, self._seat.playbook.drill.id))

    def on_mount(self) -> None:
        self.query_one("#lesson", Input).focus()
        self._list()

    def on_resize(self, event: events.Resize) -> None:
        """Draw the picture of the drill to the width beside the numbers."""
        self.call_after_refresh(self._draw_picture)

    def _draw_picture(self) -> None:
        """The picture at the width its panel got once laid out beside the numbers."""
        picture = self.query_one("#picture", Static)
        width = max(30, picture.content_region.width - 1)
        picture.update("\n".join(drill_picture(self._seat.state, width)))

    def _list(self) -> None:
        s = self._seat.state
        self.query_one("#lessons", Static).update(
            "\n".join(f"  • {escape(x['text'])}" for x in s.lessons) or "  [dim]none yet[/dim]"
        )
        self.query_one("#actions", Static).update(
            "\n".join(f"  • {escape(x['text'])} — {escape(x['owner'])}, due {escape(x['due'])}" for x in s.actions)
            or "  [dim]none yet[/dim]"
        )

    @on(Input.Submitted, "#lesson")
    @on(Button.Pressed, "#add-lesson")
    def _add_lesson(self) -> bool:
        field = self.query_one("#lesson", Input)
        try:
            self._seat.lesson(self._role, field.value)
        except CommandError as exc:
            self.notify(str(exc), severity="error")
            return False
        field.value = ""
        self._list()
        return True

    @on(Input.Submitted, "#action-text, #action-due")
    @on(Button.Pressed, "#add-action")
    def _add_action(self) -> bool:
        text, due = self.query_one("#action-text", Input), self.query_one("#action-due", Input)
        owner = str(self.query_one("#action-owner", Select).value)
        if not DATE.match(due.value.strip()):
            self.notify("an action item needs a due date as YYYY-MM-DD", severity="error")
            due.focus()
            return False
        try:
            self._seat.action_item(self._role, text.value, owner, due.value.strip())
        except CommandError as exc:
            self.notify(str(exc), severity="error")
            return False
        text.value, due.value = "", ""
        text.focus()
        self._list()
        return True

    def unsaved(self) -> list[str]:
        """What was typed into the lesson or action fields but not added."""
        return [
            label
            for label, field in (("lesson", "#lesson"), ("action item", "#action-text"))
            if self.query_one(field, Input).value.strip()
        ]

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Finish the review; typed text not yet added is added, kept, or dropped as the user says."""
        if self.unsaved():
            self._ask_unsaved()
        else:
            self.dismiss(None)

    @work(group="review", exclusive=True)
    async def _ask_unsaved(self) -> None:
        typed = " and ".join(self.unsaved())
        answer = await self.app.push_screen_wait(
            ChoiceScreen(
                "Unsaved text",
                f"The {typed} you typed has not been added yet.",
                [("add", "Add it and close"), ("discard", "Close without it"), ("keep", "Keep editing")],
            )
        )
        if answer == "add":
            if self.query_one("#lesson", Input).value.strip() and not self._add_lesson():
                return
            if self.query_one("#action-text", Input).value.strip() and not self._add_action():
                return  # e.g. no due date yet: the notice says so and the text stays
            self.dismiss(None)
        elif answer == "discard":
            self.dismiss(None)
