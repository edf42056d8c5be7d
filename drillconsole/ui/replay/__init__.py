"""The replay console: a session log on the live console's panels, read-only, with a transport and scrubber."""

from __future__ import annotations
