"""Bad input gets one line and exit 2, never a traceback; a tampered or truncated log still gets its report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reportkit import DEMO, SCRIPT, cli, report, run_drill


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_drill(DEMO, SCRIPT, tmp_path_factory.mktemp("demo"), seed=42)


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("drillconsole: ") and "Traceback" not in result.stderr
    return lines[0]


def test_missing_log(tmp_path: Path) -> None:
    assert "No such file" in _one_line_error(cli("report", str(tmp_path / "nope.jsonl")))


def test_directory_instead_of_a_log(tmp_path: Path) -> None:
    assert "cannot read" in _one_line_error(cli("report", str(tmp_path)))


@pytest.mark.parametrize("content", [b"", b"hello\n", b"\x00\xff\xfe binary", b'{"type": "note.added"}\n', b"[1, 2]\n"])
def test_files_that_are_not_session_logs(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    assert "not a session log" in _one_line_error(cli("report", str(path), "--format", "json"))


def test_unwritable_output(demo_log: Path, tmp_path: Path) -> None:
    assert "cannot write" in _one_line_error(cli("report", str(demo_log), "-o", str(tmp_path / "no" / "dir.md")))


def test_tampered_log_still_reports_and_names_the_bad_line(demo_log: Path, tmp_path: Path) -> None:
    lines = demo_log.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if '"type":"decision.made"' in line)
    lines[n] = lines[n].replace("precision fell below 0.86", "precision fell below 0.80")
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(lines), encoding="utf-8")
    out = cli("report", str(tampered), "--format", "json")
    assert out.returncode == 1  # the report is written, and the failure is the exit status
    assert cli("report", str(tampered), "--format", "json", "--allow-broken").returncode == 0
    md = cli("report", str(tampered)).stdout.splitlines()
    assert md[2] == f"> **Warning:** VERIFICATION FAILED: {tampered.name}:{n + 1}: hash mismatch (line edited)"
    data = json.loads(out.stdout)
    assert data["chain_ok"] is False and data["chain_problem"] == {
        "line": n + 1,
        "problem": "hash mismatch (line edited)",
    }
    warning = f"drillconsole: warning: {tampered}:{n + 1}: hash mismatch (line edited); hash chain broken, report computed from the lines as written"
    assert out.stderr.splitlines() == [warning]
    assert data["decision"]["rationale"] == "precision fell below 0.80"  # reported as written
    assert data["time_to_rollback_s"] == 16.5


def test_truncated_and_garbled_lines_are_passed_over(demo_log: Path, tmp_path: Path) -> None:
    lines = demo_log.read_bytes().splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if b'"type":"phase.entered"' in line and b'"verify"' in line)
    lines[n] = b'{"type": "step.started", "t": "soon", "data": 5}\n'  # wrong types: decoded leniently, then dropped
    lines.insert(n, b"\xff\xfe not UTF-8, not JSON\n")
    lines.append(lines[-1][: len(lines[-1]) // 2])  # a crash mid-write
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"".join(lines))
    good, bad = report(demo_log), report(broken)
    assert bad["chain_ok"] is False and bad["chain_problem"]["line"] == n + 1
    for key in (
        "time_to_detect_s",
        "time_to_decision_s",
        "time_to_rollback_s",
        "time_to_restore_s",
        "false_alarms",
        "roles",
        "gates",
        "duration_s",
        "outcome",
    ):
        assert bad[key] == good[key], key
    assert [p["phase"] for p in bad["phases"]] == ["baseline", "detect", "decide", "execute", "restore", "review"]
    assert "```text" in cli("report", str(broken)).stdout  # the charts still decode the samples


def test_large_logs_skip_chain_verification_unless_asked(demo_log: Path) -> None:
    assert report(demo_log, verify=False)["chain_verified"] is False
    data = json.loads(cli("report", str(demo_log), "--format", "json", "--no-verify").stdout)
    assert (data["chain_verified"], data["chain_ok"]) == (False, None)
