"""`${env:NAME}` references: resolved only at the moment of use, redacted everywhere else."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

SECRET_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
REDACTED = "***"
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"})


class MissingSecret(Exception):
    """An `${env:NAME}` reference names a variable that is not set."""


def resolve(text: str, env: Mapping[str, str] | None = None) -> str:
    """Replace every `${env:NAME}` in `text` with the variable's value."""
    env = os.environ if env is None else env

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise MissingSecret(f"environment variable {name} is not set")
        return env[name]

    return SECRET_REF.sub(sub, text)


def resolve_deep(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """Resolve references inside strings, lists and dicts."""
    if isinstance(value, str):
        return resolve(value, env)
    if isinstance(value, list):
        return [resolve_deep(v, env) for v in value]
    if isinstance(value, dict):
        return {k: resolve_deep(v, env) for k, v in value.items()}
    return value


def mask(text: str) -> str:
    """Show where secrets are used without their values (`${env:X}` → `***`)."""
    return SECRET_REF.sub(REDACTED, text)


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to show: secret references and sensitive headers masked."""
    return {k: (REDACTED if k.lower() in SENSITIVE_HEADERS else mask(v)) for k, v in headers.items()}


class Redactor:
    """Removes known secret values from anything about to be logged or shown."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, value: str) -> None:
        # Very short values would redact ordinary text; they are weak secrets anyway.
        if len(value) >= 4:
            self._values.add(value)

    def add_from_env_refs(self, text: str, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        for name in SECRET_REF.findall(text):
            if name in env:
                self.add(env[name])

    def __bool__(self) -> bool:
        return bool(self._values)

    def text(self, text: str) -> str:
        if not self._values and "${" not in text:
            return text
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return mask(text)

    def deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: (REDACTED if isinstance(k, str) and k.lower() in SENSITIVE_HEADERS else self.deep(v))
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.deep(v) for v in value]
        return value
