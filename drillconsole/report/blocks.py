"""The neutral blocks the report is made of, and how its numbers and moments are written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Block:
    """One piece of the document: heading, para, note, table, bullets or chart."""

    kind: str
    text: str = ""
    level: int = 2
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    signal: dict[str, Any] = field(default_factory=dict)


def secs(value: float | None) -> str:
    """`16.5 s`, or `—` when the moment was never reached."""
    return "—" if value is None else f"{value:g} s"


def clock(t: float | None) -> str:
    """Drill time as `T+mm:ss` (with tenths when not whole)."""
    if t is None:
        return "—"
    whole, frac = int(t), t - int(t)
    tail = f"{frac:.3f}".rstrip("0").rstrip(".")[1:] if frac >= 0.0005 else ""
    if whole >= 3600:
        return f"T+{whole // 3600}:{(whole % 3600) // 60:02d}:{whole % 60:02d}{tail}"
    return f"T+{whole // 60:02d}:{whole % 60:02d}{tail}"


def pct(value: float | None) -> str:
    """`99.5%`, or `—`."""
    return "—" if value is None else f"{value * 100:.4g}%"


def yes(value: bool | None) -> str:
    """yes / no / —."""
    return "—" if value is None else ("yes" if value else "no")
