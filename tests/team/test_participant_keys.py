"""A participant's console offers the keys and palette entries their roles allow, and follows a role handed to them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui.conftest import wait_for
from ui.offerkit import footer_words, offered_actions, palette_offers

from drillconsole.team.protocol import Command
from drillconsole.team.remote import RemoteEngine
from drillconsole.ui.participant import ParticipantApp
from team.threadkit import ServedDrill

SIZE = (140, 40)


@pytest.fixture
def served(tmp_path: Path, playbook_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServedDrill]:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    drill = ServedDrill(playbook_path, tmp_path / "logs").start()
    try:
        yield drill
    finally:
        drill.stop()


async def test_the_data_steward_is_offered_approval_not_the_decision_and_a_handed_role_adds_its_keys(
    served: ServedDrill,
) -> None:
    served.call(served.hub.join, "alice", "uid:alice", "socket", ["tech"])
    remote = RemoteEngine(served.socket, "dana", ["steward"])
    app = ParticipantApp(remote, served.socket)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: "Approve" in footer_words(app), "the steward's footer")
        words = footer_words(app)
        assert {"Approve", "Run", "Note"} <= words and not {"Decide", "End"} & words
        assert not {"decide", "end_drill"} & offered_actions(app)

        await pilot.press("d")  # hidden, yet pressed: the reason shows and the log records it as dana's
        await wait_for(
            pilot, lambda: any("declare_rollback" in n.message for n in app._notifications), "why d does nothing"
        )
        denied = served.events("access.denied")
        assert [(e.by, e.actor, e.data["command"]) for e in denied] == [("dana", "steward", "decide")]

        # alice (tech) requests the gate from her own seat: dana's palette offers to approve or reject it
        served.call(
            served.hub.dispatch, "alice", Command(id="req", name="request_gate", role="tech", args={"step": "gated"})
        )
        listed = await palette_offers(pilot, app, "gated", expect="Approve gate")
        assert "Approve gate: Alias 2 → 1 (gated)" in listed and "Reject gate: Alias 2 → 1 (gated)" in listed
        assert not [name for name in listed if name.startswith(("Run step", "Skip step"))]  # tech's step
        assert await palette_offers(pilot, app, "end the drill") == []

        # the commander's role is handed to dana mid-drill: her keys and palette follow (role.assumed)
        served.call(served.hub.assume, "dana", "commander")
        await wait_for(pilot, lambda: {"Decide", "End"} <= footer_words(app), "the commander's keys")
        assert "End the drill" in await palette_offers(pilot, app, "end the drill", expect="End")
        app.finish()


def tab_roles(app: Any) -> list[str]:
    """The roles whose checklist tabs the console shows now (mounted, in order)."""
    from textual.widgets import TabPane

    return [str(pane.id).removeprefix("role-") for pane in app.main_screen.query(TabPane)]


async def test_a_role_handed_to_a_one_role_participant_brings_its_checklist_tab_and_renouncing_takes_it_away(
    served: ServedDrill,
) -> None:
    remote = RemoteEngine(served.socket, "dana", ["steward"])
    app = ParticipantApp(remote, served.socket)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: "Approve" in footer_words(app), "the steward's footer")
        assert app.main_screen is not None and app.main_screen.role_fixed == "steward"
        assert tab_roles(app) == ["steward"]

        served.call(served.hub.assume, "dana", "commander")  # role.assumed mid-drill
        await wait_for(pilot, lambda: tab_roles(app) == ["steward", "commander"], "the commander's checklist tab")
        await wait_for(pilot, lambda: {"Decide", "End"} <= footer_words(app), "the commander's keys")
        await wait_for(
            pilot, lambda: any("dana now holds steward, commander" in n.message for n in app._notifications), "the news"
        )
        assert sum("joined as dana" in n.message for n in app._notifications) == 1  # said once, not at every event
        box = app.main_screen.query_one("#checklists-box")
        assert box.border_title == "Checklists — steward, commander"
        assert "Check item: commander/ack — Acknowledge" in await palette_offers(pilot, app, "ack", expect="Check")

        await pilot.press("right_square_bracket")  # the commander's tab: its item is ticked from there, as commander
        await wait_for(pilot, lambda: app.main_screen.checklist_target()[0] == "commander", "the commander's tab")
        await wait_for(pilot, lambda: "Check" in footer_words(app), "the check key on the commander's tab")
        await pilot.press("c")  # sent as dana holding commander: the engine's rules answer (too early for ack)
        await wait_for(pilot, lambda: bool(served.events("access.denied")), "the engine's answer")
        denied = served.events("access.denied")
        assert [(e.by, e.actor, e.data["command"]) for e in denied] == [("dana", "commander", "check")]
        assert "is for phase decide" in denied[0].data["reason"]

        served.call(served.hub.renounce, "dana", "commander", "back to the steward's seat")  # role.renounced
        await wait_for(pilot, lambda: tab_roles(app) == ["steward"], "the commander's tab to go")
        await wait_for(pilot, lambda: not {"Decide", "End"} & footer_words(app), "the commander's keys to go")
        assert app.main_screen.checklist_target()[0] == "steward"
        assert box.border_title == "Checklists — steward"
        app.finish()


async def test_the_engines_console_bound_with_role_shows_a_role_handed_to_its_person(
    tmp_path: Path, playbook_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drillconsole.launch import prepare
    from drillconsole.ui.app import DrillApp

    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    prepared = prepare(playbook_path, log_dir=tmp_path / "logs", team={"person": "olga", "roles": ["tech"]})
    app = DrillApp(prepared, role="tech")  # `run --role tech`
    hub = prepared.seat.hub
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "Run" in footer_words(app), "the tech lead's footer")
            prepared.seat.join()
            assert tab_roles(app) == ["tech"] and "Approve" not in footer_words(app)
            hub.assume("olga", "steward")
            await wait_for(pilot, lambda: tab_roles(app) == ["tech", "steward"], "the steward's checklist tab")
            await wait_for(pilot, lambda: "Approve" in footer_words(app), "the steward's keys")
            hub.renounce("olga", "steward", "handed back")
            await wait_for(pilot, lambda: tab_roles(app) == ["tech"], "the steward's tab to go")
            await wait_for(pilot, lambda: "Approve" not in footer_words(app), "the steward's keys to go")
            app.exit()
    finally:
        prepared.log.close()
