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
    steps: dict[str, Any]
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


def dependent_history(state: VersionState, dependent_id: str) -> list[tuple[float, str | None]]:
    """(t, version) each time a simulated dependent switches: registry changes `lag` later, and only once its
    `after` step (if any) has succeeded; the first entry is the drill's start."""
    source = state.playbook.dependents[dependent_id].source
    history = state.downstream.live_versions
    out: list[tuple[float, str | None]] = [(0.0, history[0][1] if history else state.live_version())]
    lag = getattr(source, "lag", 0.0)
    after = getattr(source, "after", None)
    if lag is None:
        return out
    ready = 0.0
    if after is not None:
        view = state.steps.get(after)
        if view is None or view.status != "succeeded" or view.ended_t is None:
            return out  # the team has not done what the dependent waits for
        ready = view.ended_t
    for when, version in history[1:]:
        at = max(when, ready) + float(lag)
        while out and out[-1][0] >= at - 1e-9 and len(out) > 1:
            out.pop()  # superseded before it took effect (several changes before the `after` step)
        if out[-1][1] != version:
            out.append((at, version))
    return out


def simulated_version(state: VersionState, dependent_id: str, t: float) -> str | None:
    """The version a simulated dependent reports at t."""
    current: str | None = None
    for when, version in dependent_history(state, dependent_id):
        if when > t + 1e-9:
            break
        current = version
    return current


def simulated_since(state: VersionState, dependent_id: str, t: float) -> float:
    """Since when a simulated dependent has reported the version it reports at t."""
    since = 0.0
    for when, _ in dependent_history(state, dependent_id):
        if when > t + 1e-9:
            break
        since = when
    return since


def simulated_catch_up(state: VersionState, dependent_id: str, now: float) -> float | None:
    """When a simulated dependent will next switch version (None: not as things stand)."""
    return next((when for when, _ in dependent_history(state, dependent_id) if when > now + 1e-9), None)


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
