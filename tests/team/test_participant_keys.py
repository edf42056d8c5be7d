"""A participant's console offers the keys and palette entries their roles allow, and follows a role handed to them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
