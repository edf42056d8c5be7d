"""What a console offers to the roles a person holds, straight from the playbook's authority (drill.offer)."""

from __future__ import annotations

from drillconsole import resources
from drillconsole.drill.offer import approves, executes, not_offered
from drillconsole.playbook.loader import load_playbook

PB = load_playbook(resources.bundled_playbook("demo"))


def test_each_role_of_the_demo_is_offered_what_its_authority_allows() -> None:
    offered = {
        role: sorted(c for c in ("run_step", "approve", "decide", "end", "note") if not_offered(PB, [role], c) is None)
        for role in PB.roles
    }
    assert offered == {
        "commander": ["approve", "decide", "end", "note"],  # owns only the decision step, which is decided, not run
        "tech_lead": ["note", "run_step"],
        "data_steward": ["approve", "note", "run_step"],
        "comms": ["note", "run_step"],
    }


def test_nobody_is_offered_nothing_but_told_why() -> None:
    assert not_offered(PB, [], "note") == "you hold no role: notes are written as a role (assume one first)"
    assert (
        not_offered(PB, ["comms"], "approve")
        == "you hold comms, which approves no gate (approvers: commander, data_steward)"
    )
    assert not_offered(PB, ["tech_lead"], "decide") == (
        "you hold tech_lead: to decide on the response needs declare_rollback authority (commander has it)"
    )
    assert (
        not_offered(PB, ["tech_lead"], "check", role="comms")
        == "you hold tech_lead: comms's checklist is ticked by whoever holds comms"
    )
    assert not_offered(PB, ["tech_lead", "comms"], "check", role="comms") is None


def test_steps_and_gates_are_offered_per_step() -> None:
    rollback = PB.step("registry-rollback")
    assert executes(PB, ["tech_lead"], rollback) and not executes(PB, ["data_steward"], rollback)
    assert approves(PB, ["data_steward"], rollback) and not approves(PB, ["tech_lead"], rollback)
    assert not approves(PB, ["commander"], rollback, requested_by="commander")  # two-person: not their own request
    assert not executes(PB, ["commander"], PB.step("decide"))  # a decision is decided, not run
