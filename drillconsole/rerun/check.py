"""One drill as a regression test: re-run it, compare it, and say pass or regression."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from drillconsole.rerun.changes import playbook_changes
from drillconsole.rerun.diff import DEFAULT_TOLERANCE, compare
from drillconsole.rerun.metrics import metrics_of
from drillconsole.rerun.run import RerunError, load_original, load_target, rerun


@dataclass(frozen=True)
class Options:
    """How to re-run: playbooks to use instead of the embedded ones, seed, tolerances, where to keep the new log."""

    playbooks: tuple[Path, ...] = ()
    seed: int | None = None
    tolerance: float = DEFAULT_TOLERANCE
    overrides: dict[str, float] = field(default_factory=dict)
    keep: Path | None = None


@dataclass(frozen=True)
class CaseResult:
    """The verdict on one log: passed, a regression (findings), or an error (bad input)."""

    log: Path
    drill: str
    lines: list[str]
    findings: list[str]
    error: str | None
    seconds: float

    @property
    def passed(self) -> bool:
        """Same outcome and sequence, every metric within tolerance, and no error."""
        return self.error is None and not self.findings

    def verdict(self) -> str:
        """One line: PASS, REGRESSION with the first findings, or ERROR with the reason."""
        if self.error is not None:
            return f"ERROR: {self.error}"
        if not self.findings:
            return "PASS: same outcome, same sequence, metrics within tolerance"
        more = f" (+{len(self.findings) - 3} more)" if len(self.findings) > 3 else ""
        return "REGRESSION: " + "; ".join(self.findings[:3]) + more


def _override_for(drill: str, playbooks: tuple[Path, ...], single: bool) -> Path | None:
    """The --playbook a log re-runs against: the only one for a single log, else the one with the log's drill id."""
    if not playbooks:
        return None
    if single:
        return playbooks[0]
    from drillconsole.playbook.loader import PlaybookError, load_playbook

    for path in playbooks:
        try:
            if load_playbook(path).drill.id == drill:
                return path
        except PlaybookError as exc:
            raise RerunError(str(exc.problems[0])) from None
    return None


def check_log(log: Path, options: Options, *, single: bool = True) -> CaseResult:
    """Re-run `log` and compare it with the original; RerunError on bad input."""
    started = time.perf_counter()
    original = load_original(log)
    drill = str(original.started.get("drill") or "drill")
    target = load_target(original, _override_for(drill, options.playbooks, single))
    with tempfile.TemporaryDirectory(prefix="drillconsole-rerun-") as tmp:
        out = Path(tmp) / "rerun.jsonl"
        if options.keep is not None:
            out = options.keep / f"{Path(log).stem}-rerun.jsonl"
            if out.exists():
                raise RerunError(f"{out}: exists already; --keep never overwrites a log")
        run = rerun(original, target, out, options.seed)
        old_metrics = metrics_of(original.path, original.playbook or target.playbook)
        new_metrics = metrics_of(out, target.playbook)
    changes = playbook_changes(original.playbook, target.playbook) if original.playbook is not None else []
    diff = compare(run, old_metrics, new_metrics, options.tolerance, options.overrides, changes)
    source = "the playbook embedded in the log" if target.embedded else target.name
    head = [f"rerun of {log} against {source}, seed {run.seed}, {len(run.inputs)} operator inputs"]
    if options.keep is not None:
        head.append(f"new log: {out}")
    return CaseResult(Path(log), drill, head + diff.lines, diff.findings, None, time.perf_counter() - started)
