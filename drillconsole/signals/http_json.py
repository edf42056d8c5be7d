"""The `http_json` source: GET a URL and pick a number out of the JSON answer.

Also home of `fetch_json`, the one GET-with-retries that every remote source
uses: an explicit timeout per request, a few quick retries on transport errors
and 5xx/429 answers, all inside one poll and inside the signal's interval, so
a slow service never makes polls stack (the engine never overlaps them either).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING, Any

from drillconsole.limits import MAX_BODY, Answer, BodyTooLarge, JsonLimitError, request
from drillconsole.playbook.models import HttpJsonSource, Signal
from drillconsole.playbook.problems import escape
from drillconsole.secrets import MissingSecret, mask, resolve, resolve_deep
from drillconsole.signals.base import Reading, SourceError

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used: importing it pulls in Rich when that is installed,
# and the core modules must import without Rich (tests/test_import_hygiene.py).

RETRY_SHARE = 0.8
"""Share of the poll interval that one poll (first attempt and retries) may use."""
BACKOFF = 0.1
"""First pause between attempts; doubles after each retry."""
MAX_ATTEMPTS = 3
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RemoteSource:
    """What the remote sources share: the engine's HTTP client, the budget of one poll, closing."""

    synchronous = False

    def __init__(self, signal: Signal, context: object | None) -> None:
        self.signal = signal
        self._context = context
        self._own_http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        """The engine's shared client (created when the drill runs), or a private one outside an engine."""
        shared = getattr(self._context, "http", None)
        if shared is not None:
            return shared
        if self._own_http is None:
            import httpx

            self._own_http = httpx.AsyncClient(follow_redirects=False)
        return self._own_http

    def budget(self) -> float:
        """Real seconds one poll may take in all, retries included (a share of the interval)."""
        speed = getattr(getattr(self._context, "clock", None), "speed", 1.0) or 1.0
        return self.signal.interval / speed * RETRY_SHARE

    def sample(self, state: object, t: float) -> float:  # pragma: no cover - remote sources are polled
        raise NotImplementedError

    async def read(self) -> Reading:
        """The current value with the time it was measured (each source says how it knows)."""
        raise NotImplementedError

    async def poll(self) -> float:
        """The current value alone (tools and tests; the engine reads the measurement time too)."""
        return (await self.read()).value

    async def close(self) -> None:
        if self._own_http is not None:
            await self._own_http.aclose()
            self._own_http = None


