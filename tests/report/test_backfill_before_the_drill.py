"""Values backfilled from before T+0 are reported as "before the drill", never drawn or read as the drill's own."""

from __future__ import annotations

import polars as pl

from drillconsole.report.charts import buckets
from drillconsole.report.document import Block
from drillconsole.report.render_md import chart_lines


def test_a_dip_backfilled_from_the_last_drill_is_not_the_start_of_this_one() -> None:
    # The previous drill's dip (0.5) is in the backfill; this drill itself is healthy (0.95) from T+0.
    history = [(-120.0 + i, 0.5) for i in range(100)]
    live = [(float(t), 0.95) for t in range(0, 60, 2)]
    samples = pl.DataFrame(
        {"t": [t for t, _ in history + live], "signal": ["precision"] * 130, "value": [v for _, v in history + live]}
    )
    values = buckets(samples, "precision", 60.0, 30)
    assert all(v == 0.95 for v in values if v is not None) and values[0] == 0.95
    block = Block(kind="chart", text="critical below 0.85", signal={"id": "precision"})
    lines = chart_lines(samples, block, [], 60.0)
    summary = next(line for line in lines if line.startswith("min "))
    assert summary.startswith("min 0.95 · max 0.95 · last 0.95")
    assert lines[-1] == "before the drill (backfilled, 100 points over 120s before T+0): min 0.5 · max 0.5"
