"""`drillconsole trend`: one row per drill in start order, intervals, verdicts, formats, junk skipped, 1,000 logs."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from reportkit import (
    DEMO,
    NOISE_PLAYBOOK,
    SCRIPT,
    cli,
    restamp,
    run_drill,
    write_playbook,
)

from drillconsole.report.trend import build_trend, verdict


def _decide_at(at: float) -> list[dict[str, object]]:
    """The demo script, deciding (and so requesting and approving) later or sooner by the same offset."""
    shift = at - 95.0
    out = []
    for c in SCRIPT:
        c = dict(c)
        t = c["at"] if isinstance(c["at"], float) else float(str(c["at"]).rstrip("s"))
        c["at"] = t + shift if t >= 95.0 else t
        out.append(c)
    return out


@pytest.fixture(scope="module")
def drills(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three demo drills a week apart, each deciding 10 s sooner than the one before, and a junk file."""
    tmp = tmp_path_factory.mktemp("trend")
    folder = tmp / "drills"
    for i, (at, day) in enumerate([(115.0, "01"), (105.0, "08"), (95.0, "15")]):
        log = run_drill(DEMO, _decide_at(at), tmp / f"run{i}", seed=42)
        # Given in a shuffled order, so the trend must sort by start time.
        restamp(log, folder / f"{'cab'[i]}-{i}.jsonl", f"2026-03-{day}T09:00:00.000000Z")
    (folder / "notes.jsonl").write_text("not a session log\n", encoding="utf-8")
    return folder


def test_rows_in_start_order_with_intervals_and_metrics(drills: Path) -> None:
    out = cli("trend", str(drills), "--format", "json")
    assert out.returncode == 0
    assert out.stderr.splitlines() == [f"skipping {drills / 'notes.jsonl'}: not a session log"]
    data = json.loads(out.stdout)
    rows = data["drills"]
    assert data["schema_version"] == 1
    assert [r["date"] for r in rows] == ["2026-03-01", "2026-03-08", "2026-03-15"]
    assert [r["interval_days"] for r in rows] == [None, 7.0, 7.0]
    assert {r["drill"] for r in rows} == {"fraud-scorer-v42-rollback"} and {r["outcome"] for r in rows} == {"restored"}
    detect = rows[0]["time_to_detect_s"]  # same seed, same fault: detection does not change
    assert [r["time_to_detect_s"] for r in rows] == [detect] * 3
    assert [r["time_to_decision_s"] - rows[2]["time_to_decision_s"] for r in rows] == [20.0, 10.0, 0.0]
    assert [r["time_to_rollback_s"] for r in rows] == [16.5] * 3


def test_verdicts_compare_the_latest_with_the_median_of_earlier_drills(drills: Path) -> None:
    v = build_trend([drills]).verdicts
    assert v["time_to_decision_s"]["verdict"] == "improving"  # 10 s sooner than the median of the two before
    assert v["time_to_decision_s"]["median_earlier"] - v["time_to_decision_s"]["latest"] == 15.0
    assert v["time_to_rollback_s"]["verdict"] == "steady"
    assert v["rollback_success_rate"] == {"better": "higher", "latest": 1.0, "median_earlier": 1.0, "verdict": "steady"}


def test_verdict_directions() -> None:
    assert verdict([30.0, 20.0, 10.0], "lower")["verdict"] == "improving"
    assert verdict([0.9, 1.0, 0.5], "higher")["verdict"] == "worsening"
    assert verdict([None, 0.5, 1.0], "higher")["median_earlier"] == 0.5
    assert verdict([5.0], "lower")["verdict"] == "insufficient data"
    assert verdict([5.0, None], "lower")["verdict"] == "insufficient data"


def test_markdown_has_a_row_per_drill_and_text_charts(drills: Path) -> None:
    md = cli("trend", str(drills)).stdout
    assert md.startswith("# Drill trend: 3 drills\n")
    assert md.count("| 2026-03-") == 3
    assert "| Time to decision | lower | " in md and "| improving | `█▅▁` |" in md


def test_csv_has_a_header_and_a_row_per_drill(drills: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli("trend", str(drills), "--format", "csv").stdout)))
    assert [r["date"] for r in rows] == ["2026-03-01", "2026-03-08", "2026-03-15"]
    assert {"log", "playbook", "drill", "outcome", "interval_days", "time_to_detect_s", "rollback_success_rate"} <= set(
        rows[0]
    )


def test_no_logs_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "junk.jsonl").write_text("{}\n")
    out = cli("trend", str(tmp_path), str(tmp_path / "missing.jsonl"))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines() == [
        f"skipping {tmp_path / 'missing.jsonl'}: no such file or directory",
        f"skipping {tmp_path / 'junk.jsonl'}: not a session log",
        f"drillconsole: no session logs found in {tmp_path} {tmp_path / 'missing.jsonl'}",
    ]


def test_a_thousand_logs(tmp_path: Path) -> None:
    playbook = write_playbook(tmp_path, "noise.yaml", NOISE_PLAYBOOK)
    log = run_drill(playbook, [{"at": "45s", "role": "commander", "do": "end"}], tmp_path / "one")
    first = datetime(2024, 1, 1, 9, 0)
    for i in range(1000):
        restamp(
            log, tmp_path / "many" / f"{i:04d}.jsonl", (first + timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        )
    trend = build_trend([tmp_path / "many"])
    assert trend.drills.height == 1000 and trend.skipped == []
    assert trend.drills["false_alarms"].to_list() == [2] * 1000  # both spikes are transient: neither is a fault
    assert trend.drills["interval_days"].to_list() == [None] + [1.0] * 999
