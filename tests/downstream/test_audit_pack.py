"""`drillconsole audit LOG -o DIR`: one folder an auditor takes away; three drills told apart at a glance."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.downstream.kit import Played, demo


def audit(log: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drillconsole", "audit", str(log), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _glance(readme: str) -> list[str]:
    return [line for line in readme.splitlines() if line.startswith("- ")][:5]


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same drill played right, with the audit store stuck on v42, and with reconciliation skipped."""
    skip = [{"at": 30, "role": "data_steward", "do": "skip", "step": "reconcile", "reason": "no time today"}]
    drills = {
        "right": (demo(), None),
        "stuck": (demo(audit_store={"source": {"kind": "simulated", "lag": "never"}}), None),
        "skipped": (demo(), skip),
    }
    out = {}
    for name, (data, script) in drills.items():
        base = tmp_path_factory.mktemp(name)
        played = Played(base, data, script)
        done = audit(played.log, base / "pack")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"audit pack {base / 'pack'}: log ok:")
        out[name] = base / "pack"
    return out


def test_the_pack_holds_every_piece_and_its_manifest_matches(packs: dict[str, Path]) -> None:
    pack = packs["right"]
    manifest = (pack / "MANIFEST.sha256").read_text().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in manifest}
    on_disk = {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()} - {"MANIFEST.sha256"}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((pack / name).read_bytes()).hexdigest() == digest
    for name in (
        "session.jsonl",
        "verification.json",
        "playbook.yaml",
        "report.md",
        "report.html",
        "report.json",
        "change-ledger.json",
        "criteria.json",
        "residual-discrepancies.json",
        "README.md",
    ):
        assert name in listed, name
    header = json.loads((pack / "session.jsonl").read_text().splitlines()[0])
    # The playbook exactly as run: the text embedded in the log, byte for byte, matching the chain's start.
    assert (pack / "playbook.yaml").read_text() == header["data"]["playbook_text"]
    assert hashlib.sha256((pack / "playbook.yaml").read_bytes()).hexdigest() == header["data"]["playbook_hash"]
    verification = json.loads((pack / "verification.json").read_text())
    assert verification["ok"] and verification["complete"] and verification["signed_by"]
    [key] = verification["keys"]
    assert (pack / key["file"]).read_text().strip()  # the public key that signed the seal travels with the pack
    assert not any("PRIVATE" in p.read_text(errors="replace") for p in (pack / "keys").iterdir())


