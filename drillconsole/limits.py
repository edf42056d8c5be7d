"""Bounded reading of what remote services answer: HTTP bodies streamed with a cap, JSON with a depth limit.

Every source and executor reads answers through `request` and `parse_json`, so
a service answering 100 MB, or JSON nested 100,000 deep, costs at most the cap
and gives a one-line error for that poll or step — never a RecursionError, a
MemoryError or a hung read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used: it pulls in Rich when installed, and the core must import without it.

MAX_BODY = 1024 * 1024
"""Largest answer body read, in bytes; a longer one is refused without reading the rest."""
MAX_DEPTH = 64
"""Deepest JSON nesting parsed; real answers (Prometheus, MLflow, flags) nest fewer than 10 levels."""

_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(rb"[^\[\]{}]+")


class BodyTooLarge(Exception):
    """The answer is longer than the cap; nothing past it was read."""


class JsonLimitError(ValueError):
    """JSON that is too large or too deep to parse (a ValueError, as `json.loads` raises for bad JSON)."""


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count)."""
    brackets = _BRACKETS.sub(b"", _STRINGS.sub(b"", data))
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_json(data: bytes | str, *, max_bytes: int = MAX_BODY, max_depth: int = MAX_DEPTH) -> Any:
    """Decode JSON within a size and depth limit; JsonLimitError (a ValueError) past them, ValueError if not JSON."""
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise JsonLimitError(f"JSON answer larger than {_size(max_bytes)}")
    # Counting is cheap next to parsing; skip it when there are too few brackets to matter.
    if raw.count(b"[") + raw.count(b"{") > max_depth and json_depth(raw) > max_depth:
        raise JsonLimitError(f"JSON answer nested deeper than {max_depth} levels")
    try:
        return json.loads(raw)
    except RecursionError:  # the depth count above makes this unreachable; still never a traceback
        raise JsonLimitError(f"JSON answer nested deeper than {max_depth} levels") from None
    except UnicodeDecodeError:
        raise ValueError("JSON answer is not UTF-8") from None


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer read in full within the cap: status, headers and body bytes."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        """The body decoded (bad bytes replaced)."""
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON within the depth limit; ValueError (JsonLimitError included) otherwise."""
        return parse_json(self.content)


async def request(http: httpx.AsyncClient, method: str, url: str, *, max_body: int = MAX_BODY, **kwargs: Any) -> Answer:
    """Send a request and read its answer as a stream, stopping at `max_body` bytes (BodyTooLarge).

    A declared `Content-Length` over the cap is refused before any of the body is read.
    httpx errors (connect, timeout, protocol) propagate for the caller to word.
    """
    # Ask for the bytes as they are: a compressed answer could expand a thousandfold per chunk read.
    kwargs["headers"] = {"Accept-Encoding": "identity", **(kwargs.get("headers") or {})}
    async with http.stream(method, url, **kwargs) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            raise BodyTooLarge(f"answer of {_size(int(declared))} is larger than {_size(max_body)}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_body:
                raise BodyTooLarge(f"answer larger than {_size(max_body)}")
            chunks.append(chunk)
        return Answer(response.status_code, response.headers, b"".join(chunks), response.encoding or "utf-8")
