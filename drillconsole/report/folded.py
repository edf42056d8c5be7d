"""The drill model's fold of one log, for the report: every lifecycle event, in order (samples are not needed).

Step status, gates, decisions, roles, phases, escalations and the review in the
report are the fold's (`drillconsole.drill.summary`), so the report, the console
and the replay cannot disagree about what an event means.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from drillconsole.drill.state import DrillState, apply
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook
from drillconsole.report.load import SAMPLE_PREFIX, SAMPLE_SUFFIX, lifecycle_lines

SMALL = 8 << 20
"""Logs below this size are filtered line by line in Python: polars pays off only when there are many lines."""

_SAMPLE = re.compile(SAMPLE_PREFIX)


def _lifecycle_lines(path: Path) -> list[str]:
    """The log's lines that are not samples, in order."""
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
            return [
                ln for ln in text.split("\n") if ln.strip() and not (ln.endswith(SAMPLE_SUFFIX) or _SAMPLE.match(ln))
            ]
    return lifecycle_lines([path]).sort("row").get_column("line").to_list()


def fold_lifecycle(path: Path, playbook: Playbook, lines: list[str] | None = None) -> DrillState:
    """The state after every event of the log but the samples (which only drive signals and triggers).

    `lines`: the log's non-sample lines in order, when the caller has read them already.
    """
    state = DrillState.initial(playbook)
    for line in _lifecycle_lines(path) if lines is None else lines:
        try:
            raw = json.loads(line)
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