def resolved(url: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """URL and headers with `${env:NAME}` resolved now; a missing variable is a SourceError naming it."""
    try:
        return resolve(url), resolve_deep(dict(headers))
    except MissingSecret as exc:
        raise SourceError(str(exc)) from None


async def fetch_json(
    http: httpx.AsyncClient,
    url: str,
    shown_url: str,
    *,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    timeout: float,
    budget: float,
) -> Any:
    """GET and decode JSON with retries inside `budget` seconds; SourceError (one line, no secrets) on failure."""
    import httpx

    deadline = time.monotonic() + max(budget, 0.0)
    pause, attempt, last = BACKOFF, 0, "no attempt"
    while True:
        attempt += 1
        # The first attempt always gets the full timeout; retries only what is left of the budget.
        limit = timeout if attempt == 1 else min(timeout, deadline - time.monotonic())
        try:
            response = await request(
                http, "GET", url, headers=headers, params=params, timeout=httpx.Timeout(limit), max_body=MAX_BODY
            )
        except BodyTooLarge as exc:
            raise SourceError(f"GET {shown_url}: {exc}") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise SourceError(f"GET {shown_url}: not a usable http(s) URL") from None
        except httpx.TimeoutException:
            last = f"timed out after {limit:.3g}s"
        except httpx.HTTPError as exc:
            last = _transport_error(exc)
        except (UnicodeError, ValueError, TypeError) as exc:
            # A header value HTTP cannot carry; the exception text may hold it, so only its kind is told.
            raise SourceError(f"GET {shown_url}: the request cannot be sent ({type(exc).__name__})") from None
        else:
            if response.status_code in RETRY_STATUSES:
                last = status_error(response)
            else:
                return _decode(response, shown_url)
        left = deadline - time.monotonic()
        if attempt >= MAX_ATTEMPTS or left < pause + 0.05:
            tries = f" ({attempt} attempts)" if attempt > 1 else ""
            raise SourceError(f"GET {shown_url}: {last}{tries}")
        await asyncio.sleep(pause)
        pause *= 2


def _transport_error(exc: httpx.HTTPError) -> str:
    """A short reason for a failed request; the exception text can carry the URL, so it is not used whole."""
    import httpx

    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if refused(exc) else "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed by the server"
    return type(exc).__name__


def refused(exc: BaseException) -> bool:
    """Whether a connect error was a refusal (nothing listening), looking through the wrapped causes."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def status_error(response: Answer) -> str:
    """`HTTP 503` plus the server's JSON `error`/`message`, on one line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = (body.get("error") or body.get("message")) if isinstance(body, dict) else None
    return f"HTTP {response.status_code}" + (f": {one_line(str(detail))}" if detail else "")


def _decode(response: Answer, shown_url: str) -> Any:
    if response.status_code >= 400:
        raise SourceError(f"GET {shown_url}: {status_error(response)}")
    try:
        return response.json()
    except JsonLimitError as exc:
        raise SourceError(f"GET {shown_url}: {exc}") from None
    except ValueError:
        raise SourceError(f"GET {shown_url}: answer is not JSON") from None


def one_line(text: str, limit: int = 160) -> str:
    """Collapse whitespace and cut to `limit` characters."""
    flat = escape(" ".join(text.split()))  # a server's control characters never reach a terminal
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def pick(document: Any, path: str) -> Any:
    """The value at a dotted path (`a.b.0.c`; list indices may be negative); SourceError if absent."""
    value, walked = document, []
    for part in path.split("."):
        walked.append(part)
        if isinstance(value, dict):
            if part not in value:
                raise SourceError(f"no `{'.'.join(walked)}` in the answer")
            value = value[part]
        elif isinstance(value, list):
            try:
                value = value[int(part)]
            except ValueError:
                raise SourceError(f"`{'.'.join(walked[:-1]) or '$'}` is a list; `{part}` is not an index") from None
            except IndexError:
                raise SourceError(f"`{'.'.join(walked)}`: index out of range (list of {len(value)})") from None
        else:
            raise SourceError(f"`{'.'.join(walked[:-1])}` is {_kind(value)}, not an object or list")
    return value


def as_number(value: Any, where: str) -> float:
    """The value as a finite float; SourceError for anything else (booleans and numeric strings included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SourceError(f"`{where}` is {_kind(value)}, not a number")
    number = float(value)
    if math.isnan(number):
        raise SourceError(f"`{where}` is NaN")
    if math.isinf(number):
        raise SourceError(f"`{where}` is {'+' if number > 0 else '-'}Inf")
    return number


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class HttpJsonSignal(RemoteSource):
    """Polls a JSON endpoint; the signal's value is the number at the configured dotted path."""

    def __init__(self, signal: Signal, context: object | None = None) -> None:
        assert isinstance(signal.source, HttpJsonSource)
        super().__init__(signal, context)
        self.source = signal.source

    async def read(self) -> Reading:
        url, headers = resolved(self.source.url, self.source.headers)
        shown = mask(self.source.url)  # at poll time, as the URL is resolved: configuration may change
        body = await fetch_json(
            self.http, url, shown, headers=headers, timeout=self.source.timeout, budget=self.budget()
        )
        answered = time.time()
        value = as_number(pick(body, self.source.path), self.source.path)
        stamp = self.source.timestamp_path
        # Without a named timestamp the answer is taken as measured when it arrived.
        return Reading(value, answered if stamp is None else as_timestamp(pick(body, stamp), stamp))


def as_timestamp(value: Any, where: str) -> float:
    """A measurement time as Unix seconds: a number (seconds, or milliseconds when that large) or ISO 8601 text."""
    if isinstance(value, str):
        from datetime import UTC, datetime

        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise SourceError(f"`{where}` is not an ISO 8601 time: {one_line(value, 40)}") from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    number = as_number(value, where)
    return number / 1000.0 if number > 1e11 else number  # 1e11 s is year 5138: anything larger is milliseconds
