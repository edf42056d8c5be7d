"""Values backfilled from before T+0 are reported as "before the drill", never drawn or read as the drill's own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from drillconsole.report.decimate import Series, load_history, means
from drillconsole.report.document import Block
from drillconsole.report.render_md import chart_lines


def test_a_dip_backfilled_from_the_last_drill_is_not_the_start_of_this_one() -> None:
    # The previous drill's dip (0.5) is in the backfill; this drill itself is healthy (0.95) from T+0.
    history = {"precision": np.array([(-120.0 + i, 0.5) for i in range(100)])}
    t = np.arange(0.0, 60.0, 2.0)
    series = Series(t, {"precision": np.full(t.size, 0.95)})
    values = means(series.t, series.values["precision"], 60.0, 30)
    assert all(v == 0.95 for v in values if v is not None) and values[0] == 0.95
    block = Block(kind="chart", text="critical below 0.85", signal={"id": "precision"})
    lines = chart_lines(series, history, block, [], 60.0)
    summary = next(line for line in lines if line.startswith("min "))
    assert summary.startswith("min 0.95 · max 0.95 · last 0.95")
    assert lines[-1] == "before the drill (backfilled, 100 points over 120s before T+0): min 0.5 · max 0.5"


def test_history_is_read_from_the_lines_that_carry_it(tmp_path: Path) -> None:
    # A backfill line among live samples; broken and foreign history entries are passed over, not fatal.
    lines = [
        {"seq": 1, "type": "signal.sample", "t": 0.0, "data": {"values": {}, "history": {"p": [[-2, 0.4], [-1, 0.6]]}}},
        {"seq": 2, "type": "signal.sample", "t": 1.0, "data": {"values": {"p": 0.9}}},
        {"seq": 3, "type": "signal.sample", "t": 1.0, "data": {"values": {}, "history": {"p": [["x", 1], [-3, 0.2]]}}},
        {
            "seq": 4,
            "type": "note.added",
            "t": 2.0,
            "data": {"text": '"history": in a note', "history": {"p": [[-9, 9]]}},
        },
    ]
    log = tmp_path / "drill.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in lines) + '{"history": broken\n', encoding="utf-8")
    found = load_history(log, ["p", "q"])
    assert found["p"].tolist() == [[-3.0, 0.2], [-2.0, 0.4], [-1.0, 0.6]]
    assert "q" not in found
