"""A whole demo drill driven with key presses on a fast clock, checked against the session log."""

from __future__ import annotations

import json
from typing import Any

from drillconsole.ui.app import DrillApp
from drillconsole.ui.screens.confirm import ConfirmScreen
from drillconsole.ui.screens.decision import DecisionModal
from drillconsole.ui.screens.gate import GateModal
from drillconsole.ui.screens.review import ReviewScreen
from drillconsole.ui.widgets.checklists import Checklists
from drillconsole.ui.widgets.drill_header import DrillHeader
from drillconsole.ui.widgets.step_table import StepTable

from .conftest import SIZE, log_events, showing, type_text, wait_for

PHRASE = "ROLLBACK fraud-scorer TO v41"


async def act_as(pilot: Any, app: DrillApp, role: str) -> None:
    """Switch the acting role with ] (the header says who the console acts as)."""
    main = app.main_screen
    assert main is not None
    for _ in range(len(main.query_one(Checklists).roles)):
        if main.current_role() == role:
            break
        await pilot.press("right_square_bracket")
    assert main.current_role() == role
    await wait_for(
        pilot, lambda: f"as {role}" in str(main.query_one(DrillHeader).render()), f"the header to say {role}"
    )


async def check_item(pilot: Any, app: DrillApp, role: str, item: str) -> None:
    """Act as the role, jump to its checklist with l, pick the item by its number and check it with c."""
    await act_as(pilot, app, role)
    rows = [i.id for i in app.seat.playbook.roles[role].checklist]
    await pilot.press("l", str(rows.index(item) + 1), "c")
    assert app.seat.state.checklist[(role, item)].checked, f"{role}/{item} not checked"
    assert app.seat.state.checklist[(role, item)].by == role


async def run_step(pilot: Any, app: DrillApp, step_id: str) -> None:
    """Act as the step's owner, go to the step list, pick the step by its number and press r."""
    step = app.seat.playbook.step(step_id)
    await act_as(pilot, app, step.owner)
    table = app.main_screen.query_one(StepTable)  # type: ignore[union-attr]
    table.focus()
    await wait_for(pilot, lambda: table.has_focus, "the step list to take the focus")
    await pilot.press(str(table.get_row_index(step_id) + 1))
    assert table.step_id == step_id
    await pilot.press("r")


async def test_a_whole_drill_by_keys(demo_app: Any) -> None:
    app = demo_app(speed=20.0)
    state = app.seat.state
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: state.started, "the drill to start")
        for role, item in [
            ("commander", "brief-team"),
            ("tech_lead", "dashboards"),
            ("data_steward", "reference-set"),
            ("comms", "stakeholders"),
        ]:
            await check_item(pilot, app, role, item)
        await run_step(pilot, app, "confirm-baseline")
        await wait_for(pilot, lambda: state.steps["confirm-baseline"].status == "succeeded", "the baseline step")

        await wait_for(pilot, lambda: state.phase.value == "decide", "a trigger to fire")
        await act_as(pilot, app, "commander")
        await pilot.press("d")
        await wait_for(pilot, lambda: showing(app, DecisionModal, "#option-description"), "the decision modal")
        await pilot.press("tab")  # from the options to the rationale
        await type_text(pilot, "precision and errors degraded on v42")
        await pilot.press("enter")
        await wait_for(pilot, lambda: state.decision is not None, "the decision")
        assert state.decision["option"] == "full_rollback" and state.decision["actor"] == "commander"

        for role, item in [("commander", "ack-alert"), ("commander", "declare-severity"), ("tech_lead", "triage")]:
            await check_item(pilot, app, role, item)
        await run_step(pilot, app, "freeze-deploys")
        await run_step(pilot, app, "initial-update")
        await wait_for(pilot, lambda: state.steps["initial-update"].status == "succeeded", "the status update")

        # The gate expires 2 drill minutes after it is requested: 6 s at 20x, less than typing the phrase twice can
        # take on a loaded machine. The phrase is typed at 1x; the drill goes on at 20x once the rollback ran.
        app.set_speed(1.0)
        await run_step(pilot, app, "registry-rollback")
        await wait_for(pilot, lambda: showing(app, GateModal, "#phrase-match"), "the gate modal")
        modal = app.screen
        await type_text(pilot, PHRASE[:-1] + "l")  # a lower-case L for the digit one: the font draws them alike
        assert "look-alike at character 28" in str(modal.query_one("#phrase-match").render())
        await pilot.press("enter")
        assert app.screen is modal and "look-alike" in modal.refusal, "a wrong phrase refuses and stays open"
        assert state.steps["registry-rollback"].status == "pending"
        await pilot.press("backspace")
        await type_text(pilot, PHRASE[-1])
        assert "✓ matches" in str(modal.query_one("#phrase-match").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: state.steps["registry-rollback"].status == "succeeded", "the rollback")
        assert state.live_version() == "41"
        app.set_speed(20.0)

        await wait_for(pilot, lambda: state.phase.value == "verify", "the verify phase")
        await run_step(pilot, app, "verify-signals")
        await wait_for(pilot, lambda: state.steps["verify-signals"].status == "succeeded", "verification", timeout=20)
        await run_step(pilot, app, "fidelity")
        await run_step(pilot, app, "downstream-consistency")
        await wait_for(pilot, lambda: state.steps["downstream-consistency"].status == "succeeded", "consistency")
        await run_step(pilot, app, "reconcile")
        await wait_for(pilot, lambda: state.phase.value == "restore", "the restore phase")
        await run_step(pilot, app, "all-clear")
        await wait_for(pilot, lambda: state.phase.value == "review", "the review phase")

        await act_as(pilot, app, "commander")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the end-drill confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: showing(app, ReviewScreen, "#picture"), "the review screen")
        await type_text(pilot, "rehearse the gate phrase")
        await pilot.press("enter")
        await pilot.press("tab", "tab")
        await type_text(pilot, "automate the alias check")
        await pilot.press("tab", "tab")
        await type_text(pilot, "2027-01-15")
        await pilot.press("enter")
        assert len(state.lessons) == 1 and len(state.actions) == 1
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.return_value is not None or not app.is_running, "the app to exit")

    assert app.return_value == 0
    assert app.prepared.log.closed
    events = log_events(app.prepared)
    types = [e.type for e in events]
    ended = next(e for e in events if e.type == "session.ended")
    assert ended.data["outcome"] == "restored"
    approved = types.index("gate.approved")
    started = next(
        i for i, e in enumerate(events) if e.type == "step.started" and e.data["step"] == "registry-rollback"
    )
    assert approved < started and events[approved].actor == "commander"
    denied = [e for e in events if e.type == "access.denied"]
    assert [(e.actor, e.data["command"], e.data["step"]) for e in denied] == [
        ("commander", "approve", "registry-rollback")
    ]
    assert "look-alike" in denied[0].data["reason"] and PHRASE[:-1] not in json.dumps(denied[0].data)
    assert {e.actor for e in events if e.type == "checklist.checked"} == {
        "commander",
        "tech_lead",
        "data_steward",
        "comms",
    }
    assert not any(e.auto for e in events), "nothing may be played automatically in the console"
    assert [e.data["text"] for e in events if e.type == "review.lesson"] == ["rehearse the gate phrase"]
    action = next(e for e in events if e.type == "review.action")
    assert action.data == {"text": "automate the alias check", "owner": "commander", "due": "2027-01-15"}
