"""Opening logs for replay: bad files, tampered and unfinished logs, the playbook check, markers, navigation."""

from __future__ import annotations

import hashlib
import json

import pytest

from drillconsole.engine.players import AutoPlayer
from drillconsole.log.events import canonical
from drillconsole.log.writer import SessionLog
from drillconsole.replay import (
    MARKER_KINDS,
    Marker,
    ReplayError,
    ReplaySession,
    snapshot_view,
)

from .replaykit import DEMO, Recorded, demo_auto, mini_drill, run_demo


def log_lines(recorded: Recorded) -> list[bytes]:
    """The log's lines (with newlines), after checking the recorded log is whole."""
    assert ReplaySession.open(recorded.path, playbook=recorded.playbook).warning is None
    return recorded.path.read_bytes().splitlines(keepends=True)


def edited(line: bytes) -> bytes:
    """The same event with one value changed, re-serialised canonically but with its old hash."""
    event = json.loads(line)
    values = event["data"]["values"]
    name = min(values)
    values[name] = values[name] + 1.0
    return canonical(event) + b"\n"


# --- tampered, truncated and unfinished logs -----------------------------------------


def test_an_edited_line_breaks_the_chain_and_the_events_before_it_replay(auto_run, tmp_path):
    lines = log_lines(auto_run)
    assert json.loads(lines[56])["type"] == "signal.sample"
    lines[56] = edited(lines[56])  # line 57
    log = tmp_path / "tampered.jsonl"
    log.write_bytes(b"".join(lines))
    session = ReplaySession.open(log)
    assert session.warning == "chain broken at line 57: hash mismatch (line edited); replaying the 56 events before it"
    assert len(session.events) == 56 and session.events[-1].seq == 55
    assert session.duration == session.events[-1].t
    assert snapshot_view(session.state_at(session.duration)) == snapshot_view(auto_run.live[55])
    assert snapshot_view(session.state_at(10_000)) == snapshot_view(auto_run.live[55])


