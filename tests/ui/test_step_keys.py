"""Skip-with-reason, undo and notes from the keyboard."""

from __future__ import annotations

from pathlib import Path

from drillconsole.engine.players import AutoPlayer
from drillconsole.ui.app import DrillApp
from drillconsole.ui.screens.confirm import ConfirmScreen
from drillconsole.ui.screens.prompt import TextPrompt
from drillconsole.ui.staging import held_drill, settle
from drillconsole.ui.widgets.step_table import StepTable

from .conftest import SIZE, fast_drill, log_events, showing, wait_for


async def test_skip_asks_to_act_as_the_owner_then_for_a_reason(tmp_path: Path) -> None:
    prepared = held_drill(96.0, tmp_path / "logs")  # decided; freeze-deploys is next
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n", *"bridge", "space", *"open", "enter")  # a note as the acting role, commander
        await wait_for(pilot, lambda: any(n["text"] == "bridge open" for n in prepared.engine.state.notes), "the note")
        app.main_screen.query_one(StepTable).select("freeze-deploys")  # type: ignore[union-attr]
        await pilot.press("s")  # the step is tech_lead's and commander may not execute steps: asked first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the act-as question")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt), "the reason prompt")
        assert app.main_screen.current_role() == "tech_lead"  # type: ignore[union-attr]
        await pilot.press("enter")  # an empty reason is not accepted
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"pipeline", "space", *"already", "space", *"frozen", "enter")
        await wait_for(pilot, lambda: prepared.engine.state.steps["freeze-deploys"].status == "skipped", "the skip")
    events = log_events(prepared)
    skipped = next(e for e in events if e.type == "step.skipped" and e.data["step"] == "freeze-deploys")
    assert skipped.data["reason"] == "pipeline already frozen" and skipped.actor == "tech_lead"
    note = next(e for e in events if e.type == "note.added" and e.data["text"] == "bridge open")
    assert note.actor == "commander"
    switch = next(e for e in events if e.type == "note.added" and "switched" in e.data["text"])
    assert switch.actor == "tech_lead" and "commander" in switch.data["text"] and switch.seq < skipped.seq


async def test_undo_from_the_step_list_after_a_confirmation(tmp_path: Path) -> None:
    prepared = fast_drill(tmp_path, speed=5.0, players=[AutoPlayer()])  # time to undo before the auto player ends it
    app = DrillApp(prepared)
    state = prepared.engine.state
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: state.steps["registry-rollback"].status == "succeeded", "the auto-played rollback", 30
        )
        app.main_screen.query_one(StepTable).select("registry-rollback")  # type: ignore[union-attr]
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the act-as question")
        await pilot.press("y")  # act as tech_lead, the owner
        await wait_for(pilot, lambda: "Undo" in str(app.screen.query_one("#yes").label), "the undo confirmation")
        await pilot.press("y")
        # The undo of a gated step is gated like the step: its approvers are asked, nothing moves before.
        await wait_for(
            pilot,
            lambda: (
                state.gates["registry-rollback"].status == "requested" and state.gates["registry-rollback"].for_undo
            ),
            "the undo's gate request",
        )
        assert state.live_version() == "41"
        prepared.engine.approve("data_steward", "registry-rollback", "ROLLBACK fraud-scorer TO v41")
        await wait_for(pilot, lambda: state.steps["registry-rollback"].status == "undone", "the undo")
        assert state.live_version() == "42"
    assert any(e.type == "step.undone" and e.data["step"] == "registry-rollback" for e in log_events(prepared))


async def test_the_gate_modal_closes_with_a_notice_when_the_request_expires(tmp_path: Path) -> None:
    from drillconsole.ui.screens.gate import GateModal

    prepared = fast_drill(tmp_path, speed=30.0)  # the 2-minute gate timeout is 4 s of wall time
    engine, state = prepared.engine, prepared.engine.state
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: state.phase.value == "decide", "a trigger")
        engine.run_step("tech_lead", "confirm-baseline")
        engine.decide("commander", "full_rollback", "set-up for the expiry test")
        engine.run_step("tech_lead", "freeze-deploys")
        engine.run_step("comms", "initial-update")
        await wait_for(pilot, lambda: state.steps["initial-update"].status == "succeeded", "the status update")
        app.main_screen.query_one(StepTable).select("registry-rollback")  # type: ignore[union-attr]
        await pilot.press("a")  # the gate is requested as tech_lead, the owner, after asking
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the act-as question")
        await pilot.press("y")
        await wait_for(pilot, lambda: showing(app, GateModal, "#phrase-match"), "the gate modal")
        await pilot.press(*"ROLLBACK")
        await wait_for(pilot, lambda: state.gates["registry-rollback"].status == "expired", "the gate to expire")
        await wait_for(pilot, lambda: not isinstance(app.screen, GateModal), "the modal to close")
        await wait_for(pilot, lambda: any("expired" in n.message for n in app._notifications), "the expiry notice")
    assert state.steps["registry-rollback"].status == "failed"  # an expired gate fails its step, so people see it
    assert not any(e.type == "step.started" and e.data["step"] == "registry-rollback" for e in log_events(prepared))
