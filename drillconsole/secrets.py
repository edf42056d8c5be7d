"""`${secret:NAME}` and `${env:NAME}` references: resolved only at the moment of use.

A `${secret:NAME}` value is redacted everywhere (log, report, screen), in every
encoding a server or a serializer may give it: JSON-escaped, `\\/`-escaped,
percent-encoded, base64, HTML-escaped. An `${env:NAME}` value is plain
configuration (an endpoint, a model name) and is shown, so an operator can see
which endpoint failed — unless its name looks like a credential (TOKEN, KEY,
PASSWORD…), which older playbooks used `${env:…}` for: those stay redacted.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

REF = re.compile(r"\$\{(env|secret):([A-Za-z_][A-Za-z0-9_]*)\}")
"""Any reference: group 1 is the kind, group 2 the variable name."""
SECRET_REF = re.compile(r"\$\{secret:([A-Za-z_][A-Za-z0-9_]*)\}")
REDACTED = "***"
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"})
_CREDENTIAL_NAME = re.compile(
    r"TOKEN|SECRET|PASSW|PASSPHRASE|(?:^|_)KEY(?:$|_)|APIKEY|PRIVATE|CREDENTIAL|AUTH|COOKIE|SESSION", re.I
)


_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/@:\s]*:)[^/@\s]+@", re.I)
_AUTH_REF = re.compile(r"(?:Bearer|Basic|Token|Digest|ApiKey)\s+\$\{(?:env|secret):([A-Za-z_][A-Za-z0-9_]*)\}", re.I)


class MissingSecret(Exception):
    """A `${env:NAME}` or `${secret:NAME}` reference names a variable that is not set."""


def is_secret(kind: str, name: str) -> bool:
    """Whether a reference's value must be redacted (every secret, and env names that look like credentials)."""
    return kind == "secret" or bool(_CREDENTIAL_NAME.search(name))


def references(text: str) -> list[tuple[str, str]]:
    """The (kind, name) of every reference in `text`, in order."""
    return [(m.group(1), m.group(2)) for m in REF.finditer(text)]


