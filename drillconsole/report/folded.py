"""The drill model's fold of one log, for the report: every lifecycle event, in order (samples are not needed).

Step status, gates, decisions, roles, phases, escalations and the review in the
report are the fold's (`drillconsole.drill.summary`), so the report, the console
and the replay cannot disagree about what an event means.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from drillconsole.drill.state import DrillState, apply
from drillconsole.log.contract import EventType
from drillconsole.log.events import Event
from drillconsole.playbook.models import Playbook
from drillconsole.report.load import SAMPLE_PREFIX, SAMPLE_SUFFIX, _lines


def fold_lifecycle(path: Path, playbook: Playbook) -> DrillState:
    """The state after every event of the log but the samples (which only drive signals and triggers)."""
    state = DrillState.initial(playbook)
    line = pl.col("line")
    lines = _lines([path], ~(line.str.contains(SAMPLE_PREFIX) | line.str.ends_with(SAMPLE_SUFFIX))).sort("row")
    for line in lines.get_column("line"):
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
