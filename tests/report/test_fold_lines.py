"""Which lines of a log the report's fold reads: the whole-text filter agrees with judging each line."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from drillconsole.report.folded import _fold_lines, _folded, read_lines


def _v2(seq: int, type_: str, data: dict[str, object]) -> str:
    return f'{{"seq":{seq},"type":"{type_}","t":{seq}.0,"ts":"x","actor":"engine","data":{json.dumps(data)}}}'


V2_LINES = [
    _v2(0, "session.started", {"drill": "d"}),
    _v2(1, "signal.sample", {"values": {"a": 1.0}}),
    _v2(2, "log.sealed", {"sig": "s"}),
    _v2(3, "step.started", {"step": "s1", "note": '"type":"signal.sample"'}),
    _v2(4, "signal.samples", {}),  # a type that only starts like a skipped one is read
]
OTHER_LINES = [
    '{"actor":"engine","data":{},"seq":5,"t":5.0,"type":"signal.sample"}',  # schema 1 sample
    '{"actor":"engine","data":{},"seq":6,"t":6.0,"type":"step.started"}',  # schema 1 lifecycle
    '{"seq":7,"type":"step.succ',  # cut short
    "not json at all",
    "",
]


def test_samples_and_seals_are_passed_over_and_everything_else_kept() -> None:
    assert _fold_lines("\n".join(V2_LINES) + "\n") == [V2_LINES[0], V2_LINES[3], V2_LINES[4]]


@given(st.lists(st.sampled_from(V2_LINES + OTHER_LINES), max_size=30))
def test_the_whole_text_filter_equals_the_line_by_line_one(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    assert _fold_lines(text) == [line for line in text.split("\n") if _folded(line)]


def test_read_lines_gives_the_last_readable_event_time(tmp_path: Path) -> None:
    log = tmp_path / "drill.jsonl"
    log.write_text("\n".join([*V2_LINES, '{"seq":9,"type":"step.succ']) + "\n", encoding="utf-8")
    read = read_lines(log)
    assert read.last_t == 4.0  # the truncated last line is passed over
    assert len(read.lifecycle) == 4  # the truncated line is kept for the fold to refuse, as before
