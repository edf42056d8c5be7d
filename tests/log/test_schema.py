"""Schema-1 logs (canonical JSON, sorted keys) still read and verify; schema 2 hashes the exact bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drillconsole.log.events import Event, canonical, sha256_hex
from drillconsole.log.reader import read_log, scan_log
from drillconsole.log.verify import check
from drillconsole.log.writer import SessionLog

ANCHOR = sha256_hex(b"drill: old\n")


def schema1_log(path: Path, ended: bool = True) -> list[bytes]:
    """A log written the way drillconsole wrote logs before schema 2 (the fixture for old logs)."""
    kinds = [("session.started", {"playbook_hash": ANCHOR, "seed": 1})]
    kinds += [("signal.sample", {"values": {"x": 1.5 + i}}) for i in range(4)]
    kinds += [("session.ended", {"outcome": "restored", "reason": "ok"})] if ended else []
    prev, lines = ANCHOR, []
    for seq, (kind, data) in enumerate(kinds):
        event = Event(seq, "2025-01-01T00:00:00.000000Z", float(seq), kind, "engine", data, prev)
        event = Event(**{**event.to_dict(), "hash": sha256_hex(canonical(event.body()))})
        lines.append(canonical(event.to_dict()) + b"\n")
        prev = event.hash
    path.write_bytes(b"".join(lines))
    return lines


def test_a_schema1_log_reads_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    lines = schema1_log(path)
    report = read_log(path)
    assert report.ok and report.complete and [e.seq for e in report.events] == list(range(6))
    lifecycle = read_log(path, samples=False)  # what a re-run reads: every line verified, the samples not kept
    assert lifecycle.ok and lifecycle.complete and [e.seq for e in lifecycle.events] == [0, 5]
    scan = scan_log(path)
    assert (scan.ok, scan.events, scan.head_seq, scan.ended_seq) == (True, 6, 5, 5)
    assert scan.head_hash == json.loads(lines[-1])["hash"]
    # A finished schema-1 drill has no seal: verify says so and fails, so dropping seals by downgrading is no way out.
    assert check(path).line == "fail: 6 events, unsigned: a finished drill must end with a signed seal"


@pytest.mark.parametrize("where", [0, 2, 5])
def test_an_edited_schema1_line_is_found(tmp_path: Path, where: int) -> None:
    path = tmp_path / "old.jsonl"
    lines = schema1_log(path)
    lines[where] = lines[where].replace(b'"t":', b'"t":1', 1)
    path.write_bytes(b"".join(lines))
    for found in (scan_log(path), read_log(path), read_log(path, samples=False)):
        assert (found.ok, found.bad_line, found.problem) == (False, where + 1, "hash mismatch (line edited)")


def test_a_resumed_schema1_log_continues_in_schema2(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    old = schema1_log(path, ended=False)
    with SessionLog.open_for_append(path) as log:
        log.append(9.0, "session.resumed", "engine", {"from_seq": 4, "at_t": 4.0})
    raw = path.read_bytes().splitlines(keepends=True)
    assert raw[: len(old)] == old and raw[-1].startswith(b'{"seq":5,"type":"session.resumed",')
    assert scan_log(path).ok and read_log(path).ok
    raw[1] = raw[1].replace(b"1.5", b"9.5")
    path.write_bytes(b"".join(raw))
    assert (scan_log(path).bad_line, read_log(path).bad_line, read_log(path, samples=False).bad_line) == (2, 2, 2)
