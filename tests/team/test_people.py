"""People, roles and commands over the real socket: attribution, two-person by person, stale approvals, duplicates, races."""

from __future__ import annotations

import asyncio

import pytest

from drillconsole.drill.wording import describe_event
from drillconsole.errors import CommandError
from drillconsole.log.contract import EventType
from drillconsole.log.reader import read_log
from team.teamkit import TeamDrill, by_type

PHRASE = "ROLL BACK"


async def request(team: TeamDrill, who: object) -> int:
    result = await who.command("request_gate", "tech", step="gated")  # type: ignore[attr-defined]
    assert result.ok, result.reason
    return team.engine.state.gates["gated"].request_seq


async def test_every_event_of_a_command_names_its_person_inside_the_hashed_line(team: TeamDrill) -> None:
    alice = await team.join("alice", ["tech"])
    bob = await team.join("bob", ["steward"])
    seq = await request(team, alice)
    result = await bob.command("approve", "steward", step="gated", phrase=PHRASE, request_seq=seq)
    assert result.ok, result.reason
    await bob.wait_seq(result.seq)
    events = team.events()
    requested = by_type(events, EventType.GATE_REQUESTED)[0]
    approved = by_type(events, EventType.GATE_APPROVED)[0]
    started = by_type(events, EventType.STEP_STARTED)[0]
    assert (requested.by, requested.actor) == ("alice", "tech")
    assert (approved.by, approved.actor) == ("bob", "steward")
    assert approved.data["request_seq"] == requested.seq and approved.data["two_person_held"] is True
    assert started.by == "bob"
    assert requested.data["command_id"] and approved.data["command_id"] != requested.data["command_id"]
    assert read_log(team.prepared.log_path).ok  # `by` is hashed: the chain verifies
    line = describe_event(approved)
    assert line is not None and "by bob" in line.text
    # The followers folded the same events: bob's copy says who approved.
    assert [e.hash for e in bob.events] == [e.hash for e in events[: len(bob.events)]]  # type: ignore[attr-defined]
    joined = by_type(events, EventType.PARTICIPANT_JOINED)
    assert {(e.data["person"], e.data["account"].startswith("uid:")) for e in joined} == {
        ("alice", True),
        ("bob", True),
    }


async def test_one_person_holding_two_roles_cannot_approve_their_own_request(team: TeamDrill) -> None:
    alice = await team.join("alice", ["tech", "steward"])
    await team.join("carol", ["commander"])
    seq = await request(team, alice)
    result = await alice.command("approve", "steward", step="gated", phrase=PHRASE, request_seq=seq)
    assert not result.ok and "two-person rule: alice requested this gate" in (result.reason or "")
    denied = by_type(team.events(), EventType.ACCESS_DENIED)[-1]
    assert denied.by == "alice" and denied.data["command"] == "approve" and denied.data["step"] == "gated"
    assert team.engine.state.gates["gated"].status == "requested"


async def test_a_solo_drill_approves_a_two_person_gate_and_records_it_as_not_held(team: TeamDrill) -> None:
    solo = await team.join("sam", ["commander", "tech", "steward", "observer"])
    assert team.engine.state.solo
    seq = await request(team, solo)
    result = await solo.command("approve", "steward", step="gated", phrase=PHRASE, request_seq=seq)
    assert result.ok, result.reason
    approved = by_type(team.events(), EventType.GATE_APPROVED)[0]
    assert approved.data["two_person_held"] is False
    assert team.engine.state.gate_history["gated"].two_person_held is False
    line = describe_event(approved)
    assert line is not None and "two-person rule NOT held" in line.text


