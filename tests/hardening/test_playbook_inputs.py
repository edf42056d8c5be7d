"""Issue 10's broken playbooks: each one is refused by `validate` with one located line, exit 2, and never run."""

from __future__ import annotations

import glob
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillconsole.cli import main
from drillconsole.playbook.loader import PlaybookError, check_env, load_playbook, load_playbook_text
from drillconsole.resources import playbooks_dir

REPO = Path(__file__).resolve().parents[2]
DEMO = (playbooks_dir() / "demo.yaml").read_text(encoding="utf-8")
LINE = re.compile(r"^[^\n]+:\d+: .+$")


def edit(*pairs: tuple[str, str], text: str = DEMO) -> str:
    """The demo playbook with each `old` replaced once by `new` (the old text must be there)."""
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def problems(text: str) -> list[str]:
    """Every problem line for a playbook text, [] if it is valid."""
    try:
        load_playbook_text(text, "pb.yaml")
    except PlaybookError as exc:
        lines = [str(p) for p in exc.problems]
        assert all(LINE.match(line) and "\n" not in line for line in lines), lines
        return lines
    return []


def validate(tmp_path: Path, text: str | bytes, *args: str) -> tuple[int, list[str]]:
    """`drillconsole validate` on the text, in process: exit code and output lines."""
    path = tmp_path / "pb.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    result = CliRunner().invoke(main, ["validate", *args, str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output.splitlines()