def test_the_copied_log_verifies_with_the_packed_key(packs: dict[str, Path]) -> None:
    pack = packs["right"]
    key = next((pack / "keys").iterdir())
    done = subprocess.run(
        [sys.executable, "-m", "drillconsole", "verify", "session.jsonl", "--trust", str(key)],
        cwd=pack,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("ok:"), done.stdout + done.stderr


def test_three_drills_are_told_apart_at_a_glance(packs: dict[str, Path]) -> None:
    right, stuck, skipped = (_glance((packs[n] / "README.md").read_text()) for n in ("right", "stuck", "skipped"))
    assert "**dependents consistent; reconciled, nothing left**" in right[2]
    assert "**4 of 4 met**" in right[3]
    assert "INCONSISTENT: audit_store not on the restored version" in stuck[2]
    assert "**failed**" in stuck[1]
    assert "the reconcile step never ran (" in stuck[4] and "**none**" in right[4]
    assert "records unreconciled in audit_store, billing" in skipped[4]
    assert "UNRECONCILED" in skipped[2] and "dependents consistent" in skipped[2]
    assert "NOT MET: nothing-unreconciled" in skipped[3]
    assert len({right[2], stuck[2], skipped[2]}) == 3
    # The same verdict heads the report in every format.
    for name in ("right", "stuck", "skipped"):
        data = json.loads((packs[name] / "report.json").read_text())
        glance = data["downstream"]["glance"]
        assert f"| Downstream | {glance} |" in (packs[name] / "report.md").read_text()
        assert glance in (packs[name] / "report.html").read_text().replace("&#x27;", "'")


def test_what_is_left_names_count_systems_and_owner(packs: dict[str, Path]) -> None:
    readme = (packs["skipped"] / "README.md").read_text()
    left = readme.split("## What is left", 1)[1].split("##", 1)[0]
    residuals = json.loads((packs["skipped"] / "residual-discrepancies.json").read_text())
    assert {r["systems"][0] for r in residuals} == {"billing", "audit_store"}
    for r in residuals:
        assert f"- {r['count']:,} records in {r['systems'][0]}, owner data_steward" in left
    assert "- nothing" in (packs["right"] / "README.md").read_text().split("## What is left", 1)[1]


def test_the_ledger_answers_what_changed_and_who_decided(packs: dict[str, Path]) -> None:
    ledger = json.loads((packs["right"] / "change-ledger.json").read_text())
    [alias] = [x for x in ledger if x["kind"] == "alias"]
    assert alias["change"] == "alias champion: v42 → v41" and alias["step"] == "registry-rollback"
    assert alias["role"] == "tech_lead" and alias["approval"]["approver"] == "commander"
    assert alias["decision"]["option"] == "full_rollback" and alias["decision"]["rationale"]
    assert [x["target"] for x in ledger if x["kind"] == "dependent"] == ["billing", "audit_store"]
    csv_head = (packs["right"] / "change-ledger.csv").read_text().splitlines()[0]
    assert csv_head.startswith("t,kind,target,change,step,role")


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, packs: dict[str, Path]) -> None:
    not_a_log = tmp_path / "x.jsonl"
    not_a_log.write_text("hello\n")
    done = audit(not_a_log, tmp_path / "out")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "not a session log" in done.stderr
    assert not (tmp_path / "out").exists()
    done = audit(packs["right"] / "session.jsonl", packs["right"])
    assert done.returncode == 2 and "not an empty folder" in done.stderr and done.stderr.count("\n") == 1
    done = audit(tmp_path / "missing.jsonl", tmp_path / "out2")
    assert done.returncode == 2 and done.stderr.startswith("drillconsole: cannot read")


def test_a_tampered_log_is_packed_with_its_failed_verification_and_exit_1(
    tmp_path: Path, packs: dict[str, Path]
) -> None:
    lines = (packs["right"] / "session.jsonl").read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if '"reconcile.recorded"' in line)
    lines[index] = lines[index].replace('"scored":', '"scored":1', 1)  # someone shrinks nothing, but edits the count
    log = tmp_path / "tampered.jsonl"
    log.write_text("".join(lines))
    done = audit(log, tmp_path / "pack")
    assert done.returncode == 1, done.stderr
    verification = json.loads((tmp_path / "pack" / "verification.json").read_text())
    assert not verification["ok"] and f"session.jsonl:{index + 1}:" in verification["line"]
    assert "verification: **FAILED**" in (tmp_path / "pack" / "README.md").read_text()


def test_the_readme_answers_who_decided_on_what_evidence(packs: dict[str, Path]) -> None:
    readme = (packs["stuck"] / "README.md").read_text()
    decided = readme.split("## Who decided, on what evidence", 1)[1].split("##", 1)[0]
    assert "- full_rollback by commander at T+01:34" in decided
    assert "trigger.fired precision-drop: precision = " in decided
    assert "gate.approved registry-rollback: approved by commander" in decided
    assert "consistency.checked downstream-consistency: not on v41 within 120s: audit_store on v42" in decided
    changed = readme.split("## What changed", 1)[1].split("##", 1)[0]
    assert "alias champion: v42 → v41 by tech_lead (step registry-rollback), approved by commander" in changed


def test_what_is_left_names_a_stuck_dependent_and_the_reconciliation_never_done(packs: dict[str, Path]) -> None:
    left = (packs["stuck"] / "README.md").read_text().split("## What is left", 1)[1].split("##", 1)[0]
    assert "- audit_store is not on the restored version" in left
    assert "- reconciliation: the reconcile step never ran (" in left
    assert "- criterion dependents-agree not met: Every dependent on the restored version (measured 1)" in left
