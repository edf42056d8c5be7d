"""Any edit of a finished, sealed log is found: hypothesis draws byte flips, deletions, swaps, duplications and cuts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillconsole.engine.players import AutoPlayer
from drillconsole.launch import prepare
from drillconsole.log.contract import EventType
from drillconsole.log.reader import read_log, scan_log
from drillconsole.log.verify import check
from drillconsole.resources import bundled_playbook


@pytest.fixture(scope="module")
def finished_log(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("edits")
    prepared = prepare(bundled_playbook("demo"), log_dir=folder, virtual_clock=True, players=[AutoPlayer()])
    try:
        asyncio.run(prepared.engine.run())
    finally:
        prepared.log.close()
    data = prepared.log_path.read_bytes()
    assert check(prepared.log_path).ok
    return data


def _edit(data: bytes, kind: str, a: int, b: int, byte: int) -> bytes:
    lines = data.splitlines(keepends=True)
    i, j = a % len(lines), b % len(lines)
    if kind == "flip":
        pos = a % len(data)
        if data[pos : pos + 1] == b"\n":
            pos = max(0, pos - 1)
        new = (data[pos] ^ (byte or 1)).to_bytes(1, "big")
        return data[:pos] + new + data[pos + 1 :]
    if kind == "delete":
        return b"".join(lines[:i] + lines[i + 1 :])
    if kind == "swap":
        if i == j:
            j = (i + 1) % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
        return b"".join(lines)
    if kind == "duplicate":
        return b"".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :])
    if kind == "cut_line":  # truncated at a line boundary: the final seal is gone
        return b"".join(lines[: max(1, i)])
    return data[: max(1, a % len(data))]  # cut mid-line


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["flip", "delete", "swap", "duplicate", "cut_line", "cut"]),
    a=st.integers(min_value=0, max_value=10**9),
    b=st.integers(min_value=0, max_value=10**9),
    byte=st.integers(min_value=1, max_value=255),
)
def test_every_edit_of_a_finished_log_is_found(
    finished_log: bytes, tmp_path: Path, kind: str, a: int, b: int, byte: int
) -> None:
    edited = _edit(finished_log, kind, a, b, byte)
    if edited == finished_log:
        return  # a swap of two equal lines changes nothing
    path = tmp_path / f"edited-{kind}.jsonl"
    path.write_bytes(edited)
    verdict = check(path, complete=True)
    assert not verdict.ok, (kind, verdict.line)
    # A re-run's reading (samples not decoded) refuses the same lines the byte-level scan does.
    scan, lifecycle = scan_log(path), read_log(path, samples=False)
    assert (lifecycle.ok, lifecycle.bad_line, lifecycle.problem) == (scan.ok, scan.bad_line, scan.problem)


def test_a_reading_without_samples_keeps_every_other_event(finished_log: bytes, tmp_path: Path) -> None:
    path = tmp_path / "whole.jsonl"
    path.write_bytes(finished_log)
    whole, lifecycle = read_log(path), read_log(path, samples=False)
    assert lifecycle.ok and lifecycle.complete
    kept = [e for e in whole.events if e.type != EventType.SIGNAL_SAMPLE]
    assert lifecycle.events == kept and len(kept) < len(whole.events)
