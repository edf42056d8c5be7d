"""Tests for the tamper-evident session log: writer, reader, verification and the verify command."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from drillconsole.log.events import DURABLE_TYPES, canonical, sha256_hex
from drillconsole.log.lines import LOG_SCHEMA, decode, encode_body, encode_data, frame
from drillconsole.log.reader import LogError, iter_events, read_log
from drillconsole.log.seal import Sealer
from drillconsole.log.verify import verify_command
from drillconsole.log.writer import SessionLog
from drillconsole.secrets import Redactor

PLAYBOOK_HASH = sha256_hex(b"drill: demo\n")
REPO = Path(__file__).resolve().parents[1]


def started() -> dict[str, object]:
    return {"playbook": "playbooks/demo.yaml", "playbook_hash": PLAYBOOK_HASH, "seed": 7}


def write_drill(path: Path, n_samples: int = 5, ended: bool = True, sealer: Sealer | None = None) -> list[str]:
    """Write a small drill log (sealed if given a sealer) and return its lines (without newlines)."""
    with SessionLog.create(path, PLAYBOOK_HASH, sealer=sealer) as log:
        log.append(0.0, "session.started", "engine", started())
        for i in range(n_samples):
            log.append(1.0 + i, "signal.sample", "engine", {"values": {"latency_p99": 100.0 + i, "errors": None}})
        log.append(7.5, "gate.approved", "commander", {"step": "registry-rollback", "approver": "commander"})
        if ended:
            log.append(9.0, "session.ended", "commander", {"outcome": "restored", "reason": "verified"})
    return path.read_text(encoding="utf-8").splitlines()


def rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "drill-sessions" / "demo" / "20261127T154003Z-ab12.jsonl"


@pytest.fixture
def sealer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sealer:
    """This installation's key, in a key folder of the test's own."""
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    return Sealer.for_installation()


def test_round_trip_chain_verifies(log_path: Path) -> None:
    lines = write_drill(log_path)
    report = read_log(log_path)
    assert (report.ok, report.complete, report.bad_line, report.problem) == (True, True, None, None)
    assert [e.seq for e in report.events] == list(range(len(lines)))
    assert [e.prev for e in report.events] == [PLAYBOOK_HASH] + [e.hash for e in report.events[:-1]]
    assert report.events[0].data["log_schema"] == LOG_SCHEMA == 2
    for line, event in zip(lines, report.events, strict=True):
        body, tail = line.encode().split(b',"hash":"')
        assert tail == event.hash.encode() + b'"}' and event.hash == sha256_hex(body)  # the exact bytes written
        assert line.startswith(f'{{"seq":{event.seq},"type":"{event.type}",') and body.endswith(
            f'"prev":"{event.prev}"'.encode()
        )
        assert json.loads(line) == event.to_dict()
    assert [e.to_dict() for e in iter_events(log_path)] == [e.to_dict() for e in report.events]
    log_path.unlink()
    write_drill(log_path, ended=False)
    assert read_log(log_path).ok and not read_log(log_path).complete


def test_append_returns_the_event_as_written(log_path: Path) -> None:
    with SessionLog.create(log_path, PLAYBOOK_HASH, wall=lambda: "2026-11-27T15:40:03.123456Z") as log:
        event = log.append(1.23456, "note.added", "scribe", {"text": "hello"})
        assert (log.next_seq, log.last_hash, log.path) == (1, event.hash, log_path)
    assert event.t == 1.235 and event.ts == "2026-11-27T15:40:03.123456Z" and event.prev == PLAYBOOK_HASH
    body = (
        '{"seq":0,"type":"note.added","t":1.235,"ts":"2026-11-27T15:40:03.123456Z","actor":"scribe",'
        f'"data":{{"text":"hello"}},"prev":"{PLAYBOOK_HASH}"'
    ).encode()
    written = body + f',"hash":"{sha256_hex(body)}"}}\n'.encode()
    assert log_path.read_bytes() == written and event.hash == sha256_hex(body)
    with pytest.raises(FileExistsError):
        SessionLog.create(log_path, PLAYBOOK_HASH)
    assert log_path.read_bytes() == written


def test_nan_and_inf_become_null_and_chain_verifies(log_path: Path) -> None:
    with SessionLog.create(log_path, PLAYBOOK_HASH) as log:
        log.append(0.0, "session.started", "engine", started())
        event = log.append(1.0, "signal.sample", "engine", {"values": {"a": math.nan, "b": [math.inf, -math.inf, 1.5]}})
    assert event.data == {"values": {"a": None, "b": [None, None, 1.5]}}
    assert b"NaN" not in log_path.read_bytes() and b"Infinity" not in log_path.read_bytes()
    report = read_log(log_path)
    assert report.ok and report.events[1].data == event.data


def _edited(line: str, resign: bool = False, **fields: object) -> str:
    """The line with `fields` (default: a sample value) changed, optionally re-hashed as the writer would."""
    record = json.loads(line)
    if not fields:
        fields = {"data": {**record["data"], "values": {"latency_p99": 1.0, "errors": None}}}
    record.update(fields)
    if resign:
        r = record
        body = encode_body(r["seq"], r["t"], r["ts"], r["type"], r["actor"], encode_data(r["data"]), r["prev"])
        return frame(body)[0].decode().rstrip("\n")
    return canonical(record).decode()


TAMPERING = {
    "edited-value": (lambda ls: ls.__setitem__(3, _edited(ls[3])), 4, "hash mismatch (line edited)"),
    "edited-ts": (
        lambda ls: ls.__setitem__(6, ls[6].replace('"ts":"20', '"ts":"19', 1)),
        7,
        "hash mismatch (line edited)",
    ),
    "edited-with-new-hash": (
        lambda ls: ls.__setitem__(2, _edited(ls[2], True)),
        4,
        "prev does not match the hash of line 3 (line deleted or reordered)",
    ),
    "reformatted": (
        lambda ls: ls.__setitem__(1, json.dumps(json.loads(ls[1]))),
        2,
        "line is not in canonical form (line edited)",
    ),
    "deleted-line": (lambda ls: ls.pop(4), 5, "seq 5 follows 3 (line deleted or reordered)"),
    "deleted-first-line": (lambda ls: ls.pop(0), 1, "seq 1 at the start, expected 0 (line deleted or reordered)"),
    "swapped-lines": (
        lambda ls: ls.__setitem__(slice(2, 4), ls[3:1:-1]),
        3,
        "seq 3 follows 1 (line deleted or reordered)",
    ),
    "appended-garbage": (lambda ls: ls.append('{"seq": 99, "oops"'), 9, "truncated or malformed line"),
    "blank-line-inside": (lambda ls: ls.insert(2, ""), 3, "truncated or malformed line"),
    "truncated-mid-line": (lambda ls: "\n".join(ls).encode()[:-60], 8, "truncated or malformed line"),
    "wrong-anchor": (
        lambda ls: ls.__setitem__(0, _edited(ls[0], True, prev="0" * 64)),
        1,
        "prev does not match the playbook hash (line edited)",
    ),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampering_detected_at_the_first_bad_line(log_path: Path, name: str) -> None:
    edit, bad_line, problem = TAMPERING[name]
    lines = write_drill(log_path)
    assert len(lines) == 8
    cut = edit(lines)
    log_path.write_bytes(cut if isinstance(cut, bytes) else ("\n".join(lines) + "\n").encode())
    report = read_log(log_path)
    assert (report.ok, report.bad_line, report.problem) == (False, bad_line, problem)
    assert [e.seq for e in report.events] == list(range(bad_line - 1))  # replayable up to there


def test_secrets_never_reach_the_file(log_path: Path) -> None:
    secret = "s3cr3t-T0KEN-value"
    redactor = Redactor()
    redactor.add(secret)
    headers = {"Authorization": "Bearer opaque-value-xyz", "Accept": "application/json"}
    argv = ["deploy", f"--token={secret}", {"nested": [secret]}]
    data = {
        "action": {"url": f"https://hooks.example/{secret}/notify", "headers": headers, "argv": argv},
        "result": {"stderr": f"token {secret} rejected"},
    }
    with SessionLog.create(log_path, PLAYBOOK_HASH, redactor=redactor) as log:
        log.append(0.0, "session.started", "engine", started())
        event = log.append(3.0, "step.started", "sre", data)
    raw = log_path.read_bytes()
    assert secret.encode() not in raw and b"opaque-value-xyz" not in raw
    assert event.data["action"]["headers"] == {"Authorization": "***", "Accept": "application/json"}
    assert event.data["action"]["argv"] == ["deploy", "--token=***", {"nested": ["***"]}]
    assert event.data["action"]["url"] == "https://hooks.example/***/notify"
    assert b'"Authorization":"***"' in raw
    assert data["action"]["argv"][1] == f"--token={secret}"  # the caller's dict is not mutated
    assert read_log(log_path).ok


def test_a_secret_learned_later_is_redacted_from_keys_already_seen_clean(log_path: Path) -> None:
    secret = "late-s3cr3t-key"
    redactor = Redactor()
    with SessionLog.create(log_path, PLAYBOOK_HASH, redactor=redactor) as log:
        log.append(0.0, "session.started", "engine", started())
        for t in (1.0, 2.0):  # the same keys twice: the second time they are known clean and copied whole
            first = log.append(t, "signal.sample", "engine", {"values": {secret: 1.5, "latency": 2.0}})
        redactor.add(secret)
        later = log.append(3.0, "signal.sample", "engine", {"values": {secret: 1.5, "latency": 2.0}})
        bad = log.append(4.0, "signal.sample", "engine", {"values": {"latency": float("nan"), "x": secret}})
    assert first.data["values"] == {secret: 1.5, "latency": 2.0}
    assert later.data["values"] == {"***": 1.5, "latency": 2.0}
    assert bad.data["values"] == {"latency": None, "x": "***"}
    assert log_path.read_bytes().count(secret.encode()) == 2  # only the two samples written before it was known


def test_durable_events_fsync_immediately(log_path: Path) -> None:
    with SessionLog.create(log_path, PLAYBOOK_HASH, monotonic=lambda: 100.0) as log:
        for i, kind in enumerate(sorted(DURABLE_TYPES)):
            before = log.fsyncs
            log.append(float(i), kind, "engine", {"i": i})
            assert log.fsyncs == before + 1, kind


def test_samples_batch_fsync_until_a_second_passes(log_path: Path) -> None:
    clock = [100.0]  # a fake monotonic clock moved by hand
    log = SessionLog.create(log_path, PLAYBOOK_HASH, monotonic=lambda: clock[0])
    log.append(0.0, "session.started", "engine", started())
    counts = [log.fsyncs]  # session.started is durable
    for step, (dt, kind) in enumerate([(0.2, "signal.sample")] * 4 + [(0.5, "signal.sample"), (0.1, "signal.state")]):
        clock[0] += dt
        log.append(1.0 + step, kind, "engine", {"values": {"x": step}})
        counts.append(log.fsyncs)
    assert counts == [1, 1, 1, 1, 1, 2, 2]  # the 5th sample comes 1.1 s after the first unsynced one
    log.sync()
    log.sync()  # nothing new: no fsync
    assert log.fsyncs == 3
    log.append(7.0, "signal.sample", "engine", {"values": {"x": 7}})
    log.close()
    log.close()  # idempotent
    assert log.fsyncs == 4 and log.closed
    with pytest.raises(ValueError):
        log.append(8.0, "signal.sample", "engine", {})
    assert read_log(log_path).ok


def test_open_for_append_continues_the_chain(log_path: Path, sealer: Sealer) -> None:
    lines = write_drill(log_path, ended=False, sealer=sealer)
    with SessionLog.open_for_append(log_path, sealer=sealer) as log:
        with pytest.raises(LogError, match="in use by another"):
            SessionLog.open_for_append(log_path)
        assert len(log.existing) == len(lines)
        assert log.next_seq == len(lines) and log.last_hash == log.existing[-1].hash
        resumed = log.append(8.0, "session.resumed", "engine", {"from_seq": len(lines) - 1, "at_t": 7.5})
        log.append(9.0, "session.ended", "commander", {"outcome": "restored", "reason": "verified"})
    assert resumed.seq == len(lines) and resumed.prev == log.existing[-1].hash
    report = read_log(log_path)
    assert report.ok and report.complete and len(report.events) == len(lines) + 3  # resumed, ended, final seal
    assert [e.type for e in report.events[-3:]] == ["session.resumed", "session.ended", "log.sealed"]
    assert verify_command(log_path) == 0


@pytest.mark.parametrize("tail", [b"", b"\n\n", b"\n \n\n"], ids=["no-newline", "blank-line", "blank-lines"])
def test_complete_last_line_and_trailing_blanks_are_fine_and_resumable(log_path: Path, tail: bytes) -> None:
    lines = write_drill(log_path, ended=False)
    log_path.write_bytes("\n".join(lines).encode() + tail)
    assert read_log(log_path).ok
    with SessionLog.open_for_append(log_path) as log:
        log.append(8.0, "session.resumed", "engine", {"from_seq": 0, "at_t": 0})
    after = log_path.read_text().split("\n")
    assert after[: len(lines)] == lines and after[-1] == "" and len(after) == len(lines) + 2
    assert read_log(log_path).ok


def test_open_for_append_refuses_a_tampered_log(log_path: Path) -> None:
    lines = write_drill(log_path, ended=False)
    del lines[2]
    rewrite(log_path, lines)
    before = log_path.read_bytes()
    with pytest.raises(LogError, match=r":3: seq 3 follows 1 \(line deleted or reordered\)"):
        SessionLog.open_for_append(log_path)
    assert log_path.read_bytes() == before


def run_verify(path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "drillconsole", "verify", str(path), *flags]
    return subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=60)


@pytest.mark.parametrize(
    ("ended", "signed", "tamper", "code", "expected"),
    [
        (True, True, False, 0, "ok: 8 events, signed by {kid}, complete\n"),
        (
            False,
            True,
            False,
            0,
            "ok: 7 events, signed by {kid}, truncated after seq 7"
            " (no session.ended: the drill did not finish, or the log was cut)\n",
        ),
        (True, False, False, 1, "fail: 8 events, unsigned: a finished drill must end with a signed seal\n"),
        (True, True, True, 1, "{path}:2: hash mismatch (line edited)\n"),
    ],
    ids=["ok", "unfinished", "unsigned", "tampered"],
)
def test_verify_command(
    log_path: Path, sealer: Sealer, ended: bool, signed: bool, tamper: bool, code: int, expected: str
) -> None:
    lines = write_drill(log_path, ended=ended, sealer=sealer if signed else None)
    if tamper:
        lines[1] = lines[1].replace('"t":1.0', '"t":1.5')
        rewrite(log_path, lines)
    result = run_verify(log_path)
    want = expected.format(path=log_path, kid=sealer.key_id)
    assert (result.returncode, result.stdout, result.stderr) == (code, want, "")


def test_verify_command_unreadable(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    result = run_verify(missing)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"drillconsole: cannot read {missing}: No such file or directory\n"
    result = run_verify(tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_verify_command_direct_call(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_path.parent.mkdir(parents=True)
    log_path.write_bytes(b"\x00\xff garbage")
    assert verify_command(log_path) == 1
    assert capsys.readouterr().out == f"{log_path}:1: truncated or malformed line\n"
    log_path.write_bytes(b"")
    assert verify_command(log_path) == 1
    assert capsys.readouterr().out == f"{log_path}:1: empty log\n"
    assert read_log(log_path).events == []


@pytest.mark.parametrize(
    "data",
    [
        {"values": {"b": 2.5e-05, "a": 1e16, "c": -0.0, "d": 0.1 + 0.2}},
        {"note": "null and void", "who": None, "text": 'é "quoted" \\ \n\t\x01'},
        {"big": 2**70, "nested": [{"z": 1, "y": [True, False]}]},
    ],
)
def test_data_is_written_compact_sorted_and_reads_back_the_same(data: dict[str, object]) -> None:
    written = encode_data(data)
    assert json.loads(written) == data
    assert b", " not in written and b": " not in written  # compact
    assert list(json.loads(written)) == sorted(data)  # keys sorted
    assert "é".encode() in written or "é" not in str(data)  # UTF-8, not escaped


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_data_with_nan_or_an_infinity_is_refused_not_written_as_null(value: float) -> None:
    with pytest.raises(ValueError):
        encode_data({"values": {"a": 1.0, "b": [value]}})


def test_data_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(UnicodeEncodeError):
        encode_data({"text": "\ud800"})


@pytest.mark.parametrize(
    "line",
    [
        '{"seq":3,"type":"step.started","t":12.5,"data":{"step":"s","n":-0.0,"x":2.5e-05,"text":"é \\" \\\\"}}',
        '{"big":123456789012345678901234567890,"near":18446744073709551615,"neg":-9223372036854775808}',
        '{"hash":"0123456789012345678901234567890123456789012345678901234567890123"}',
    ],
)
def test_lines_decode_as_the_standard_library_reads_them(line: str) -> None:
    assert decode(line) == json.loads(line) and decode(line.encode()) == json.loads(line)
    assert type(decode(line).get("big", 0)) is int  # an integer beyond 64 bits stays an integer


@pytest.mark.parametrize(
    "line", ['{"a":NaN}', '{"a":-Infinity}', '{"a":1e400}', '{"a":1e400,"b":12345678901234567890}']
)
def test_lines_with_numbers_json_cannot_carry_are_refused(line: str) -> None:
    with pytest.raises(ValueError):
        decode(line)


def test_a_line_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ValueError):
        decode(b'{"a":"\xff"}')
