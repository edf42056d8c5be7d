"""A small picture of a drill on one time axis: phases, triggers, decision, rollback and restore."""

from __future__ import annotations

from textual.markup import escape

from drillconsole.drill.state import DrillState
from drillconsole.drill.wording import format_clock
from drillconsole.playbook.base import Phase

LABEL = 10
"""Cells of the lane names on the left."""

_INITIAL = {
    Phase.baseline: "B",
    Phase.detect: "D",
    Phase.decide: "C",
    Phase.execute: "X",
    Phase.verify: "V",
    Phase.restore: "R",
    Phase.review: "W",
}
"""One letter per phase where its name does not fit (C for deCide, X for eXecute, W for revieW)."""


def _column(t: float, end: float, cells: int) -> int:
    return min(cells - 1, max(0, round(t / end * (cells - 1)))) if end > 0 else 0


def _phase_lane(state: DrillState, end: float, cells: int) -> str:
    """Each phase's span, named when the name fits, else by its letter; a │ where a phase begins."""
    starts = sorted((t, Phase(p)) for p, t in state.phase_t.items())
    lane = [" "] * cells
    for i, (t, phase) in enumerate(starts):
        first = _column(t, end, cells)
        last = _column(starts[i + 1][0], end, cells) if i + 1 < len(starts) else cells
        span = max(1, last - first)
        name = phase.value if len(phase.value) + 1 <= span else _INITIAL[phase]
        text = ("│" + name)[:span].ljust(span, "─")
        lane[first : first + span] = list(text)
    return "".join(lane[:cells])


def _marks(marks: list[tuple[float, str]], end: float, cells: int) -> str:
    lane = [" "] * cells
    for t, mark in marks:
        lane[_column(t, end, cells)] = mark
    return "".join(lane)


def drill_picture(state: DrillState, width: int) -> list[str]:
    """Markup lines of the picture, `width` cells wide (lane names included)."""
    cells = max(10, width - LABEL)
    end = max(state.t, max(state.phase_t.values(), default=0.0), 1.0)
    rollback = [" "] * cells
    for step in state.playbook.steps:
        view = state.steps[step.id]
        if step.rollback and view.started_t is not None:  # the first rollback step: from its start to its result
            done = view.ended_t if view.ended_t is not None else end
            first, last = _column(view.started_t, end, cells), _column(done, end, cells)
            rollback[first : last + 1] = ["━"] * (last + 1 - first)
            rollback[last] = "✓" if view.status == "succeeded" else ("▶" if view.status == "running" else "✖")
            break
    lanes = [
        ("phases", _phase_lane(state, end, cells), "$accent"),
        ("triggers", _marks([(t, "✖") for t, _ in state.fired_order], end, cells), "$band-critical"),
        ("decision", _marks([(state.decision["t"], "◆")] if state.decision else [], end, cells), "$band-warn"),
        ("rollback", "".join(rollback), "$primary"),
        (
            "restore",
            _marks([(state.phase_t["restore"], "●")] if "restore" in state.phase_t else [], end, cells),
            "$band-ok",
        ),
    ]
    lines = [f"[dim]{name:<{LABEL}}[/dim][{tone}]{escape(lane)}[/]" for name, lane, tone in lanes]
    left, right = format_clock(0.0), format_clock(end)
    axis = left + " " * max(1, cells - len(left) - len(right)) + right
    lines.append(" " * LABEL + f"[dim]{axis}[/dim]")
    return lines
