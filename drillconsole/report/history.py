"""This drill against the earlier drills of the same playbook in the same log folder (the review screen's comparison)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from drillconsole.drill import metrics
from drillconsole.drill.recorded import RecordedPlaybookError, recorded_playbook
from drillconsole.report.folded import fold_lifecycle
from drillconsole.report.load import NotASessionLog, read_header

LIMIT = 20
"""Earlier drills compared at most (the most recent ones)."""


@dataclass(frozen=True)
class Comparison:
    """One metric now, the median of the earlier drills, and whether this drill did better."""

    metric: str
    now: float | None
    before: float | None
    verdict: str
    """`better`, `worse`, `same`, or `new` (nothing to compare with)."""


def earlier_drills(log_path: Path, drill_id: str) -> list[dict[str, float | int | None]]:
    """Headline metrics of earlier finished drills with the same drill id beside `log_path`, oldest first."""
    folder = Path(log_path).parent
    found: list[tuple[str, dict[str, float | int | None]]] = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.resolve() == Path(log_path).resolve():
            continue
        try:
            head = read_header(path)
            if head["data"].get("drill") != drill_id:
                continue
            playbook = recorded_playbook(head["data"]).playbook
            state = fold_lifecycle(path, playbook)
        except (OSError, NotASessionLog, RecordedPlaybookError, KeyError, ValueError):
            continue  # not a log of this drill we can read: nothing to compare
        if state.ended:
            found.append((str(head.get("ts", "")), metrics.headline_values(metrics.compute(state))))
    return [values for _, values in sorted(found, key=lambda x: x[0])][-LIMIT:]


def compare(now: dict[str, float | int | None], earlier: list[dict[str, float | int | None]]) -> list[Comparison]:
    """Each headline metric against the median of the earlier drills (lower is better except the rates)."""
    out = []
    for key in metrics.HEADLINE:
        values = [float(v) for e in earlier if (v := e.get(key)) is not None]
        current = now.get(key)
        before = statistics.median(values) if values else None
        if current is None or before is None:
            verdict = "new"
        elif current == before:
            verdict = "same"
        else:
            lower = current < before
            verdict = "better" if lower != (key in metrics.HIGHER_IS_BETTER) else "worse"
        out.append(Comparison(key, None if current is None else float(current), before, verdict))
    return out
