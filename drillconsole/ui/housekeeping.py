"""Console housekeeping: where screenshots go and closing a session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from drillconsole.log.contract import ENGINE

if TYPE_CHECKING:
    from drillconsole.launch import Prepared


def screenshot_dir(fallback: Path) -> Path:
    """Where the Screenshot command saves: the user's Downloads folder if there is one, else `fallback`."""
    from platformdirs import user_downloads_path

    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else fallback


def close_prepared(prepared: Prepared, reason: str) -> None:
    """End a prepared drill's session: aborted if it is unfinished; an unused, empty log file is removed."""
    log, seat = prepared.log, prepared.seat
    if log.closed:
        return
    if seat.state.started and not seat.state.ended:
        seat.end_drill(ENGINE, "aborted", reason)
    log.close()
    path = prepared.log_path
    if not seat.state.started and path.exists() and path.stat().st_size == 0:
        path.unlink()
