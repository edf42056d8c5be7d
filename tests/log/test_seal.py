"""Signed seals: a finished drill's log proves it is whole and who wrote it; forgeries and cuts are named."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from drillconsole.log.events import sha256_hex
from drillconsole.log.lines import encode_body, encode_data, frame
from drillconsole.log.seal import Sealer, key_dir
from drillconsole.log.verify import check, head_hash
from drillconsole.log.writer import SessionLog

ANCHOR = sha256_hex(b"drill: sealed\n")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sealer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sealer:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "home-keys"))
    return Sealer.for_installation()


def drill(path: Path, sealer: Sealer | None, seconds: int = 40, ended: bool = True) -> list[bytes]:
    """A drill of `seconds` drill seconds: samples each second, an approval in the middle, and the end."""
    with SessionLog.create(path, ANCHOR, sealer=sealer) as log:
        log.append(0.0, "session.started", "engine", {"playbook_hash": ANCHOR})
        for i in range(1, seconds):
            log.append(float(i), "signal.sample", "engine", {"values": {"x": float(i)}})
            if i == seconds // 2:
                log.append(float(i), "gate.approved", "commander", {"step": "rollback", "approver": "commander"})
        if ended:
            log.append(float(seconds), "session.ended", "commander", {"outcome": "restored", "reason": "ok"})
    return path.read_bytes().splitlines(keepends=True)


def rechain(records: list[dict], fix_seals: bool = False) -> bytes:
    """The events re-hashed and re-linked the way the writer does it: what a forger without the key can do."""
    out, prev = [], ANCHOR
    for seq, r in enumerate(records):
        data = r["data"]
        if fix_seals and r["type"] == "log.sealed":  # point each seal at its new head (the signature stays)
            data = {**data, "head_hash": prev, "head_seq": seq - 1}
        body = encode_body(seq, r["t"], r["ts"], r["type"], r["actor"], encode_data(data), prev)
        line, prev = frame(body)
        out.append(line)
    return b"".join(out)


def test_the_installation_key_is_private_and_its_public_part_sits_beside_the_logs(
    tmp_path: Path, sealer: Sealer
) -> None:
    private = key_dir() / "installation.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and stat.S_IMODE(key_dir().stat().st_mode) == 0o700
    assert len(sealer.key_id) == 16 and Sealer.for_installation().key_id == sealer.key_id  # created once
    log = tmp_path / "sessions" / "d" / "a.jsonl"
    drill(log, sealer)
    beside = log.parent / "keys" / f"{sealer.key_id}.pub"
    assert beside.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert b"PRIVATE" not in log.read_bytes() and private.read_bytes() not in log.read_bytes()


def test_a_sealed_drill_verifies_and_seals_come_every_ten_drill_seconds(tmp_path: Path, sealer: Sealer) -> None:
    log = tmp_path / "a.jsonl"
    lines = drill(log, sealer, seconds=40)
    kinds = [json.loads(line)["type"] for line in lines]
    seals = [json.loads(line) for line in lines if b'"type":"log.sealed"' in line]
    assert [s["t"] for s in seals] == [10.0, 20.0, 30.0, 40.0] and kinds[-2:] == ["session.ended", "log.sealed"]
    assert all(s["data"]["head_hash"] == s["prev"] and s["data"]["head_seq"] == s["seq"] - 1 for s in seals)
    verdict = check(log)
    assert verdict.ok and verdict.line == f"ok: 42 events, signed by {sealer.key_id}, complete"
    assert verdict.head_hash == head_hash(log) == seals[-1]["hash"]


def test_a_chain_rewritten_without_the_key_fails(tmp_path: Path, sealer: Sealer) -> None:
    log = tmp_path / "a.jsonl"
    records = [json.loads(line) for line in drill(log, sealer)]
    kept = [r for r in records if r["type"] != "gate.approved"]  # the approval removed, every hash recomputed
    log.write_bytes(rechain(kept))
    verdict = check(log)
    line = next(i for i, r in enumerate(kept, 1) if r["type"] == "log.sealed" and r["t"] > 20)  # after the approval
    assert not verdict.ok
    assert verdict.line == f"{log}:{line}: seal does not name the event just before it (forged or moved)"
    # The forger also points the seals at their new heads: the signatures no longer match.
    log.write_bytes(rechain(kept, fix_seals=True))
    verdict = check(log)
    assert not verdict.ok and verdict.line.startswith(f"{log}:{len(kept)}: bad signature on the seal of seq")


def test_a_forger_signing_with_a_key_of_their_own_is_not_trusted(tmp_path: Path, sealer: Sealer) -> None:
    log = tmp_path / "logs" / "a.jsonl"
    records = [json.loads(line) for line in drill(log, sealer)]
    forger = Sealer.for_installation(tmp_path / "forger")
    with SessionLog.create(tmp_path / "logs" / "forged.jsonl", ANCHOR, sealer=forger) as forged:
        for r in records:
            if r["type"] not in ("gate.approved", "log.sealed"):
                forged.append(r["t"], r["type"], r["actor"], {k: v for k, v in r["data"].items() if k != "log_schema"})
    verdict = check(tmp_path / "logs" / "forged.jsonl")
    assert not verdict.ok and f"sealed by key {forger.key_id}, which this installation does not trust" in verdict.line
    pub = tmp_path / "logs" / "keys" / f"{forger.key_id}.pub"
    assert check(tmp_path / "logs" / "forged.jsonl", trust=(pub,)).ok  # a reviewer who knows that key


@pytest.mark.parametrize(
    ("cut", "ok", "ending"),
    [
        ("final-seal", False, "the last seal of a finished drill must cover its last event"),
        (
            "ended-and-seal",
            True,
            "truncated after seq 43 (no session.ended: the drill did not finish, or the log was cut)",
        ),
    ],
)
def test_a_cut_log_is_named(tmp_path: Path, sealer: Sealer, cut: str, ok: bool, ending: str) -> None:
    log = tmp_path / "a.jsonl"
    lines = drill(log, sealer)
    log.write_bytes(b"".join(lines[:-1] if cut == "final-seal" else lines[:-2]))
    verdict = check(log)
    assert verdict.ok is ok and verdict.line.endswith(ending), verdict.line
    assert not check(log, complete=True).ok


def test_a_finished_unsigned_log_and_a_bad_signature_fail(tmp_path: Path, sealer: Sealer) -> None:
    log = tmp_path / "a.jsonl"
    drill(log, None)
    assert check(log).line == "fail: 42 events, unsigned: a finished drill must end with a signed seal"
    records = [json.loads(line) for line in drill(tmp_path / "b.jsonl", sealer)]
    seal = records[-1]["data"]
    seal["sig"] = ("0" if seal["sig"][0] != "0" else "1") + seal["sig"][1:]
    log.write_bytes(rechain(records))
    assert (
        check(log).line
        == f"{log}:{len(records)}: bad signature on the seal of seq {len(records) - 2} (key {sealer.key_id}): the chain was rewritten or the seal forged"
    )


def test_an_unknown_key_fails(tmp_path: Path, sealer: Sealer) -> None:
    log = tmp_path / "logs" / "a.jsonl"
    drill(log, sealer)
    for pub in [*(tmp_path / "logs" / "keys").glob("*.pub"), *key_dir().glob("*.pub")]:
        pub.unlink()
    assert f"seal by unknown key {sealer.key_id}" in check(log).line


def test_expect_head_checks_a_head_recorded_elsewhere(tmp_path: Path, sealer: Sealer) -> None:
    log = tmp_path / "a.jsonl"
    lines = drill(log, sealer)
    head = head_hash(log)
    assert head is not None and check(log, expect_head=head).line.endswith("complete, head matches")
    assert check(log, expect_head=head[:16]).ok
    earlier = json.loads(lines[-5])["hash"]
    assert "events were added after it" in check(log, expect_head=earlier).line
    assert "is not in this log" in check(log, expect_head="ab" * 32).line
    assert "at least 16 hex digits" in check(log, expect_head="abc").line


def test_the_verify_command_flags(tmp_path: Path, sealer: Sealer) -> None:
    log = tmp_path / "a.jsonl"
    drill(log, sealer, ended=False)

    def run(*flags: str) -> tuple[int, str]:
        argv = [sys.executable, "-m", "drillconsole", "verify", str(log), *flags]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=60)
        assert done.stderr == ""
        return done.returncode, done.stdout

    code, out = run()
    assert code == 0 and out.startswith(f"ok: 41 events, signed by {sealer.key_id}, truncated after seq 44")
    code, out = run("--complete")
    assert code == 1 and out.startswith("fail: 41 events") and out.endswith("--complete)\n")
    code, out = run("--expect-head", str(head_hash(log)))
    assert code == 0 and out.endswith("head matches\n")


def test_report_puts_a_failed_verification_on_top_and_exits_1(
    tmp_path: Path, sealer: Sealer, capsys: pytest.CaptureFixture[str]
) -> None:
    from drillconsole.report.commands import report_command

    log = tmp_path / "a.jsonl"
    lines = drill(log, sealer)
    assert report_command(log, "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verification"]["ok"] and data["verification"]["signed_by"] == [sealer.key_id]
    log.write_bytes(b"".join(lines[:-1]))  # the final seal cut off
    assert report_command(log, "md") == 1
    out = capsys.readouterr()
    top = out.out.splitlines()[2]
    assert top.startswith("> **Warning:** VERIFICATION FAILED: fail: 42 events, signed by") and "a.jsonl" not in top
    assert "the last seal of a finished drill must cover its last event" in out.err
    assert report_command(log, "md", allow_broken=True) == 0
