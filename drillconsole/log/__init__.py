"""The tamper-evident session log: events, the writer, and the verifying reader."""

from __future__ import annotations
