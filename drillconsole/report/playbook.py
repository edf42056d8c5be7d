"""What the report needs from the drill's playbook, when the path in `session.started` still loads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StepInfo:
    """One playbook step as the report shows it."""

    id: str
    title: str
    owner: str
    phase: str
    kind: str
    gated: bool
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaybookInfo:
    """The rollback step, fault-injecting steps, steps and checklists of a playbook (empty if it did not load)."""

    path: str | None
    loaded: bool = False
    problem: str | None = None
    hash_matches: bool | None = None
    rollback_step: str | None = None
    inject_steps: tuple[str, ...] = ()
    steps: tuple[StepInfo, ...] = ()
    checklist: tuple[tuple[str, str, str], ...] = ()
    roles: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=64)
def _load(path: str, expected_hash: str | None) -> PlaybookInfo:
    """Load and summarise one playbook (cached: a trend meets the same playbook many times)."""
    from drillconsole.playbook.loader import PlaybookError, load_playbook

    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        pb = load_playbook(Path(path))
    except OSError as exc:
        return PlaybookInfo(path, problem=f"cannot read {path}: {exc.strerror or exc}")
    except PlaybookError as exc:
        return PlaybookInfo(path, problem=str(exc))
    except Exception as exc:
        return PlaybookInfo(path, problem=f"{path}: {exc}")
    return PlaybookInfo(
        path=path,
        loaded=True,
        hash_matches=None if expected_hash is None else digest == expected_hash,
        rollback_step=next((s.id for s in pb.steps if s.rollback), None),
        inject_steps=tuple(s.id for s in pb.steps if s.injects_fault),
        steps=tuple(
            StepInfo(
                s.id,
                s.title,
                s.owner,
                s.phase.value,
                s.kind,
                s.gate is not None,
                tuple(s.gate.approver) if s.gate else (),
            )
            for s in pb.steps
        ),
        checklist=tuple((rid, item.id, item.text) for rid, item in pb.checklist_items()),
        roles={rid: role.title for rid, role in pb.roles.items()},
    )


def playbook_info(header: dict[str, Any]) -> PlaybookInfo:
    """The playbook named by a `session.started` event, or an empty info saying why it is missing."""
    data = header.get("data") or {}
    path = data.get("playbook")
    if not isinstance(path, str) or not path:
        return PlaybookInfo(None, problem="session.started names no playbook")
    digest = data.get("playbook_hash")
    return _load(path, digest if isinstance(digest, str) else None)
