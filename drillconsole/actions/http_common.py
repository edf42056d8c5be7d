"""What the HTTP executors share: secrets resolved at use, one client, one-line errors, redacted excerpts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from drillconsole.actions.base import ActionContext, ActionError
from drillconsole.limits import Answer, BodyTooLarge, JsonLimitError, request
from drillconsole.playbook.problems import escape
from drillconsole.secrets import MissingSecret, Redactor, resolve, resolve_deep
from drillconsole.signals.http_json import refused

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used: it pulls in Rich when installed (see signals/http_json.py).

EXCERPT_BYTES = 2048
"""Largest response body excerpt kept in a step result."""


def resolved(
    ctx: ActionContext, url: str, headers: dict[str, str], body: Any = None
) -> tuple[str, dict[str, str], Any]:
    """URL, headers and body with `${env:NAME}` resolved now; a missing variable is an ActionError naming it."""
    try:
        return resolve(url, ctx.env), resolve_deep(dict(headers), ctx.env), resolve_deep(body, ctx.env)
    except MissingSecret as exc:
        raise ActionError(str(exc)) from None


@asynccontextmanager
async def client(ctx: ActionContext) -> AsyncIterator[httpx.AsyncClient]:
    """The engine's shared client, or a short-lived one when the drill has no remote source."""
    if ctx.http is not None:
        yield ctx.http
        return
    import httpx

    async with httpx.AsyncClient(follow_redirects=False) as own:
        yield own


def transport_error(exc: Exception) -> str:
    """A short reason for a failed request (the exception text may carry the URL, so it is not used whole)."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if refused(exc) else "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed by the server"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return "not a usable http(s) URL"
    return type(exc).__name__


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    shown: str,
    *,
    headers: dict[str, str],
    timeout: float,
    json: Any = None,
    params: dict[str, str] | None = None,
) -> Answer:
    """One request with an explicit timeout, its answer read within the body cap; ActionError saying what failed."""
    import httpx

    try:
        kwargs: dict[str, Any] = {"headers": headers, "params": params, "timeout": httpx.Timeout(timeout)}
        if json is not None:
            kwargs["json"] = json
        return await request(http, method, url, **kwargs)
    except BodyTooLarge as exc:
        raise ActionError(f"{method} {shown}: {exc}") from None
    except httpx.TimeoutException:
        raise ActionError(f"{method} {shown}: timed out after {timeout:g}s", transient=True) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ActionError(f"{method} {shown}: {transport_error(exc)}") from None
    except httpx.HTTPError as exc:
        # Refused, reset or cut off: the service may be back in a moment.
        raise ActionError(f"{method} {shown}: {transport_error(exc)}", transient=True) from None
    except (UnicodeError, ValueError, TypeError) as exc:
        # e.g. a header value with characters HTTP cannot carry; the text may hold the value, so only its kind
        raise ActionError(f"{method} {shown}: the request cannot be sent ({type(exc).__name__})") from None


def server_side(response: Answer) -> bool:
    """Whether an answer is a server-side failure worth retrying (5xx, 429)."""
    return response.status_code >= 500 or response.status_code == 429


def one_line(text: str, limit: int = 200) -> str:
    """Collapse whitespace and cut to `limit` characters."""
    flat = escape(" ".join(text.split()))  # a server's control characters never reach a terminal
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def excerpt(response: Answer, redactor: Redactor, limit: int = EXCERPT_BYTES) -> str:
    """At most `limit` characters of the body as text, with every known secret value redacted.

    Redacted before it is cut, so a secret straddling the cut cannot leave its first half behind.
    """
    text = redactor.text(response.content.decode(response.encoding or "utf-8", errors="replace"))
    return text if len(text) <= limit else text[:limit] + "…"


def json_of(response: Answer, what: str) -> Any:
    """The decoded JSON body (size and depth limited), or ActionError naming what was expected."""
    try:
        return response.json()
    except JsonLimitError as exc:
        raise ActionError(f"{what}: {exc} (HTTP {response.status_code})") from None
    except ValueError:
        raise ActionError(f"{what}: answer is not JSON (HTTP {response.status_code})") from None


def error_detail(response: Answer, redactor: Redactor) -> str:
    """`HTTP 500: message` with the server's message (JSON `message`/`error`, or text) on one line."""
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = str(body.get("message") or body.get("error") or "")
    except ValueError:
        detail = response.text[:300]
    detail = redactor.text(one_line(detail, 160)) if detail.strip() else ""
    return f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
