"""Headless replay of a session log: `ReplaySession` folds the log to any moment, `Transport` plays it."""

from __future__ import annotations

from drillconsole.replay.compare import snapshot_view
from drillconsole.replay.markers import MARKER_KINDS, Marker
from drillconsole.replay.session import ReplayError, ReplaySession
from drillconsole.replay.transport import SPEEDS, TimeFormatError, Transport, parse_time

__all__ = [
    "MARKER_KINDS",
    "SPEEDS",
    "Marker",
    "ReplayError",
    "ReplaySession",
    "TimeFormatError",
    "Transport",
    "parse_time",
    "snapshot_view",
]
