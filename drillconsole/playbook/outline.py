"""What the console draws before the playbook is validated: the drill's title, environment and signal panels.

The console's main screen comes up with its header and one panel per signal
while the playbook is validated and the drill prepared off the event loop;
the other regions fill in once that is done. The outline is read with the
same limited YAML reading as the loader (size, depth, aliases), and never
imports the playbook models: that is the point of it.

It is not a second validation. Anything that does not look like a playbook's
top (no `drill.title`, no list of signals each with an `id` and `title`) gives
no outline, and the console shows its loading screen until the loader says
what is wrong. A playbook that reads here but fails validation is refused by
the loader a moment later, exactly as without an outline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillconsole.playbook.problems import PlaybookError
from drillconsole.playbook.reading import compose, read_bytes

ENVIRONMENTS = ("simulation", "staging", "production")

OUTLINE_MAX = 128 * 1024
"""Largest playbook (bytes) given an outline: reading one costs ~1 ms per KiB before the first frame, so a
larger file gets the loading screen at once and its panels with the drill."""


@dataclass(frozen=True)
class SignalOutline:
    """A signal panel before the playbook is validated: its id and title."""

    id: str
    title: str


@dataclass(frozen=True)
class Outline:
    """The drill's header and signal panels as the playbook file states them."""

    name: str
    """The playbook's file name."""
    title: str
    environment: str
    signals: tuple[SignalOutline, ...]


def read_outline(path: Path) -> Outline | None:
    """The outline of a playbook file, or None when the file does not read as a playbook (the loader says why)."""
    try:
        text = read_bytes(path, OUTLINE_MAX).decode("utf-8-sig")
        _, data = compose(text, str(path))
    except (PlaybookError, UnicodeDecodeError):
        return None
    return outline_of(data, Path(path).name)


def outline_of(data: Any, name: str) -> Outline | None:
    """The outline of parsed playbook data, or None when its top does not have a playbook's shape."""
    if not isinstance(data, dict):
        return None
    drill, signals = data.get("drill"), data.get("signals")
    if not isinstance(drill, dict) or not isinstance(signals, list):
        return None
    title, environment = drill.get("title"), drill.get("environment", "simulation")
    if not isinstance(title, str) or environment not in ENVIRONMENTS:
        return None
    out = []
    for signal in signals:
        if not isinstance(signal, dict):
            return None
        sid, stitle = signal.get("id"), signal.get("title")
        if not isinstance(sid, str) or not isinstance(stitle, str):
            return None
        out.append(SignalOutline(sid, stitle))
    return Outline(name, title, str(environment), tuple(out))
