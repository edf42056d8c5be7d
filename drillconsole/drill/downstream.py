"""Downstream consistency and reconciliation in the fold: what dependents reported, what was reconciled, what is left.

Kept in the fold like the scenario's causes: what a simulated dependent reports
is a pure function of the live-version history held here, so a replay, a
resumed drill and the report agree with the live console.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from drillconsole.playbook.models import Playbook


@dataclass
class DownstreamView:
    """Live-version history, consistency verdicts, reconciliations, residual discrepancies and target changes."""

    live_versions: list[tuple[float, str | None]] = field(default_factory=list)
    """(t, version) every time the registry's live version changed; the first entry is the drill's start."""
    checks: list[dict[str, Any]] = field(default_factory=list)
    reconciles: list[dict[str, Any]] = field(default_factory=list)
    residuals: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    """Every change to a target by a step (or its undo), in order: the change ledger's raw rows."""


class VersionState(Protocol):
    """What the downstream rules read of the drill state (a protocol, so `state` can call them without a cycle)."""

    playbook: Playbook
    downstream: DownstreamView
    t: float

    def live_version(self, target_id: str | None = None) -> str | None: ...


def note_live_version(state: VersionState, t: float) -> None:
    """Record the live version after a target change at t (only when it changed)."""
    history = state.downstream.live_versions
    version = state.live_version()
    if not history or history[-1][1] != version:
        history.append((t, version))


def version_at(state: VersionState, t: float) -> str | None:
    """The registry's live version at drill time t."""
    history = state.downstream.live_versions
    current = history[0][1] if history else state.live_version()
    for when, version in history:
        if when > t + 1e-9:
            break
        current = version
    return current


def simulated_version(state: VersionState, dependent_id: str, t: float) -> str | None:
    """The version a simulated dependent reports at t: the live version `lag` seconds earlier (or never updated)."""
    source = state.playbook.dependents[dependent_id].source
    lag = getattr(source, "lag", 0.0)
    if lag is None:
        return version_at(state, 0.0)
    return version_at(state, t - float(lag))


def simulated_since(state: VersionState, dependent_id: str, t: float) -> float:
    """Since when a simulated dependent has reported the version it reports at t."""
    lag = getattr(state.playbook.dependents[dependent_id].source, "lag", 0.0)
    if lag is None:
        return 0.0
    since = 0.0
    for when, _ in state.downstream.live_versions[1:]:
        if when + float(lag) <= t + 1e-9:
            since = when + float(lag)
    return since


def simulated_catch_up(state: VersionState, dependent_id: str, now: float) -> float | None:
    """When a simulated dependent will next report a different version (None: it never will)."""
    lag = getattr(state.playbook.dependents[dependent_id].source, "lag", 0.0)
    if lag is None:
        return None
    later = [when + float(lag) for when, _ in state.downstream.live_versions[1:] if when + float(lag) > now + 1e-9]
    return min(later) if later else None


def record_change(state: VersionState, t: float, step: str, actor: str, data: dict[str, Any], *, undo: bool) -> None:
    """Add a step's target change (or its undo) to the ledger rows; an undo marks the change it reverses."""
    result = data.get("result") or {}
    row = {
        "t": t,
        "step": step,
        "role": actor,
        "by": data.get("by"),
        "target": result.get("target"),
        "alias": result.get("alias"),
        "flag": result.get("flag"),
        "segment": result.get("segment"),
        "from": result.get("from"),
        "to": result.get("to"),
        "undo": undo,
        "undone_t": None,
    }
    if undo:
        for earlier in reversed(state.downstream.changes):
            if earlier["step"] == step and not earlier["undo"] and earlier["undone_t"] is None:
                earlier["undone_t"] = t
                break
    state.downstream.changes.append(row)


def fold_checked(view: DownstreamView, t: float, d: dict[str, Any], actor: str) -> None:
    """Fold `consistency.checked`."""
    view.checks.append({**d, "t": t, "actor": actor})


def fold_reconciled(view: DownstreamView, t: float, d: dict[str, Any], actor: str) -> None:
    """Fold `reconcile.recorded`."""
    view.reconciles.append({**d, "t": t, "actor": actor})


def fold_residual(view: DownstreamView, t: float, d: dict[str, Any], actor: str) -> None:
    """Fold `discrepancy.residual`."""
    view.residuals.append({**d, "t": t, "actor": actor})
