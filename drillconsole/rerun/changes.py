"""What differs between the playbook a drill ran and the one it is re-run against, named by field path."""

from __future__ import annotations

from typing import Any

from drillconsole.playbook.models import Playbook

LIMIT = 12
"""Changes listed at most (a rewrite is summarised, not dumped)."""


def playbook_changes(old: Playbook, new: Playbook) -> list[str]:
    """`steps[registry-rollback].gate.approver: ['commander'] → ['data_steward']`, one line per change."""
    out: list[str] = []
    _walk(old.model_dump(mode="json"), new.model_dump(mode="json"), "", out)
    if len(out) > LIMIT:
        return [*out[:LIMIT], f"… and {len(out) - LIMIT} more"]
    return out


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """A list of models with ids as a dict by id (so a removed step is named, not shifted), else None."""
    if all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        keyed = {i["id"]: i for i in items}
        return keyed if len(keyed) == len(items) else None
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _walk(old: Any, new: Any, path: str, out: list[str]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(f"{where}: removed")
            elif key not in old:
                out.append(f"{where}: added {_short(new[key])}")
            else:
                _walk(old[key], new[key], where, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        a, b = _keyed(old), _keyed(new)
        if a is not None and b is not None and (a or b):
            for key in [*a, *(k for k in b if k not in a)]:
                where = f"{path}[{key}]"
                if key not in b:
                    out.append(f"{where}: removed")
                elif key not in a:
                    out.append(f"{where}: added")
                else:
                    _walk(a[key], b[key], where, out)
            if [k for k in a if k in b] != [k for k in b if k in a]:
                out.append(f"{path}: reordered")
            return
    out.append(f"{path}: {_short(old)} → {_short(new)}")
