"""A folder of drills as JUnit test cases, a drill's inputs as a script, and the drill cadence (status, trend)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import yaml
from drillkit import mini
from junitparser import Error, Failure, JUnitXml

from drillconsole.cli import main  # noqa: F401  (the CLI is what the README example runs)

from .rerunkit import cli, record, record_at, rich_playbook, stripped, write_playbook

REPO = Path(__file__).resolve().parents[2]


def test_a_folder_becomes_junit_xml_that_a_junit_consumer_reads(tmp_path):
    logs = tmp_path / "drills"
    record(logs, name="a.jsonl")
    record(logs / "nested", name="b.jsonl", auto=True)
    (logs / "junk.jsonl").write_text("not json\n")
    stricter = rich_playbook()
    stricter["steps"][4]["gate"]["approver"] = ["commander"]
    strict = write_playbook(tmp_path / "strict.yaml", stricter)
    junit = tmp_path / "rerun.xml"
    result = cli("rerun", logs, "--playbook", strict, "--junit", junit)
    assert result.exit_code == 1, result.output
    xml = JUnitXml.fromfile(str(junit))
    suites = list(xml) if isinstance(xml, JUnitXml) else [xml]
    cases = {case.name: case for suite in suites for case in suite}
    assert set(cases) == {"a.jsonl", "nested/b.jsonl", "junk.jsonl"}
    # The auto drill's commander approved, which the stricter gate still allows: only the console-like drill fails.
    assert (xml.tests, xml.failures, xml.errors) == (3, 1, 1)
    assert not cases["nested/b.jsonl"].result
    assert all(case.classname == "mini" for name, case in cases.items() if name != "junk.jsonl")
    failure = next(r for r in cases["a.jsonl"].result if isinstance(r, Failure))
    assert failure.message.startswith("REGRESSION: ") and "steward is not an approver" in failure.text
    error = next(r for r in cases["junk.jsonl"].result if isinstance(r, Error))
    assert "not a session log" in error.message
    assert "1 of 3 drills passed" in result.output


def test_a_folder_against_its_own_playbooks_passes(tmp_path):
    logs = tmp_path / "drills"
    record(logs, name="a.jsonl")
    record(logs, name="b.jsonl", auto=True)
    junit = tmp_path / "ok.xml"
    result = cli("rerun", logs, "--junit", junit)
    assert result.exit_code == 0, result.output
    xml = JUnitXml.fromfile(str(junit))
    assert (xml.tests, xml.failures, xml.errors) == (2, 0, 0)
    assert "2 of 2 drills passed" in result.output


def test_readme_ci_example_runs(tmp_path, monkeypatch):
    readme = (REPO / "README.md").read_text()
    block = re.search(r"<!-- rerun-ci -->\n```yaml\n(.*?)```", readme, re.S)
    assert block, "README lacks the rerun CI job"
    job = yaml.safe_load(block.group(1))
    steps = job["jobs"]["drills"]["steps"]
    command = next(s["run"] for s in steps if "drillconsole rerun" in s.get("run", ""))
    # The job's checkout: the bundled playbooks, and drills recorded from them under drills/.
    shutil.copytree(REPO / "playbooks", tmp_path / "playbooks")
    monkeypatch.chdir(tmp_path)
    assert cli("demo", "--headless", "--quiet", "--log-dir", "drills/fraud-scorer").exit_code == 0
    args = shlex.split(command)
    assert args[:2] == ["drillconsole", "rerun"]
    result = cli(*args[1:])
    assert result.exit_code == 0, result.output
    assert JUnitXml.fromfile(str(tmp_path / "rerun-junit.xml")).tests == 1


def test_script_writes_inputs_that_run_headless_reproduces(tmp_path):
    log = record(tmp_path / "logs")
    out = tmp_path / "inputs.yaml"
    result = cli("script", log, "-o", out)
    assert result.exit_code == 0 and "16 operator inputs written" in result.output
    entries = yaml.safe_load(out.read_text())
    assert entries[4] == {"at": 41.0, "role": "tech", "do": "run", "step": "flaky"}
    assert {
        "at": 60.0,
        "role": "tech",
        "do": "skip",
        "step": "flaky",
        "reason": "alias already moved by hand",
    } in entries
    playbook = write_playbook(tmp_path / "mini.yaml", rich_playbook())
    run = cli(
        "run", playbook, "--headless", "--virtual-clock", "--quiet", "--script", out, "--log-dir", tmp_path / "new"
    )
    assert run.exit_code == 0, run.output
    new_log = next((tmp_path / "new").glob("*.jsonl"))
    old, new = stripped(log), stripped(new_log)
    assert old[0]["data"]["playbook_hash"] == new[0]["data"]["playbook_hash"]
    assert old[1:] == new[1:]  # the same drill, event for event (session.started names another path)


def test_script_of_bad_input_is_one_line(tmp_path):
    bogus = tmp_path / "x.jsonl"
    bogus.write_text("{}\n")
    result = cli("script", bogus, "-o", tmp_path / "s.yaml")
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def _cadenced(days: str = "30d") -> dict:
    data = mini()
    data["drill"]["cadence"] = days
    return data


def test_status_lists_each_playbook_with_its_last_drill_and_due_or_overdue(tmp_path):
    logs = tmp_path / "logs"
    record_at(logs / "mini", "2026-01-01T09:00:00.000000Z", _cadenced(), "a.jsonl")
    record_at(logs / "mini", "2026-02-10T09:00:00.000000Z", _cadenced(), "b.jsonl")
    other = _cadenced("7d")
    other["drill"]["id"] = "weekly"
    record_at(logs / "weekly", "2026-02-01T09:00:00.000000Z", other, "c.jsonl")
    result = cli("status", logs, "--now", "2026-02-12T09:00:00Z")
    assert result.exit_code == 1, result.output  # weekly is overdue
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert lines["mini"].split()[1:4] == ["2", "2026-02-10", "09:00"]
    assert "restored" in lines["mini"] and "30d" in lines["mini"] and lines["mini"].endswith("due in 28d 0h")
    assert lines["weekly"].endswith("overdue by 4d 0h")
    soon = cli("status", logs, "--now", "2026-02-08T10:00:00Z")
    assert soon.exit_code == 1 and "overdue by 1h 0m" in soon.output
    fine = cli("status", logs / "mini", "--now", "2026-03-01T09:00:00Z")
    assert fine.exit_code == 0 and fine.output.splitlines()[1].endswith("due in 11d 0h")


def test_status_of_a_folder_without_logs_is_exit_2(tmp_path):
    result = cli("status", tmp_path)
    assert result.exit_code == 2 and "no session logs" in result.stderr


def test_trend_marks_intervals_that_broke_the_cadence(tmp_path):
    logs = tmp_path / "logs"
    for i, stamp in enumerate(["2026-01-01", "2026-01-20", "2026-03-01", "2026-03-20"]):
        record_at(logs, f"{stamp}T09:00:00.000000Z", _cadenced(), f"{i}.jsonl")
    data = json.loads(cli("trend", logs, "--format", "json").output)
    assert [d["cadence_broken"] for d in data["drills"]] == [None, False, True, False]
    md = cli("trend", logs).output
    assert md.count("broke the 30 d cadence") == 1 and "1 interval broke the playbook's cadence" in md
