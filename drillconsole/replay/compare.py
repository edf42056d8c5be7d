"""A normalised, plain view of a DrillState, for comparing a replayed state with a live one."""

from __future__ import annotations

from collections import deque
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

from drillconsole.drill.state import DrillState

EXCLUDED = frozenset({"playbook"})
"""DrillState fields left out of the view (the playbook is shared and immutable)."""


def _key(key: Any) -> Any:
    """A dict key as plain data: tuples become `a/b`, enums their value."""
    if isinstance(key, tuple):
        return "/".join(str(_key(k)) for k in key)
    return key.value if isinstance(key, Enum) else key


def plain(value: Any) -> Any:
    """Dataclasses as dicts, enums as values, sequences as lists, sets as sorted lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, deque)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=repr)
    return value


def snapshot_view(state: DrillState) -> dict[str, Any]:
    """Every field of the state but the playbook (so fields added later are covered too), as plain data."""
    return {f.name: plain(getattr(state, f.name)) for f in fields(state) if f.name not in EXCLUDED}


def diff_views(a: Any, b: Any, path: str = "", limit: int = 20) -> list[str]:
    """Where two plain views differ, as `path: a != b` lines (at most `limit`)."""
    out: list[str] = []

    def walk(x: Any, y: Any, where: str) -> None:
        if len(out) >= limit or x == y:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in [*x, *(k for k in y if k not in x)]:
                walk(x.get(k, "<missing>"), y.get(k, "<missing>"), f"{where}.{k}" if where else str(k))
            return
        if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (p, q) in enumerate(zip(x, y, strict=False)):
                walk(p, q, f"{where}[{i}]")
            return
        out.append(f"{where or '<root>'}: {x!r} != {y!r}")

    walk(a, b, path)
    return out
