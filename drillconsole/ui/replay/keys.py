"""The replay's keys, in one place for the replay screen, its footer and the help screen."""

from __future__ import annotations

from textual.binding import Binding

# Transport keys are priority bindings: the focused step table would otherwise take ←/→, Home and End.
REPLAY_KEYS: list[Binding] = [
    Binding("space", "play_pause", "Play/Pause", priority=True, key_display="Space"),
    Binding("left", "step_event(-1)", "Prev event", priority=True, key_display="←"),
    Binding("right", "step_event(1)", "Next event", priority=True, key_display="→"),
    Binding("shift+left,comma", "step_phase(-1)", "Prev phase", show=False, priority=True, key_display="⇧← ,"),
    Binding("shift+right,full_stop", "step_phase(1)", "Next phase", priority=True, key_display="."),
    Binding("plus,right_square_bracket", "speed(1)", "Faster", key_display="+"),
    Binding("minus,left_square_bracket", "speed(-1)", "Slower", key_display="-"),
    Binding("home", "to_start", "Start", show=False, priority=True, key_display="Home"),
    Binding("end", "to_end", "End", show=False, priority=True, key_display="End"),
    Binding("g", "jump", "Go to"),
    Binding("f", "filter_role", "Filter role", show=False),
    Binding("k", "filter_kind", "Filter kind", show=False),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("q", "app.quit", "Quit"),
]
"""Keys of the replay screen (inactive under dialogs); none of them can change a drill."""

HELP: dict[str, str] = {
    "play_pause": "play / pause (at the end, play starts again from the beginning)",
    "step_event(-1)": "previous event (signal samples are skipped)",
    "step_event(1)": "next event",
    "step_phase(-1)": "previous phase entry (also Shift+←)",
    "step_phase(1)": "next phase entry (also Shift+→)",
    "speed(1)": "faster: 1× → 5× → 20× → 60× drill seconds per second (also ])",
    "speed(-1)": "slower (also [)",
    "to_start": "the start of the drill",
    "to_end": "the last event of the log",
    "jump": "go to a drill time: 83, 83s, 1m23s, 1:23 or T+01:23",
    "filter_role": "timeline: cycle the role filter",
    "filter_kind": "timeline: cycle the event-kind filter",
    "help": "this help",
    "app.quit": "quit the replay (the log is only read, never changed)",
}
"""Longer descriptions for the help screen, by action."""

EXTRA_HELP: list[tuple[str, str]] = [
    ("Click", "on the scrubber: go to that moment"),
    ("↑ ↓", "move in the step list, a checklist or the timeline"),
    ("Tab", "move between the step list, the checklists and the timeline"),
    ("Ctrl+P", "command palette: every replay action, themes, speeds"),
    ("Ctrl+C / Ctrl+Q", "quit, like q"),
]


def help_rows() -> list[tuple[str, str]]:
    """Every replay key with what it does, for the help screen."""
    rows = [(b.key_display or b.key, HELP.get(b.action, b.description)) for b in REPLAY_KEYS]
    return rows + EXTRA_HELP
