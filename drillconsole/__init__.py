"""drillconsole: reproducible model rollback drills from the terminal."""

from __future__ import annotations

__version__ = "0.1.0"
