"""Field types that refuse what a drill cannot use: URLs that do not parse, phrases nobody can see.

`escape` (making any text safe on one line of output) lives beside `Problem`, in
`drillconsole.playbook.problems`, which loads without pydantic.
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from drillconsole.secrets import REF

MAX_PHRASE = 200
_PLACEHOLDER = "x"


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable http(s) URL, or None (references are checked once resolved)."""
    if REF.match(url):
        return None  # the scheme and host come from the environment: checked when it is resolved
    text = REF.sub(_PLACEHOLDER, url)
    if any(not ch.isprintable() or ch.isspace() for ch in text):
        return "URL must not contain spaces or control characters"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL" + (f" (scheme '{parts.scheme}')" if parts.scheme else " (no scheme)")
    if not parts.hostname:
        return "URL has no host"
    if port == 0:
        return "URL port must be 1–65535"
    return None


def _check_url(url: str) -> str:
    problem = url_problem(url)
    if problem:
        raise ValueError(problem)
    return url


def _check_phrase(phrase: str) -> str:
    if not phrase.strip():
        raise ValueError("confirm phrase must have visible characters")
    if phrase != phrase.strip():
        raise ValueError("confirm phrase must not start or end with whitespace")
    if any(unicodedata.category(ch)[0] in ("C", "Z") and ch != " " for ch in phrase):
        raise ValueError("confirm phrase must not contain control or invisible characters")
    if re.search(r"\s{2,}", phrase):
        raise ValueError("confirm phrase must not contain runs of whitespace")
    return phrase


MAX_WIDTH = 200


def template_problem(template: str, fields: frozenset[str]) -> str | None:
    """Why `template` cannot be filled with `fields` by `str.format`, or None."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"malformed template ({exc}); write {{{{ and }}}} for literal braces"
    for _, name, spec, _ in parts:
        if name is None:
            continue
        if name not in fields:
            known = ", ".join("{" + f + "}" for f in sorted(fields))
            return f"template field {{{name}}} is not one of {known}"
        width = re.findall(r"\d+", spec or "")
        if "{" in (spec or "") or any(int(w) > MAX_WIDTH for w in width):
            return f"template field {{{name}}} has a format spec that is too wide or nested"
    try:  # every field is filled with text: a spec text cannot take (`:d`) fails here, not mid-drill
        template.format(**dict.fromkeys(fields, "x"))
    except (ValueError, KeyError, IndexError) as exc:
        return f"template cannot be filled: {exc}"
    return None


def _template(fields: frozenset[str]):  # type: ignore[no-untyped-def]
    def check(template: str) -> str:
        problem = template_problem(template, fields)
        if problem:
            raise ValueError(problem)
        return template

    return AfterValidator(check)


NOTIFY_FIELDS = frozenset(
    {"phase", "decision", "suspect", "known_safe", "model", "clock", "title", "live_version", "environment"}
)
ESCALATION_FIELDS = frozenset({"subject", "late"})
NotifyTemplate = Annotated[str, _template(NOTIFY_FIELDS)]
"""A status-update template: only the fields the notify action fills in, no attribute access, no huge widths."""
EscalationMessage = Annotated[str, _template(ESCALATION_FIELDS)]
"""An escalation message: `{subject}` and `{late}` only."""

HttpUrl = Annotated[str, AfterValidator(_check_url)]
"""An http(s) URL with a host; `${env:NAME}`/`${secret:NAME}` allowed (a leading reference is checked at run)."""
ConfirmPhrase = Annotated[str, Field(min_length=1, max_length=MAX_PHRASE), AfterValidator(_check_phrase)]
"""A phrase an approver can see and type: visible characters, no surrounding or repeated whitespace."""
