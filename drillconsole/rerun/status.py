"""The drill cadence: for each playbook drilled in a log folder, its last drill and whether the next one is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from drillconsole.rerun.metrics import HEADLINE, METRICS, metrics_of, show

DAY = 86400.0


@dataclass(frozen=True)
class DrillStatus:
    """One playbook (by drill id): how many drills, the last one, its numbers, and the cadence verdict."""

    drill: str
    drills: int
    last_log: Path
    last_at: datetime | None
    playbook_hash: str
    outcome: str
    metrics: dict[str, float | None]
    cadence_s: float | None
    due_at: datetime | None
    overdue: bool

    def due_text(self, now: datetime) -> str:
        """`due in 3d`, `overdue by 5d 4h`, or `no cadence`."""
        if self.due_at is None:
            return "no cadence" if self.cadence_s is None else "due now (last drill has no date)"
        left = self.due_at - now
        return f"overdue by {_span(-left)}" if self.overdue else f"due in {_span(left)}"


def _span(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    days, hours = seconds // 86400, (seconds % 86400) // 3600
    return f"{days}d {hours}h" if days else f"{hours}h {(seconds % 3600) // 60}m"


def _started_at(head: dict[str, Any]) -> datetime | None:
    ts = head.get("ts")
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")) if isinstance(ts, str) else None
    except ValueError:
        return None


def cadence_of(header_data: dict[str, Any]) -> float | None:
    """The `cadence:` of the playbook a log embeds (seconds), or None if it declares none or cannot be read."""
    from drillconsole.drill.recorded import RecordedPlaybookError, recorded_playbook

    try:
        return recorded_playbook(header_data).playbook.drill.cadence
    except RecordedPlaybookError:
        return None


def drill_status(folder: Path, now: datetime | None = None) -> tuple[list[DrillStatus], list[str]]:
    """One status per drill id found in `folder` (the cadence of its latest playbook), and a line per file skipped."""
    from drillconsole.report.trend import find_logs

    now = now or datetime.now(UTC)
    logs, skipped = find_logs([folder])
    groups: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path, head in logs.items():
        if path.stem.endswith("-rerun"):
            continue
        drill = head["data"].get("drill")
        groups.setdefault(str(drill) if drill else "(unnamed)", []).append((path, head))
    rows = []
    for drill, items in sorted(groups.items()):
        items.sort(key=lambda item: (_started_at(item[1]) or datetime.min.replace(tzinfo=UTC), str(item[0])))
        path, head = items[-1]
        data = head["data"]
        at = _started_at(head)
        metrics = metrics_of(path)
        cadence = cadence_of(data)
        due = at + timedelta(seconds=cadence) if cadence is not None and at is not None else None
        overdue = cadence is not None and (due is None or now > due)
        report_outcome = _outcome(path)
        rows.append(
            DrillStatus(
                drill,
                len(items),
                path,
                at,
                str(data.get("playbook_hash") or "")[:12],
                report_outcome,
                metrics,
                cadence,
                due,
                overdue,
            )
        )
    return rows, skipped


def _outcome(path: Path) -> str:
    from drillconsole.log.contract import EventType
    from drillconsole.log.reader import iter_events

    outcome = "unfinished"
    for event in iter_events(path):
        if event.type == EventType.SESSION_ENDED:
            outcome = str(event.data.get("outcome"))
    return outcome


def render_status(rows: list[DrillStatus], now: datetime | None = None) -> list[str]:
    """The status as a fixed-width table, one row per playbook."""
    now = now or datetime.now(UTC)
    headline = [m for m in METRICS if m.key in HEADLINE]
    heads = [
        "drill",
        "drills",
        "last drill (UTC)",
        "playbook",
        "outcome",
        *(m.label for m in headline),
        "cadence",
        "status",
    ]
    table = [heads]
    for r in rows:
        cadence = "—" if r.cadence_s is None else f"{r.cadence_s / DAY:g}d"
        when = r.last_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if r.last_at else "—"
        values = [show(m, r.metrics.get(m.key)) for m in headline]
        table.append([r.drill, str(r.drills), when, r.playbook_hash, r.outcome, *values, cadence, r.due_text(now)])
    widths = [max(len(row[i]) for row in table) for i in range(len(heads))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
