"""The drill model's fold of one log, for the report: every lifecycle event, in order (samples are not needed).

Step status, gates, decisions, roles, phases, escalations and the review in the
report are the fold's (`drillconsole.drill.summary`), so the report, the console
and the replay cannot disagree about what an event means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from drillconsole.drill.state import DrillState, apply
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.log.lines import SAMPLE_SUFFIX, decode
from drillconsole.playbook.models import Playbook
from drillconsole.report.load import last_t, last_t_in, lifecycle_lines

SMALL = 8 << 20
"""Logs below this size are filtered line by line in Python: polars pays off only when there are many lines."""

V2_START = '{"seq":'
_TYPE = ',"type":"'
_NOT_FOLDED = ('signal.sample"', 'log.sealed"')
"""Event types the lifecycle fold passes over: samples (signals only) and seals (`apply` ignores them)."""


_FOLDED_V2 = re.compile(r'^\{"seq":\d+,"type":"(?!signal\.sample"|log\.sealed")[^\n]*', re.MULTILINE)
"""A schema-2 line the fold needs, found in a whole text at once."""
_OTHER = re.compile(r'^(?!\{"seq":\d+,"type":"|$)', re.MULTILINE)
"""A line that is neither schema 2 nor empty (schema 1, edited or broken): then lines are judged one by one."""


def _fold_lines(text: str) -> list[str]:
    """The lines of a log's text that the fold needs, in order."""
    if _OTHER.search(text) is None:
        return _FOLDED_V2.findall(text)
    return [line for line in text.split("\n") if _folded(line)]


def _folded(line: str) -> bool:
    """Whether a log line is one the fold needs, judged by its first bytes (schema 2) or its last (schema 1)."""
    at = line.find(_TYPE, 7, 40) if line.startswith(V2_START) else -1  # schema 2: {"seq":N,"type":"…
    if at > 0:
        return not line.startswith(_NOT_FOLDED, at + len(_TYPE))
    return bool(line.strip()) and not line.endswith(SAMPLE_SUFFIX)


@dataclass(frozen=True)
class LogLines:
    """What a trend or history needs of one log, read once: the lines to fold and the drill time of its last event."""

    lifecycle: list[str]
    last_t: float | None


def read_lines(path: Path) -> LogLines:
    """The log's lines that the fold needs, in order, and its last event's drill time."""
    try:
        small = path.stat().st_size < SMALL
    except OSError:
        small = False
    if small:
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            pass  # polars reads what it can, or says why
        else:
            tail = text[-65536:].split("\n")
            return LogLines(_fold_lines(text), last_t_in(tail[1:] if len(text) > 65536 else tail))
    frame = lifecycle_lines([path]).sort("row").get_column("line").to_list()
    return LogLines(frame, last_t(path))


def fold_lifecycle(path: Path, playbook: Playbook, lines: list[str] | None = None) -> DrillState:
    """The state after every event of the log but the samples (which only drive signals and triggers).

    `lines`: the log's non-sample lines in order, when the caller has read them already.
    """
    state = DrillState.initial(playbook)
    for line in read_lines(path).lifecycle if lines is None else lines:
        try:
            raw = decode(line)
            event = Event.from_dict(raw)
        except (ValueError, KeyError, TypeError, RecursionError):
            continue  # a broken line: the chain verdict at the top of the report says so
        if event.type == EventType.SIGNAL_SAMPLE:  # a non-canonical sample line (the suffix filter missed it)
            continue
        try:
            apply(state, event)
        except (KeyError, TypeError, ValueError):
            continue  # an event about something the playbook does not have: reported as a warning by the chain
    return state
