"""What the report needs from the drill's playbook: the copy the log embeds, or (older logs) the file it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from drillconsole.drill.recorded import RecordedPlaybookError, recorded_playbook
from drillconsole.playbook.models import Playbook


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
    playbook: Playbook | None = None
    """The playbook itself, for the drill model's fold."""


def _summary(path: str, pb: Playbook, hash_matches: bool | None, note: str | None) -> PlaybookInfo:
    return PlaybookInfo(
        path=path,
        loaded=True,
        problem=note,
        hash_matches=hash_matches,
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
        playbook=pb,
    )


@lru_cache(maxsize=64)
def _load(path: str, expected_hash: str | None, text: str | None) -> PlaybookInfo:
    """Load and summarise one playbook, from the log's own copy when it has one (cached: trends meet it often)."""
    data = {"playbook": path, "playbook_hash": expected_hash, "playbook_text": text}
    try:
        recorded = recorded_playbook({k: v for k, v in data.items() if v is not None})
    except RecordedPlaybookError as exc:
        return PlaybookInfo(path, problem=str(exc))
    except Exception as exc:
        return PlaybookInfo(path, problem=f"{path}: {exc}")
    return _summary(path, recorded.playbook, True if expected_hash else None, recorded.note)


def playbook_info(header: dict[str, Any]) -> PlaybookInfo:
    """The playbook a `session.started` event embeds (or, in older logs, names), or an empty info saying why it is missing."""
    data = header.get("data") or {}
    path = data.get("playbook")
    text = data.get("playbook_text")
    if not isinstance(text, str):
        text = None
    if text is None and (not isinstance(path, str) or not path):
        return PlaybookInfo(None, problem="session.started neither embeds nor names its playbook")
    digest = data.get("playbook_hash")
    return _load(str(path or ""), digest if isinstance(digest, str) else None, text)