CASES = {
    "notify template field": (
        ('template: "[{clock}] {model}: degraded', 'template: "[{clock}] {modle.__class__}: degraded'),
        "pb.yaml:199: steps[3].action.template: template field {modle.__class__} is not one of",
    ),
    "notify template width": (
        ('template: "[{clock}] {model}: degraded', 'template: "[{clock:>999999999}] {model}: degraded'),
        "pb.yaml:199: steps[3].action.template: template field {clock} has a format spec that is too wide",
    ),
    "escalation message field": (
        ('message: "{subject} has waited {late} for approval"', 'message: "{subject} has waited {0} for approval"'),
        "pb.yaml:261: escalations[0].message: template field {0} is not one of {late}, {subject}",
    ),
    "interval 0s": (
        ("    interval: 1s\n", "    interval: 0s\n"),
        "pb.yaml:75: signals[0].interval: duration must be greater than zero",
    ),
    "interval .nan": (("    interval: 1s\n", "    interval: .nan\n"), "pb.yaml:75: '.nan' is not a finite number"),
    "time limit .inf": (("  time_limit: 15m", "  time_limit: .inf"), "pb.yaml:12: '.inf' is not a finite number"),
    "time limit 8 days": (
        ("  time_limit: 15m", "  time_limit: 192h"),
        "pb.yaml:12: drill.time_limit: duration 8 days is longer than the 7-day limit",
    ),
    "duration overflow": (
        ("  time_limit: 15m", f"  time_limit: {'9' * 400}s"),
        "pb.yaml:12: drill.time_limit: duration",
    ),
    "huge number": (
        ("baseline: 0.92,", "baseline: 1.0e+300,"),
        "pb.yaml:74: number '1.0e+300' is out of range (at most ±1e15)",
    ),
    "huge number as text": (
        ("baseline: 0.92,", "baseline: '1e300',"),
        "pb.yaml:74: signals[0].source.baseline: number out of range (at most ±1e15)",
    ),
    "inverted bands": (
        ("      critical: {above: 2.0, for: 15s}", "      critical: {above: 0.5, for: 15s}"),
        "pb.yaml:85: signals[1].bands: critical above 0.5 is less severe than warn above 1 (critical must lie beyond warn)",
    ),
    "bands on two sides": (
        ("      critical: {above: 2.0, for: 15s}", "      critical: {below: 0.1, for: 15s}"),
        "pb.yaml:85: signals[1].bands: warn and critical must bound the same side (both `above` or both `below`)",
    ),
    "whitespace phrase": (
        ("      phrase: ROLLBACK fraud-scorer TO v41", "      phrase: '   '"),
        "pb.yaml:210: steps[4].gate.phrase: confirm phrase must have visible characters",
    ),
    "padded phrase": (
        ("      phrase: ROLLBACK fraud-scorer TO v41", "      phrase: ' ROLLBACK'"),
        "pb.yaml:210: steps[4].gate.phrase: confirm phrase must not start or end with whitespace",
    ),
    "control char in phrase": (
        ("      phrase: ROLLBACK fraud-scorer TO v41", '      phrase: "ROLL\\x07BACK"'),
        "pb.yaml:210: steps[4].gate.phrase: confirm phrase must not contain control or invisible characters",
    ),
    "not a url": (
        (
            '      channel: "#fraud-incident"\n      template: "[{clock}] {model}: degraded',
            '      channel: "#fraud-incident"\n      url: not a url\n      template: "[{clock}] {model}: degraded',
        ),
        "pb.yaml:199: steps[3].action.url: URL must not contain spaces or control characters",
    ),
    "ftp url": (
        (
            '      channel: "#fraud-incident"\n      template: "[{clock}] {model}: degraded',
            '      channel: "#fraud-incident"\n      url: ftp://example.org/x\n      template: "[{clock}] {model}: degraded',
        ),
        "pb.yaml:199: steps[3].action.url: not an http(s) URL (scheme 'ftp')",
    ),
    "negative stale_after": (
        ("    interval: 1s\n", "    interval: 1s\n    stale_after: -1\n"),
        "pb.yaml:76: signals[0].stale_after: input should be greater than or equal to 0",
    ),
    "negative precision": (
        ("    precision: 2\n", "    precision: -3\n"),
        "pb.yaml:82: signals[1].precision: input should be greater than or equal to 0",
    ),
    "from equals to": (
        ('from: "42", to: "41"}', 'from: "42", to: "42"}'),
        "pb.yaml:207: steps[4].action.to: `from` and `to` are both '42': the alias would not move",
    ),
    "tiny interval floods the log": (
        ("    interval: 1s\n", "    interval: 0.0001\n"),
        "pb.yaml:75: signals[0].interval: interval 0.0001s over the 900s time limit is 9,000,000 polls",
    ),
    "malformed reference": (
        (
            '      channel: "#fraud-incident"\n      template: "[{clock}] {model}: degraded',
            '      channel: "#fraud-incident"\n      url: "http://h/${env:}"\n      template: "[{clock}] {model}: degraded',
        ),
        "pb.yaml:199: steps[3].action.url: malformed reference '${env:}'",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_issue_10_playbook_is_refused_on_one_line(name: str) -> None:
    pair, expected = CASES[name]
    lines = problems(edit(pair))
    assert lines, f"{name}: validate said ok"
    assert any(line.startswith(expected) for line in lines), lines


def test_nothing_refused_in_the_bundled_playbooks() -> None:
    for path in sorted(playbooks_dir().glob("*.yaml")):
        load_playbook(path)


def test_tiny_interval_is_fine_when_the_drill_is_short() -> None:
    assert problems(edit(("    interval: 1s\n", "    interval: 100ms\n"))) == []


def test_alias_bomb_in_a_json_body_is_refused_at_once() -> None:
    bomb = "\n".join(
        ['      l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        + [f"      l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    )
    text = edit(
        (
            '      channel: "#fraud-incident"\n      template: "[{clock}] {model}: degraded',
            '      channel: "#fraud-incident"\n      template: "[{clock}] {model}: degraded',
        ),
        (
            "  - id: verify-signals\n",
            f"  - id: call\n    title: c\n    phase: verify\n    owner: tech_lead\n    kind: action\n    action:\n      type: http\n      url: http://127.0.0.1:9/x\n      json:\n{bomb}\n  - id: verify-signals\n",
        ),
    )
    lines = problems(text)
    assert len(lines) == 1 and "alias bomb" in lines[0] and lines[0].startswith("pb.yaml:2"), lines


def test_aliases_are_capped_and_plain_anchors_still_work() -> None:
    shared = edit(("  registry:\n    type: registry", "  registry: &reg\n    type: registry"))
    line = len(shared.splitlines()) + 2  # the appended key, after a blank line
    assert problems(shared + "\nx-copies: [" + ", ".join(["*reg"] * 5) + "]\n") == [
        f"pb.yaml:{line}: x-copies: unknown key 'x-copies'"
    ]
    many = shared + "\nx-copies: [" + ", ".join(["*reg"] * 101) + "]\n"
    assert problems(many) == [f"pb.yaml:{line}: more than 100 YAML aliases"]


def test_deep_nesting_is_one_line_with_a_line_number() -> None:
    for deep in ("[" * 100_000 + "]" * 100_000, "a:\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(1, 200))):
        lines = problems(deep)
        assert len(lines) == 1 and "nested deeper than 64 levels" in lines[0], lines
        assert "RecursionError" not in lines[0] and "internal error" not in lines[0]


def test_control_characters_and_newlines_never_split_or_forge_a_line() -> None:
    forged = "commander\n/etc/other.yaml:1: drill: all good\x1b[2J"
    text = edit(
        ("      approver: [commander, data_steward]", f"      approver: [{forged!r}, data_steward]".replace("'", '"'))
    )
    lines = problems(text)
    assert lines == [
        "pb.yaml:209: steps[4].gate.approver[0]: unknown role 'commander\\n/etc/other.yaml:1: drill: all good\\x1b[2J'"
    ]
    title = problems(edit(('  title: "Fraud scorer', '  title: 3\n  titel: "a\\u2028b\\x00c"\n  x: "Fraud scorer')))
    assert all("\n" not in line and "\u2028" not in line and "\x00" not in line for line in title), title


def test_binary_and_control_bytes_in_the_file_are_one_line(tmp_path: Path) -> None:
    code, lines = validate(tmp_path, b"drill:\x00\x01 {}\n")
    assert code == 2 and lines == [f"{tmp_path / 'pb.yaml'}:1: cannot read file: binary data (NUL bytes)"]
    code, lines = validate(tmp_path, "drill: {id: \x07x}\n")
    assert code == 2 and len(lines) == 1 and LINE.match(lines[0]) and "internal error" not in lines[0]


def test_type_and_reference_errors_come_in_the_same_pass() -> None:
    lines = problems(
        edit(
            ("    interval: 1s\n", "    interval: soon\n"),  # a type error in signals[0]
            ("      approver: [commander, data_steward]", "      approver: [commander, cto]"),  # a reference error
        )
    )
    assert any(line.startswith("pb.yaml:75: signals[0].interval: unparseable duration 'soon'") for line in lines), lines
    assert any(line.startswith("pb.yaml:209: steps[4].gate.approver[1]: unknown role 'cto'") for line in lines), lines
    # A reference to the malformed signal is not reported again as unknown.
    assert not any("unknown signal 'precision'" in line for line in lines), lines


def test_secret_in_argv_is_refused_with_a_way_out() -> None:
    text = edit(
        (
            "  - id: verify-signals\n",
            "  - id: deploy\n    title: d\n    phase: verify\n    owner: tech_lead\n    kind: action\n"
            "    action: {type: command, argv: [deploy, '--token=${secret:DEPLOY_TOKEN}']}\n  - id: verify-signals\n",
        )
    )
    assert problems(text) == [
        "pb.yaml:221: steps[5].action.argv[1]: secret DEPLOY_TOKEN in argv is visible in `ps`: pass it in `env:` "
        "(e.g. env: {DEPLOY_TOKEN: '${secret:DEPLOY_TOKEN}'}) or on stdin"
    ]
    ok = text.replace(
        "argv: [deploy, '--token=${secret:DEPLOY_TOKEN}']", "argv: [deploy], env: {T: '${secret:DEPLOY_TOKEN}'}"
    )
    assert problems(ok) == []


UNSET = edit(
    (
        '      channel: "#fraud-incident"\n      template: "[{clock}] {model}: degraded',
        '      channel: "#fraud-incident"\n      url: "${env:H1_HOOK_BASE}/hook"\n'
        '      headers: {Authorization: "Bearer ${secret:H1_HOOK_TOKEN}"}\n      template: "[{clock}] {model}: degraded',
    )
)


def test_unset_references_pass_plain_validate_but_not_validate_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("H1_HOOK_BASE", raising=False)
    monkeypatch.delenv("H1_HOOK_TOKEN", raising=False)
    assert validate(tmp_path, UNSET)[0] == 0
    code, lines = validate(tmp_path, UNSET, "--env")
    where = tmp_path / "pb.yaml"
    assert (code, lines) == (
        2,
        [
            f"{where}:199: steps[3].action.url: environment variable H1_HOOK_BASE is not set",
            f"{where}:200: steps[3].action.headers.Authorization: environment variable H1_HOOK_TOKEN is not set",
        ],
    )
    monkeypatch.setenv("H1_HOOK_BASE", "not a url")
    monkeypatch.setenv("H1_HOOK_TOKEN", "t0k3n")
    code, lines = validate(tmp_path, UNSET, "--env")
    assert (code, lines) == (
        2,
        [f"{where}:199: steps[3].action.url: URL must not contain spaces or control characters (once resolved)"],
    )
    monkeypatch.setenv("H1_HOOK_BASE", "http://127.0.0.1:9")
    assert validate(tmp_path, UNSET, "--env") == (0, [f"ok {where}"])
    playbook = load_playbook_text(UNSET, "pb.yaml")
    assert [str(p) for p in check_env(playbook, {"H1_HOOK_BASE": "x"})] == [
        "<playbook>:1: steps[3].action.headers.Authorization: environment variable H1_HOOK_TOKEN is not set"
    ]


def test_run_refuses_unset_references_before_starting(tmp_path: Path) -> None:
    path = tmp_path / "pb.yaml"
    path.write_text(UNSET, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("H1_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "drillconsole",
            "run",
            str(path),
            "--headless",
            "--auto",
            "--virtual-clock",
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:199: steps[3].action.url: environment variable H1_HOOK_BASE is not set",
        f"{path}:200: steps[3].action.headers.Authorization: environment variable H1_HOOK_TOKEN is not set",
    ]
    assert "Traceback" not in result.stderr and not (tmp_path / "logs").exists()


# --- files that are not playbooks ---------------------------------------------------


def test_large_file_is_refused_without_reading_it_unless_the_limit_is_raised(tmp_path: Path) -> None:
    big = DEMO + "\n" + "".join(f"# padding line {i:08d} {'x' * 80}\n" for i in range(110_000))
    assert len(big) > 10_000_000
    code, lines = validate(tmp_path, big)
    assert code == 2 and len(lines) == 1 and "larger than the 1.0 MiB limit (raise it with --max-size)" in lines[0]
    assert validate(tmp_path, big, "--max-size", str(20_000_000))[0] == 0


def test_120k_steps_sharing_one_id_are_checked_in_linear_time(tmp_path: Path) -> None:
    step = "  - {id: same, title: t, phase: baseline, owner: tech_lead, kind: manual}\n"
    text = edit(("steps:\n", "steps:\n" + step * 120_000))
    code, lines = validate(tmp_path, text, "--max-size", str(len(text) + 1))
    assert code == 2
    assert lines[0].endswith("steps[1].id: duplicate step id 'same'") and len(lines) == 201
    assert lines[-1].endswith("119,799 more problems not shown")


def _write_only_file() -> Path:
    """A regular file even root cannot open for reading (a write-only sysfs attribute), or skip."""
    for candidate in glob.glob("/sys/class/*/hot_remove") + glob.glob("/sys/devices/*/*/rescan"):
        path = Path(candidate)
        try:
            if stat.S_ISREG(path.stat().st_mode):
                path.open("rb").close()
        except PermissionError:
            return path
        except OSError:
            continue
    pytest.skip("running as root and no write-only file to stand for an unreadable one")


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "directory", "unreadable", "missing"])
def test_special_files_are_one_line_and_never_block(tmp_path: Path, special: str) -> None:
    target = tmp_path / "special"
    expected = {
        "/dev/zero": "cannot read file: a character device, not a regular file",
        "fifo": "cannot read file: a FIFO (named pipe), not a regular file",
        "directory": "cannot read file: Is a directory",
        "unreadable": "cannot read file: Permission denied",
        "missing": "cannot read file: No such file or directory",
    }[special]
    if special == "/dev/zero":
        target = Path("/dev/zero")
    elif special == "fifo":
        os.mkfifo(target)
    elif special == "directory":
        target.mkdir()
    elif special == "unreadable":
        if os.geteuid() == 0:  # root reads any file, but not a write-only sysfs attribute
            target = _write_only_file()
        else:
            target.write_text(DEMO, encoding="utf-8")
            target.chmod(0)
    # A real process: a FIFO that blocked would hang here until the timeout fails the test.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-m", "drillconsole", "validate", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (2, f"{target}:1: {expected}\n", "")
