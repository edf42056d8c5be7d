"""No key sequence runs a gated step without an approval event for it."""

from __future__ import annotations

import random
from pathlib import Path

from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import held_drill, settle
from drillconsole.ui.widgets.step_table import StepTable

from .conftest import SIZE, log_events

GATED = "registry-rollback"
KEYS = [
    "r",
    "a",
    "t",
    "s",
    "u",
    "d",
    "c",
    "n",
    "p",
    "f",
    "k",
    "question_mark",
    "plus",
    "minus",
    "left_square_bracket",
    "right_square_bracket",
    "enter",
    "escape",
    "tab",
    "shift+tab",
    "up",
    "down",
    "left",
    "right",
    "space",
    "backspace",
    "ctrl+p",
    "R",
    "O",
    "L",
    "B",
    "A",
    "C",
    "K",
    "T",
    "f",
    "r",
    "a",
    "u",
    "d",
    "-",
    "s",
    "c",
    "o",
    "v",
    "4",
    "1",
]
"""Everything but q, e and y (quitting or ending would stop the test early), weighted to the gate's keys and phrase."""


async def test_random_keys_never_run_the_gated_step_unapproved(tmp_path: Path) -> None:
    prepared = held_drill(106.0, tmp_path / "logs")  # decided, earlier steps done: the gated step is next
    app = DrillApp(prepared)
    rng = random.Random(20261127)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.main_screen.query_one(StepTable)  # type: ignore[union-attr]
        for _burst in range(15):
            if app.screen is app.main_screen:
                table.focus()
                table.select(GATED)
            await pilot.press(*[rng.choice(KEYS) for _ in range(20)])
        assert app.seat.state.started
    events = log_events(prepared)
    approved = False
    for event in events:
        if event.data.get("step") != GATED:
            continue
        if event.type == "gate.approved":
            approved = True
        elif event.type in ("gate.requested", "gate.expired", "gate.rejected"):
            approved = False
        elif event.type == "step.started":
            assert approved, f"step.started of {GATED} at seq {event.seq} without a gate.approved"
    assert any(e.type == "gate.requested" and e.data["step"] == GATED and not e.auto for e in events), (
        "the keys never even reached the gate: the test proves nothing"
    )