def test_a_log_cut_mid_line_replays_to_its_last_whole_event(auto_run, tmp_path):
    lines = log_lines(auto_run)
    cut = 120
    log = tmp_path / "cut.jsonl"
    log.write_bytes(b"".join(lines[:cut]) + lines[cut][: len(lines[cut]) // 2])
    session = ReplaySession.open(log)
    assert session.warning == (
        f"chain broken at line {cut + 1}: truncated or malformed line; replaying the {cut} events before it"
    )
    assert session.events[-1].seq == cut - 1
    assert snapshot_view(session.state_at(session.duration)) == snapshot_view(auto_run.live[cut - 1])


def test_a_crashed_drill_replays_to_its_last_event(tmp_path):
    crashed = run_demo(tmp_path, [AutoPlayer()], until=110)
    session = crashed.open()
    assert session.warning == "drill did not finish (no session.ended); replaying to its last event"
    assert not session.complete and session.events[-1].type != "session.ended"
    assert session.duration == session.events[-1].t <= 110
    assert snapshot_view(session.state_at(session.duration)) == snapshot_view(crashed.final)
    assert session.markers[-1].kind != "end"


def test_a_log_cut_at_a_line_end_is_an_unfinished_drill(auto_run, tmp_path):
    lines = log_lines(auto_run)
    log = tmp_path / "short.jsonl"
    log.write_bytes(b"".join(lines[:80]))
    session = ReplaySession.open(log)
    assert session.warning == "drill did not finish (no session.ended); replaying to its last event"
    assert snapshot_view(session.state_after(79)) == snapshot_view(auto_run.live[79])


# --- files that cannot be replayed ---------------------------------------------------


def one_line(exc: pytest.ExceptionInfo[ReplayError]) -> str:
    message = str(exc.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_missing_file(tmp_path):
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(tmp_path / "nope.jsonl")
    assert one_line(exc) == f"cannot read {tmp_path / 'nope.jsonl'}: No such file or directory"


def test_a_directory(tmp_path):
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(tmp_path)
    assert one_line(exc).startswith(f"cannot read {tmp_path}:")


@pytest.mark.parametrize("content", [b"", b"\n\n", DEMO.read_bytes(), bytes(range(256)) * 4, b'{"seq": 0}\n'])
def test_files_that_are_not_session_logs(tmp_path, content):
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(path)
    assert one_line(exc).startswith(f"{path} is not a session log (line 1: ")


def test_a_log_that_does_not_start_with_session_started(tmp_path):
    path = tmp_path / "x.jsonl"
    log = SessionLog.create(path, "0" * 64)
    log.append(0.0, "note.added", "commander", {"text": "hello"})
    log.close()
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(path)
    assert one_line(exc) == f"{path} is not a session log (it starts with note.added, not session.started)"


def test_a_log_replays_from_any_directory_without_its_playbook(mini_auto_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the log names `mini.yaml`, which is not here: the log carries its own copy
    session = ReplaySession.open(mini_auto_run.path)
    assert session.warning is None and session.playbook.drill.title == "Mini drill"


def test_a_changed_playbook_is_refused(mini_auto_run, tmp_path):
    changed = tmp_path / "mini.yaml"
    changed.write_text(mini_auto_run.playbook.read_text().replace("Mini drill", "Mini drill (edited)"))
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(mini_auto_run.path, playbook=changed)
    message = one_line(exc)
    assert message.startswith(f"playbook {changed} differs from the one the drill ran (sha256 ")


def test_a_playbook_that_no_longer_loads_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("drill: {id: x}\n")
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    path = tmp_path / "x.jsonl"
    log = SessionLog.create(path, digest)
    log.append(0.0, "session.started", "engine", {"playbook": str(bad), "playbook_hash": digest})
    log.close()
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(path)
    assert one_line(exc).startswith(f"cannot load the playbook the drill ran: {bad}")


def test_an_old_log_reads_its_playbook_file_and_says_so(tmp_path):
    good = tmp_path / "old.yaml"
    good.write_bytes(DEMO.read_bytes())
    digest = hashlib.sha256(good.read_bytes()).hexdigest()
    path = tmp_path / "old.jsonl"
    log = SessionLog.create(path, digest)
    log.append(0.0, "session.started", "engine", {"playbook": str(good), "playbook_hash": digest})
    log.close()
    session = ReplaySession.open(path)
    assert session.warning is not None and "predates self-contained logs" in session.warning
    good.unlink()
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(path)
    assert "does not embed its playbook" in one_line(exc) and "No such file or directory" in one_line(exc)


def test_a_log_without_a_playbook_name(tmp_path):
    path = tmp_path / "x.jsonl"
    log = SessionLog.create(path, "0" * 64)
    log.append(0.0, "session.started", "engine", {"playbook_hash": "0" * 64})
    log.close()
    with pytest.raises(ReplayError) as exc:
        ReplaySession.open(path)
    assert one_line(exc) == "the log neither embeds nor names its playbook"


# --- states, markers, navigation -------------------------------------------------------


def test_states_are_copies_the_caller_may_keep(auto_run):
    session = auto_run.open(checkpoint_every=16)
    before = snapshot_view(session.state_after(40))
    mutated = session.state_after(40)
    mutated.signals["precision"].history.clear()
    mutated.phase_t["baseline"] = -1.0
    mutated.notes.append({"text": "scribble"})
    assert snapshot_view(session.state_after(40)) == before
    assert snapshot_view(session.state_at(session.events[40].t)) == snapshot_view(session.state_after(40))
    assert session.state_after(-1).seq == -1 and not session.state_at(-5).started
    with pytest.raises(ValueError, match="no event 9999"):
        session.state_after(9999)


def test_peek_agrees_with_state_at_forwards_and_backwards(auto_run):
    session = auto_run.open(checkpoint_every=16)
    moments = [0.0, 3.5, 50.0, 51.0, 200.0, 20.0, 19.0, 120.25, session.duration, 0.0, session.duration + 5]
    for t in moments:
        assert snapshot_view(session.peek_at(t)) == snapshot_view(session.state_at(t)), t


def test_markers_of_the_demo(auto_run):
    session = auto_run.open()
    markers = session.markers
    assert all(isinstance(m, Marker) and m.kind in MARKER_KINDS for m in markers)
    assert [m.t for m in markers] == sorted(m.t for m in markers)
    kinds = [m.kind for m in markers]
    injections = {m.label.split(":")[0]: m.t for m in markers if m.kind in ("injection", "transient")}
    assert injections == {
        "injected v42-precision-fault": 60.0,
        "injected v42-error-climb": 60.0,
        "transient latency-blip": 75.0,
    }
    assert kinds.count("trigger") == 2 and kinds.count("decision") == 1
    assert kinds.count("gate.requested") == kinds.count("gate.approved") == 1
    assert kinds.count("step.succeeded") == 9 and kinds.count("verify.passed") == 1 and kinds.count("fidelity") == 1
    assert [m.label for m in markers if m.kind == "phase"] == [
        "phase baseline",
        "phase detect",
        "phase decide",
        "phase execute",
        "phase verify",
        "phase restore",
        "phase review",
    ]
    ended = next(e for e in session.events if e.type == "session.ended")
    assert session.events[-1].type == "log.sealed" and session.events[-1].seq == ended.seq + 1  # the final seal
    assert markers[-1] == Marker(session.duration, "end", markers[-1].label, ended.seq)
    assert markers[-1].label == "ended: restored (ended by commander)"
    decision = next(m for m in markers if m.kind == "decision")
    assert decision.label == "decision: full_rollback"
    approved = next(m for m in markers if m.kind == "gate.approved")
    assert approved.label.startswith("gate approved: registry-rollback by ")
    assert session.markers_between(60.0, 60.0) == [m for m in markers if m.t == 60.0]


def test_markers_of_failures_and_skips(mini_failing_run, script_run):
    kinds = {m.kind for r in (mini_failing_run, script_run) for m in r.open().markers}
    assert {"step.failed", "step.skipped", "step.undone", "gate.rejected", "gate.expired", "verify.failed"} <= kinds
    failed = next(m for m in mini_failing_run.open().markers if m.kind == "step.failed")
    assert failed.label.startswith("step rollback failed: ") and "expected v3" in failed.label


def test_navigation_skips_samples_and_finds_phases(script_run):
    session = script_run.open()
    steps = sorted({e.t for e in session.events if e.type != "signal.sample"})
    phases = sorted({e.t for e in session.events if e.type == "phase.entered"})
    probes = sorted({e.t for e in session.events} | {t + 0.5 for t in steps} | {-1.0, session.duration + 1})
    for t in probes:
        assert session.next_event_t(t) == min((x for x in steps if x > t), default=None), t
        assert session.prev_event_t(t) == max((x for x in steps if x < t), default=None), t
        assert session.next_phase_t(t) == min((x for x in phases if x > t), default=None), t
        assert session.prev_phase_t(t) == max((x for x in phases if x < t), default=None), t


def test_a_fresh_run_is_replayable_again(tmp_path):
    recorded = demo_auto(tmp_path)  # independent of the shared fixtures: opening twice gives equal states
    first, second = recorded.open(), recorded.open(checkpoint_every=3)
    for seq in range(0, len(first.events), 17):
        assert snapshot_view(first.state_after(seq)) == snapshot_view(second.state_after(seq))


def test_mini_drill_with_relative_playbook_round_trip(tmp_path, monkeypatch):
    recorded = mini_drill(tmp_path / "m", auto=True)
    monkeypatch.chdir(tmp_path / "m")
    session = ReplaySession.open(recorded.path)
    assert session.started["playbook"] == "mini.yaml"
    assert snapshot_view(session.state_at(session.duration)) == snapshot_view(recorded.final)
