"""Follows a registry alias: re-reads it from MLflow every few seconds in a background thread."""

from __future__ import annotations

import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from drillconsole.limits import MAX_BODY, parse_json

ALIAS_ENDPOINT = "/api/2.0/mlflow/registered-models/alias"
REFRESH = 2.0
"""Seconds between alias reads."""
TIMEOUT = 2.0


def read_alias(tracking_uri: str, model: str, alias: str, timeout: float = TIMEOUT) -> str:
    """The version the alias points at (raises OSError/ValueError when it cannot be read)."""
    query = urllib.parse.urlencode({"name": model, "alias": alias})
    with urllib.request.urlopen(f"{tracking_uri.rstrip('/')}{ALIAS_ENDPOINT}?{query}", timeout=timeout) as response:
        # Read one byte past the cap: a larger answer is refused (JsonLimitError is a ValueError), never parsed.
        body = parse_json(response.read(MAX_BODY + 1))
    return str(body["model_version"]["version"])


class AliasWatcher:
    """Keeps `version` equal to what the alias points at; keeps the last known version while MLflow is unreachable."""

    def __init__(
        self,
        tracking_uri: str,
        model: str,
        alias: str,
        on_change: Callable[[str | None, bool], None],
        refresh: float = REFRESH,
    ) -> None:
        self.tracking_uri, self.model, self.alias = tracking_uri, model, alias
        self.version: str | None = None
        self.up = False
        self._on_change = on_change
        self._refresh = refresh
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-alias", daemon=True)

    def start(self) -> None:
        self.refresh()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._refresh + TIMEOUT + 1)

    def refresh(self) -> None:
        """Read the alias once now."""
        try:
            version, up = read_alias(self.tracking_uri, self.model, self.alias), True
        except (OSError, ValueError, KeyError, TypeError) as exc:
            version, up = self.version, False
            if self.up or self.version is None:
                reason = getattr(exc, "reason", None) or exc
                print(f"sandbox: cannot read alias {self.alias} of {self.model}: {reason}", file=sys.stderr)
        if version != self.version or up != self.up:
            if version != self.version and version is not None:
                print(f"sandbox: alias {self.alias} → v{version}; now serving v{version}", file=sys.stderr)
            self.version, self.up = version, up
            self._on_change(version, up)

    def _run(self) -> None:
        while not self._stop.wait(self._refresh):
            self.refresh()