async def test_an_approval_of_a_rejected_and_re_requested_gate_is_refused_as_stale(team: TeamDrill) -> None:
    alice = await team.join("alice", ["tech"])
    bob = await team.join("bob", ["steward"])
    carol = await team.join("carol", ["commander"])
    first = await request(team, alice)
    rejected = await carol.command("reject", "commander", step="gated", reason="not yet", request_seq=first)
    assert rejected.ok, rejected.reason
    stale_on_rejected = await bob.command("approve", "steward", step="gated", phrase=PHRASE, request_seq=first)
    assert not stale_on_rejected.ok and "stale" in (stale_on_rejected.reason or "")
    second = await request(team, alice)
    assert second != first
    stale = await bob.command("approve", "steward", step="gated", phrase=PHRASE, request_seq=first)
    assert not stale.ok and f"request #{first} of gated is no longer current" in (stale.reason or "")
    fresh = await bob.command("approve", "steward", step="gated", phrase=PHRASE, request_seq=second)
    assert fresh.ok, fresh.reason
    denied = [e for e in by_type(team.events(), EventType.ACCESS_DENIED) if e.by == "bob"]
    assert len(denied) == 2 and all("stale" in e.data["reason"] for e in denied)


async def test_a_command_delivered_twice_has_exactly_one_effect(team: TeamDrill) -> None:
    alice = await team.join("alice", ["tech"])
    other = await team.join("alice", ["tech"])  # the same person's second connection (a retry after a drop)
    first = await alice.command("note", "tech", id="note-1", text="checked the dashboards")
    again = await other.command("note", "tech", id="note-1", text="checked the dashboards")
    assert first.ok and again.ok and again.duplicate and again.seq == first.seq
    notes = by_type(team.events(), EventType.NOTE_ADDED)
    assert [(n.data["text"], n.data["command_id"], n.by) for n in notes] == [
        ("checked the dashboards", "note-1", "alice")
    ]
    refused = await alice.command("check", "commander", id="c-1", item="ack")
    refused_again = await alice.command("check", "commander", id="c-1", item="ack")
    assert not refused.ok and refused_again.duplicate and refused_again.reason == refused.reason
    assert len([e for e in by_type(team.events(), EventType.ACCESS_DENIED) if e.data.get("command_id") == "c-1"]) == 1


async def test_500_racing_approvals_exactly_one_counts(team: TeamDrill) -> None:
    alice = await team.join("alice", ["tech"])
    bob = await team.join("bob", ["steward"])
    carol = await team.join("carol", ["commander"])
    seq = await request(team, alice)
    results = await asyncio.gather(
        *(
            (bob if i % 2 else carol).command(
                "approve", "steward" if i % 2 else "commander", step="gated", phrase=PHRASE, request_seq=seq
            )
            for i in range(500)
        )
    )
    assert sum(r.ok for r in results) == 1
    events = team.events()
    assert len(by_type(events, EventType.GATE_APPROVED)) == 1
    assert len(by_type(events, EventType.STEP_STARTED)) == 1
    assert len([e for e in by_type(events, EventType.ACCESS_DENIED) if e.data["command"] == "approve"]) == 499


async def test_a_role_changes_hands_and_the_next_command_uses_the_new_holder(team: TeamDrill) -> None:
    alice = await team.join("alice", ["tech"])
    bob = await team.join("bob", ["steward"])
    claim = await bob.command("assume", "tech")
    assert not claim.ok and claim.reason == "role tech is held by alice"
    handoff = await alice.command("renounce", "tech", reason="shift change")
    assert handoff.ok, handoff.reason
    taken = await bob.command("assume", "tech")
    assert taken.ok, taken.reason
    assert team.engine.state.holders["tech"] == "bob"
    mine = await bob.command("note", "tech", text="bob here")
    not_mine = await alice.command("note", "tech", text="alice still here")
    assert mine.ok and not not_mine.ok and "alice does not hold role tech (held by bob)" in (not_mine.reason or "")
    events = team.events()
    kinds = [(e.type, e.data.get("person"), e.data.get("role")) for e in events if e.type.startswith("role.")]
    assert kinds == [
        (EventType.ROLE_ASSUMED, "alice", "tech"),
        (EventType.ROLE_ASSUMED, "bob", "steward"),
        (EventType.ROLE_RENOUNCED, "alice", "tech"),
        (EventType.ROLE_ASSUMED, "bob", "tech"),
    ]
    denied = by_type(events, EventType.ACCESS_DENIED)
    assert [(e.by, e.data["command"]) for e in denied] == [("bob", "assume"), ("alice", "note")]


