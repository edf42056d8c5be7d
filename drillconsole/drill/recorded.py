"""The playbook a drill ran, taken from its own log: logs are self-contained.

`session.started` carries the playbook's exact text and its sha256 (the hash
the chain starts from). Logs written before that carried only a path; for them
the file is read, relative to the working directory, and a note says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillconsole.playbook.loader import PlaybookError, load_playbook_text
from drillconsole.playbook.models import Playbook


class RecordedPlaybookError(Exception):
    """The playbook of a log cannot be had (one line, meant for the user)."""


@dataclass(frozen=True)
class RecordedPlaybook:
    """A log's playbook, where it came from, and a note when it did not come from the log itself."""

    playbook: Playbook
    text: str
    name: str
    embedded: bool
    note: str | None = None


def text_hash(text: str) -> str:
    """sha256 of a playbook's UTF-8 bytes (what the chain starts from)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recorded_playbook(started: dict[str, Any], override: Path | None = None) -> RecordedPlaybook:
    """The playbook a `session.started` payload names: embedded text first, else the file (or `override`)."""
    name = started.get("playbook") if isinstance(started.get("playbook"), str) else ""
    recorded = started.get("playbook_hash")
    text = started.get("playbook_text")
    if override is None and isinstance(text, str):
        if isinstance(recorded, str) and text_hash(text) != recorded:
            raise RecordedPlaybookError(
                "the playbook embedded in the log does not match the hash the chain starts from"
            )
        return RecordedPlaybook(_load(text, name or "playbook"), text, name or "playbook", embedded=True)
    if override is None and not name:
        raise RecordedPlaybookError("the log neither embeds nor names its playbook")
    path = Path(override if override is not None else str(name))  # older logs: relative to the working directory
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RecordedPlaybookError(
            f"the log does not embed its playbook (written before logs were self-contained) and {path} "
            f"cannot be read: {exc.strerror or exc}"
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    if isinstance(recorded, str) and digest != recorded:
        raise RecordedPlaybookError(
            f"playbook {path} differs from the one the drill ran (sha256 {digest[:12]}…, log recorded {recorded[:12]}…)"
        )
    decoded = raw.decode("utf-8", errors="replace")
    note = None if override is not None else f"playbook read from {path}: this log predates self-contained logs"
    return RecordedPlaybook(_load(decoded, str(path)), decoded, str(path), embedded=False, note=note)


def _load(text: str, name: str) -> Playbook:
    try:
        return load_playbook_text(text, name)
    except PlaybookError as exc:
        raise RecordedPlaybookError(f"cannot load the playbook the drill ran: {exc.problems[0]}") from None
