"""Every session log of a folder as one test case, and the JUnit XML a CI system reads."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

from drillconsole.rerun.check import CaseResult, Options, check_log
from drillconsole.rerun.run import RerunError


def find_logs(folder: Path) -> list[Path]:
    """Session logs under `folder` (`*.jsonl`, recursively, in name order); the re-run logs of `--keep` excluded."""
    return sorted(p for p in Path(folder).rglob("*.jsonl") if p.is_file() and not p.stem.endswith("-rerun"))


def run_suite(folder: Path, options: Options) -> list[CaseResult]:
    """Re-run every log of `folder`; a log that cannot be re-run is an error case, not the end of the suite."""
    results = []
    for log in find_logs(folder):
        started = time.perf_counter()
        try:
            results.append(check_log(log, options, single=False))
        except RerunError as exc:
            results.append(CaseResult(log, "unreadable", [], [], str(exc), time.perf_counter() - started))
    return results


def junit_xml(results: list[CaseResult], folder: Path) -> bytes:
    """The results as JUnit XML: one `testsuite`, one `testcase` per log (failure: regression; error: bad input)."""
    failures = sum(1 for r in results if r.error is None and r.findings)
    errors = sum(1 for r in results if r.error is not None)
    total = f"{sum(r.seconds for r in results):.3f}"
    counts = {"tests": str(len(results)), "failures": str(failures), "errors": str(errors), "time": total}
    root = ET.Element("testsuites", {"name": "drillconsole rerun", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": f"drills in {folder}", **counts, "skipped": "0"})
    for r in results:
        name = str(r.log.relative_to(folder)) if r.log.is_relative_to(folder) else str(r.log)
        case = ET.SubElement(suite, "testcase", {"classname": r.drill, "name": name, "time": f"{r.seconds:.3f}"})
        if r.error is not None:
            ET.SubElement(case, "error", {"message": r.error, "type": "bad input"}).text = r.error
        elif r.findings:
            failure = ET.SubElement(case, "failure", {"message": r.verdict(), "type": "regression"})
            failure.text = "\n".join(r.lines)
        if r.lines:
            ET.SubElement(case, "system-out").text = "\n".join(r.lines)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