async def test_the_local_console_goes_through_the_same_rules(team: TeamDrill) -> None:
    """The engine's own console is a participant: its commands carry its person and obey people-based rules."""
    alice = await team.join("alice", ["tech"])
    seq = await request(team, alice)
    team.local.claimed = ["steward"]
    team.local.approve("steward", "gated", PHRASE)
    approved = by_type(team.events(), EventType.GATE_APPROVED)[0]
    assert approved.by == "operator" and approved.data["request_seq"] == seq


async def test_the_report_says_who_approved_and_that_a_solo_drill_did_not_hold_the_two_person_rule(
    team: TeamDrill,
) -> None:
    from drillconsole.drill.summary import gate_rows

    solo = await team.join("sam", ["commander", "tech", "steward", "observer"])
    seq = await request(team, solo)
    assert (await solo.command("approve", "steward", step="gated", phrase=PHRASE, request_seq=seq)).ok
    row = gate_rows(team.engine.state)["gated"]
    assert row["approver"] == "steward (sam)" and row["two_person_held"] is False
    team.engine.log.sync()
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "drillconsole", "report", str(team.prepared.log_path), "--format", "md", "--no-verify"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    gates = done.stdout.split("## Gates", 1)[1]
    gate_line = next(line for line in gates.splitlines() if line.startswith("| gated"))
    assert "steward (sam)" in gate_line and "| no |" in gate_line.lower()


async def test_the_console_alone_holds_every_role_until_someone_claims_one(team: TeamDrill) -> None:
    team.local.claimed = None  # `run` without --role: solo
    team.local.note("commander", "starting alone")
    state = team.engine.state
    assert state.solo and set(state.holders.values()) == {"operator"}
    notes = [n["text"] for n in state.notes]
    assert "solo: one person holds every role" in notes
    alice = await team.join("alice", ["tech"])
    assert alice.welcome is not None and alice.welcome.roles == ["tech"]  # handed over from the provisional holder
    assert not team.engine.state.solo and team.engine.state.holders["tech"] == "alice"
    renounced = by_type(team.events(), EventType.ROLE_RENOUNCED)
    assert [(e.data["person"], e.data["reason"]) for e in renounced] == [("operator", "handed to alice")]
    with pytest.raises(CommandError, match=r"operator does not hold role tech \(held by alice\)"):
        team.local.note("tech", "still mine?")  # the console no longer acts for a role it handed over


async def test_a_participant_console_logs_its_own_refusal_under_its_person(team: TeamDrill) -> None:
    """The gate dialog refuses a wrong phrase before sending it: the refusal is still logged, as that person."""
    bob = await team.join("bob", ["steward"])
    reason = "the confirm phrase does not match (case differs at character 1)"
    result = await bob.command("deny", "steward", command="approve", reason=reason, step="gated")
    assert not result.ok and result.reason == reason
    denied = by_type(team.events(), EventType.ACCESS_DENIED)[-1]
    assert (denied.by, denied.actor, denied.data["command"], denied.data["step"]) == (
        "bob",
        "steward",
        "approve",
        "gated",
    )
    # A key refused while viewing another role's tab is logged too, still as bob (who acts for nobody else).
    await bob.command("deny", "commander", command="decide", reason="bob holds data_steward only")
    denied = by_type(team.events(), EventType.ACCESS_DENIED)[-1]
    assert (denied.by, denied.data["command"], denied.data["role"]) == ("bob", "decide", "commander")
    assert team.engine.state.decision is None
