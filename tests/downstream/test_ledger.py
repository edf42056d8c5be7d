"""The change ledger: every change to a target in order, with step, role, approval and decision; undone as such."""

from __future__ import annotations

from pathlib import Path

from drillconsole.drill import ledger
from drillconsole.report.document import document
from tests.downstream.kit import Played, demo
from tests.drillkit import PLAYBOOKS

PHRASE = "ROLLBACK fraud-scorer TO v41"
SCRIPT = [
    {"at": 10, "role": "tech_lead", "do": "run", "step": "confirm-baseline"},
    {"at": 90, "role": "commander", "do": "decide", "option": "full_rollback", "rationale": "precision below band"},
    {"at": 95, "role": "tech_lead", "do": "run", "step": "freeze-deploys"},
    {"at": 96, "role": "comms", "do": "run", "step": "initial-update"},
    {"at": 100, "role": "tech_lead", "do": "run", "step": "registry-rollback"},
    {"at": 106, "role": "data_steward", "do": "approve", "step": "registry-rollback", "phrase": PHRASE},
    {"at": 130, "role": "tech_lead", "do": "undo", "step": "registry-rollback"},
    {"at": 135, "role": "commander", "do": "approve", "step": "registry-rollback", "phrase": PHRASE},
    {"at": 170, "role": "commander", "do": "end"},
]


def test_an_undone_rollback_is_shown_undone_and_the_dependents_follow_it_back(tmp_path: Path) -> None:
    played = Played(tmp_path, demo(), SCRIPT, auto=False)
    assert played.engine.rejected == []
    rows = ledger.ledger_rows(played.state)
    change, undo = (r for r in rows if r["kind"] == "alias")
    assert change["change"] == "alias champion: v42 → v41" and change["status"].startswith("undone")
    assert change["undone_t"] == undo["t"]
    assert (change["role"], change["approval"]["approver"]) == ("tech_lead", "data_steward")
    assert change["decision"] == {
        "option": "full_rollback",
        "rationale": "precision below band",
        "by": "commander",
        "t": 90.0,
    }
    assert undo["change"] == "undo: alias champion: v41 → v42" and undo["status"] == "undo"
    billing = [(r["t"], r["change"]) for r in rows if r["target"] == "billing"]
    assert billing == [
        (change["t"] + 5, "Billing service: v42 → v41 (following the registry after 5s)"),
        (undo["t"] + 5, "Billing service: v41 → v42 (following the registry after 5s)"),
    ]
    assert [r["t"] for r in rows] == sorted(r["t"] for r in rows)
    table = next(
        b for b in document(played.report().data) if b.kind == "table" and "Decision and rationale" in b.headers
    )
    assert any(row[1] == "alias champion: v42 → v41" and row[-1].startswith("undone at T+02:1") for row in table.rows)


def test_flag_changes_are_in_the_ledger_with_their_segment(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((PLAYBOOKS / "partial-rollback.yaml").read_text())
    played = Played(tmp_path, data)
    flags = [r for r in ledger.ledger_rows(played.state) if r["kind"] == "flag"]
    assert flags, "the partial rollback changed no flag"
    first = flags[0]
    assert first["change"].startswith("flag ") and "[" in first["change"] and "True → False" in first["change"]
    assert first["decision"] is not None and first["role"] == played.state.playbook.step(first["step"]).owner
