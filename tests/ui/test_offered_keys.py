"""A console bound with --role offers the keys and palette entries its role allows; a hidden key still says why."""

from __future__ import annotations

from pathlib import Path

from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import held_drill, settle

from .conftest import SIZE, log_events, wait_for
from .offerkit import footer_words, offered_actions, palette_offers


async def test_a_console_bound_to_the_tech_lead_offers_running_steps_but_no_approval_decision_or_end(
    tmp_path: Path,
) -> None:
    prepared = held_drill(90.0, tmp_path / "logs", auto=False)  # triggers fired, nothing decided
    app = DrillApp(prepared, role="tech_lead")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: "Run" in footer_words(app), "the footer")
        words = footer_words(app)
        assert {"Run", "Check", "Note"} <= words and not {"Approve", "Decide", "End"} & words
        assert not {"approve", "decide", "end_drill"} & offered_actions(app)
        listed = await palette_offers(pilot, app, "confirm steady", expect="Run step")
        assert "Run step: Confirm steady state (confirm-baseline)" in listed
        listed = await palette_offers(pilot, app, "gate", expect="Timeline: kind gate")
        assert not [name for name in listed if "gate:" in name]  # no Approve gate / Reject gate entries
        assert await palette_offers(pilot, app, "end the drill") == []
        await pilot.press("a")  # not offered: pressing it says why instead of doing nothing
        await wait_for(
            pilot,
            lambda: any("approves no gate" in n.message for n in app._notifications),
            "the reason approve is not offered",
        )
        assert app.screen is app.main_screen
    denied = [e for e in log_events(prepared) if e.type == "access.denied"]
    assert [(e.actor, e.data["command"]) for e in denied] == [("tech_lead", "approve")]
    assert "commander, data_steward" in denied[0].data["reason"]


async def test_the_solo_console_offers_every_key(tmp_path: Path) -> None:
    prepared = held_drill(90.0, tmp_path / "logs", auto=False)
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: "Run" in footer_words(app), "the footer")
        assert {"Run", "Approve", "Decide", "Check", "Note", "End"} <= footer_words(app)
        assert "Decide on the response" in await palette_offers(pilot, app, "decide", expect="Decide")
        assert "End the drill" in await palette_offers(pilot, app, "end the drill", expect="End")
