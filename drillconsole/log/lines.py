"""How one event becomes one log line and back, for both log schemas.

Schema 2 (written since drillconsole writes seals) hashes the exact bytes written:

    {"seq":N,"type":T,"t":X,"ts":S,"actor":A[,"by":P],"data":{...},"prev":"<64 hex>","hash":"<64 hex>"}\\n
    └──────────────────────────── body B ─────────────────────────────────┘

`hash` = sha256(B), where B is every byte of the line before `,"hash":"` (the
opening brace included, the closing one not). Keys come in that fixed order,
`by` (the person, team drills) is present only when known and is hashed like the rest;
`data` has sorted keys, separators are compact, text is UTF-8 (not escaped).
`prev` sits at a fixed distance from the end, so a verifier checks a line by
slicing it: no JSON decoding and no re-encoding.

Schema 1 (older logs): canonical JSON with sorted keys; `hash` = sha256 of the
canonical JSON of the event without `hash`. Both are read and verified; a file
may hold both (a schema-1 drill resumed by a newer drillconsole).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from functools import lru_cache
from typing import Any

import orjson

from drillconsole.log.events import Event, canonical, sha256_hex

LOG_SCHEMA = 2
"""The schema this drillconsole writes; recorded as `log_schema` in `session.started` data.

Schema 2 also changed the simulator's noise draws (see `sim/noise.py`): a seed
gives other samples than under schema 1, the same ones on every run.
"""

HASH_KEY = b',"hash":"'
PREV_KEY = b',"prev":"'
V2_START = b'{"seq":'
V1_START = b'{"actor":'
TAIL = len(HASH_KEY) + 64 + 2
"""Bytes after the body on a schema-2 line (without the newline): `,"hash":"<64 hex>"}`."""
PREV_TAIL = len(PREV_KEY) + 64 + 1
"""Bytes at the end of a schema-2 body: `,"prev":"<64 hex>"`."""

SAMPLE_PREFIX = r'^\{"seq":\d+,"type":"signal\.sample",'
"""How a schema-2 `signal.sample` line starts (its type follows its seq), as a regular expression."""
SAMPLE_SUFFIX = '"type":"signal.sample"}'
"""How a schema-1 `signal.sample` line ends (keys sorted: its type comes last)."""
_SAMPLE_START = re.compile(SAMPLE_PREFIX.encode())
_SAMPLE_END = SAMPLE_SUFFIX.encode()


def is_sample_line(line: bytes) -> bool:
    """Whether a log line (no newline) is a canonical `signal.sample`, told by its first or last bytes, not decoded."""
    return line.endswith(_SAMPLE_END) or _SAMPLE_START.match(line) is not None


MALFORMED = "truncated or malformed line"
EDITED = "hash mismatch (line edited)"
NOT_CANONICAL = "line is not in canonical form (line edited)"

_FIELDS: dict[str, type | tuple[type, ...]] = {
    "seq": int,
    "ts": str,
    "t": (int, float),
    "type": str,
    "actor": str,
    "data": dict,
    "prev": str,
    "hash": str,
}


def _text(value: str) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


@lru_cache(maxsize=256)
def _name(value: str) -> bytes:
    """`_text` of an event type, actor or person: few distinct values, written on every line."""
    return _text(value)


def _number(value: float) -> bytes:
    """JSON of a drill time: a float is written as its repr (what `json.dumps` writes for a finite float)."""
    return float.__repr__(value).encode() if type(value) is float else json.dumps(value).encode()


def encode_data(data: dict[str, Any]) -> bytes:
    """The `data` object as written: sorted keys, compact, UTF-8; raises ValueError/TypeError/UnicodeEncodeError.

    orjson writes the common case (its numbers are the shortest that read back the same, like `repr`, though
    `5e-05` is written `0.00005`: both are the same float, and a schema-2 line's hash is over the bytes written).
    What it refuses (integers beyond 64 bits, non-text keys, lone surrogates, deep nesting), and anything with a
    null in it (orjson writes NaN and the infinities as null), goes through the standard library, which writes
    None as null and refuses the others, as before.
    """
    try:
        out = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError included
        pass
    else:
        if b"null" not in out:
            return out
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def encode_body(
    seq: int, t: float, ts: str, type: str, actor: str, data: bytes, prev: str, by: str | None = None
) -> bytes:
    """The hashed part of a schema-2 line (no closing brace); `by` goes after `actor` when known."""
    return b"".join(
        (
            b'{"seq":%d,"type":' % seq,
            _name(type),
            b',"t":',
            _number(t),
            b',"ts":',
            _text(ts),
            b',"actor":',
            _name(actor),
            b"" if by is None else b',"by":' + _name(by),
            b',"data":',
            data,
            PREV_KEY,
            prev.encode("ascii"),
            b'"',
        )
    )


def frame(body: bytes) -> tuple[bytes, str]:
    """The full schema-2 line (with newline) for a body, and its hash."""
    digest = hashlib.sha256(body).hexdigest()
    return body + HASH_KEY + digest.encode() + b'"}\n', digest


def split(line: bytes) -> tuple[bytes, bytes] | None:
    """(body, hash) of a line framed as schema 2 (no newline), or None if it is not."""
    if len(line) < TAIL + PREV_TAIL + len(V2_START) or not line.startswith(V2_START):
        return None
    if line[-TAIL : -TAIL + len(HASH_KEY)] != HASH_KEY or not line.endswith(b'"}'):
        return None
    return line[:-TAIL], line[-66:-2]


_DIGIT_MAP = bytes(ord("d") if chr(i).isdecimal() and i < 128 else ord(" ") for i in range(256))
_LONG_DIGITS = b"d" * 19
"""19 digits in a row: possibly an integer beyond 64 bits, which orjson would read as a float.

Found by mapping every byte to `d` (a digit) or a space and looking for 19 `d`s: two
passes in C, far cheaper than a regular expression over a long line.
"""


def decode(line: str | bytes) -> Any:
    """One JSON line, as the standard library would read it, but ~3x faster (orjson) when nothing differs.

    Strict JSON: NaN, Infinity and numbers too large for a float are refused
    (ValueError), as no log line the writer makes holds them. A line with a long
    run of digits is read by the standard library, so big integers stay integers.
    """
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    if _LONG_DIGITS not in raw.translate(_DIGIT_MAP):
        return orjson.loads(raw)
    return json.loads(line, parse_constant=_reject_constant, parse_float=_finite)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is too large for a number")
    return value


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which canonical JSON cannot carry."""
    raise ValueError(f"{name} is not valid JSON")


def parse(line: bytes) -> Event | None:
    """The event on one line (no newline), unverified, or None if it is not a complete, well-typed event."""
    try:
        d = decode(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(d, dict):
        return None
    for key, kind in _FIELDS.items():
        value = d.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    if not isinstance(d.get("by", ""), str):
        return None
    return Event.from_dict(d)


def check_line(line: bytes) -> tuple[Event | None, str | None]:
    """Decode one line (no newline) and check its own hash, in whichever schema it is written: (event, None) or (None, problem)."""
    parts = split(line)
    if parts is not None:
        body, digest = parts
        if hashlib.sha256(body).hexdigest().encode() == digest:
            event = parse(line)
            return (event, None) if event is not None else (None, MALFORMED)
    event = parse(line)
    if event is None:
        return None, MALFORMED
    # Not a well-framed schema-2 line with its hash: is it an exact schema-1 line, or an edit of either?
    try:
        v1_body = canonical(event.body())
        v2_body = encode_body(
            event.seq, event.t, event.ts, event.type, event.actor, encode_data(event.data), event.prev, event.by
        )
    except (ValueError, TypeError, UnicodeEncodeError):  # lone surrogates and the like
        return None, MALFORMED
    if sha256_hex(v1_body) == event.hash:
        return (event, None) if canonical(event.to_dict()) == line else (None, NOT_CANONICAL)
    if sha256_hex(v2_body) == event.hash:
        return None, NOT_CANONICAL  # the right content, not the bytes that were hashed
    return None, EDITED