def resolve(text: str, env: Mapping[str, str] | None = None) -> str:
    """Replace every `${env:NAME}` and `${secret:NAME}` in `text` with the variable's value."""
    env = os.environ if env is None else env

    def sub(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in env:
            raise MissingSecret(f"environment variable {name} is not set")
        return env[name]

    return REF.sub(sub, text)


def resolve_deep(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """Resolve references inside strings, lists and dicts."""
    if isinstance(value, str):
        return resolve(value, env)
    if isinstance(value, list):
        return [resolve_deep(v, env) for v in value]
    if isinstance(value, dict):
        return {k: resolve_deep(v, env) for k, v in value.items()}
    return value


def mask(text: str, env: Mapping[str, str] | None = None) -> str:
    """Text fit to show: secrets become `***`, configuration (`${env:X}`) shows its value when set."""
    env = os.environ if env is None else env
    authorizing = {m.group(1) for m in _AUTH_REF.finditer(text)} if "${" in text else set()

    def sub(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        if is_secret(kind, name) or name in authorizing:
            return REDACTED
        return env.get(name, match.group(0))

    # A password in a configured URL (`http://user:pw@host`) is a secret even when the URL is not.
    return _USERINFO.sub(r"\1***@", REF.sub(sub, text))


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to show: secret references and sensitive headers masked."""
    return {k: (REDACTED if k.lower() in SENSITIVE_HEADERS else mask(v)) for k, v in headers.items()}


def _json(text: str, ascii_only: bool = True) -> str:
    return json.dumps(text, ensure_ascii=ascii_only)[1:-1]


_LAYERS = (
    lambda t: t,
    html.escape,
    lambda t: repr(t)[1:-1],
    _json,
    lambda t: _json(t, False),
    # Twice: a JSON answer that quotes the JSON body it received (an echo) escapes it again.
    lambda t: _json(_json(t)),
    lambda t: _json(_json(t, False), False),
)
"""The ways a text is written, outermost last; within one, a character has few forms and no two
characters share a prefix that could make matching backtrack exponentially."""


def _layer_pattern(value: str, layer: Any) -> str:
    """A regex for `value` written in one layer, each character raw or percent-encoded (mixed freely)."""
    groups = []
    for ch in value:
        percent = "".join(f"%{byte:02X}" for byte in ch.encode("utf-8"))
        base = {ch, percent, percent.lower()} | ({"+"} if ch == " " else set())
        forms = {layer(b) for b in base}
        forms |= {re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), f) for f in forms}
        if ch == "/":  # JSON may escape `/` as `\/` (PHP does), at either level
            forms |= {f.replace("/", "\\/") for f in forms} | {f.replace("/", "\\\\\\/") for f in forms}
        groups.append("(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")")
    return "".join(groups)


def pattern(value: str) -> str:
    """A regex matching `value` in any encoding: raw, HTML, repr, JSON once or twice (`\\/` or not),
    each character possibly percent-encoded; the whole value in base64 (standard and URL-safe, padded
    or not) and with its whitespace collapsed."""
    layers = dict.fromkeys(_layer_pattern(value, layer) for layer in _LAYERS)
    raw = value.encode("utf-8")
    whole = {" ".join(value.split())}
    for b64 in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        whole |= {b64, b64.rstrip("="), b64.replace("/", "\\/"), quote(b64, safe="")}
    return "|".join([*layers, *(re.escape(w) for w in sorted(whole, key=len, reverse=True) if len(w) >= 4)])


_SCALARS = frozenset({float, int, bool, type(None)})
"""Value types that cannot carry a secret (exact types: a str or float subclass takes the full walk)."""
_CLEAN_KEYS_KEPT = 4096


class Redactor:
    """Removes known secret values, in every encoding, from anything about to be logged or shown."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._clean_keys: set[str] = set()
        """Keys seen to need no redaction (text unchanged, not a sensitive header) under the current secrets."""

    def add(self, value: str) -> None:
        """Redact this value (and its encodings) from now on."""
        # Very short values would redact ordinary text; they are weak secrets anyway.
        if len(value) >= 4 and value not in self._values:
            self._values.add(value)
            # Longest secrets first, so one that contains another is replaced whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(f"(?:{pattern(v)})" for v in ordered))
            self._clean_keys.clear()

    def add_from_env_refs(self, text: str, env: Mapping[str, str] | None = None) -> None:
        """Redact the values of the secret references in `text` (unset ones are reported elsewhere)."""
        env = os.environ if env is None else env
        authorizing = {m.group(1) for m in _AUTH_REF.finditer(text)}  # `Bearer ${env:X}`: whatever X is
        for kind, name in references(text):
            if (name in authorizing or is_secret(kind, name)) and name in env:
                self.add(env[name])

    def __bool__(self) -> bool:
        return bool(self._values)

    def text(self, text: str) -> str:
        """`text` with every known secret (in any encoding) and every secret reference replaced by `***`."""
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        return SECRET_REF.sub(REDACTED, text) if "${" in text else text

    def deep(self, value: Any) -> Any:
        """Redact strings inside dicts and lists; values of sensitive headers are masked whole."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            # A flood of numbers under keys already seen clean (a tick's samples) has nothing to redact:
            # copy it whole instead of visiting every value.
            if self._clean_keys.issuperset(value) and _SCALARS.issuperset(map(type, value.values())):
                return dict(value)
            self._note_clean_keys(value)
            return {
                (self.text(k) if isinstance(k, str) else k): (
                    REDACTED if isinstance(k, str) and k.lower() in SENSITIVE_HEADERS else self.deep(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.deep(v) for v in value]
        return value

    def _note_clean_keys(self, value: dict[Any, Any]) -> None:
        """Remember the string keys of `value` that redaction leaves as they are (bounded)."""
        if len(self._clean_keys) < _CLEAN_KEYS_KEPT:
            self._clean_keys.update(
                k
                for k in value
                if isinstance(k, str)
                and k not in self._clean_keys
                and k.lower() not in SENSITIVE_HEADERS
                and self.text(k) == k
            )
