"""The console's keys, in one place for the main screen, the footer and the help screen."""

from __future__ import annotations

from textual.binding import Binding

MAIN_KEYS: list[Binding] = [
    # Short footer words, so that ? and q still show at 80 columns.
    Binding("r", "run_step", "Run"),
    Binding("a", "approve", "Approve"),
    Binding("d", "decide", "Decide"),
    Binding("c", "check_item", "Check"),
    Binding("l", "focus_checklist", "Checklist", show=False),
    Binding("slash", "filter_checklist", "Find item", show=False, key_display="/"),
    *(Binding(str(n), f"pick({n})", f"Item {n}", show=False) for n in range(1, 10)),
    Binding("n", "note", "Note"),
    Binding("t", "retry_step", "Retry", show=False),
    Binding("s", "skip_step", "Skip", show=False),
    Binding("u", "undo_step", "Undo", show=False),
    Binding("left_square_bracket", "role_view(-1)", "Prev role", show=False, key_display="["),
    Binding("right_square_bracket", "role_view(1)", "Next role", show=False, key_display="]"),
    Binding("f", "filter_role", "Filter role", show=False),
    Binding("k", "filter_kind", "Filter kind", show=False),
    Binding("p", "pause", "Pause"),
    Binding("plus", "speed(1)", "Faster", show=False, key_display="+"),
    Binding("minus", "speed(-1)", "Slower", show=False, key_display="-"),
    Binding("e", "end_drill", "End"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("q", "app.request_quit", "Quit"),
]
"""Keys of the main screen (inactive under dialogs, so typing there never runs a step)."""

HELP: dict[str, str] = {
    "run_step": "run the selected step (a gated step asks for approval first)",
    "approve": "open the approval dialog of the selected step's gate",
    "decide": "record the decision (as the current role if it may decide)",
    "check_item": "check / uncheck the highlighted checklist item as that tab's role (Enter on the row too)",
    "focus_checklist": "jump to the acting role's checklist",
    "filter_checklist": "find a checklist item by its text: ↑ ↓ pick, Enter checks, Esc closes",
    "note": "add a note to the timeline as the current role",
    "retry_step": "retry the selected failed step",
    "skip_step": "skip the selected step, with a reason",
    "undo_step": "undo the selected succeeded step",
    "role_view(-1)": "previous role tab (the role the console acts as)",
    "role_view(1)": "next role tab",
    "filter_role": "timeline: cycle the role filter",
    "filter_kind": "timeline: cycle the event-kind filter",
    "pause": "pause / resume the drill clock",
    "speed(1)": "speed the drill clock up",
    "speed(-1)": "slow the drill clock down",
    "end_drill": "end the drill (restored once verified, otherwise aborted)",
    "help": "this help",
    "app.request_quit": "quit (mid-drill: asks, then ends the drill as aborted)",
}
"""Longer descriptions for the help screen, by action."""

EXTRA_HELP: list[tuple[str, str]] = [
    ("↑ ↓", "move in the step list, a checklist or the timeline"),
    ("Tab", "move between the step list, the checklists, the timeline and the alerts"),
    ("Ctrl+P", "command palette: every action, themes, speeds, role views"),
    ("Ctrl+C / Ctrl+Q", "quit, like q"),
]


def help_rows() -> list[tuple[str, str]]:
    """Every key with what it does, for the help screen (the nine number keys on one row)."""
    rows = [(b.key_display or b.key, HELP.get(b.action, b.description)) for b in MAIN_KEYS if "pick" not in b.action]
    picks = ("1 … 9", "pick step N in the focused step list, otherwise item N of the acting role's checklist")
    return rows[:5] + [picks] + rows[5:] + EXTRA_HELP
