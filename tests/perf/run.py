"""Run every benchmark and print one table: `python tests/perf/run.py [--only NAME]`."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

SUITES = [
    "engine_bench",
    "report_bench",
    "replay_bench",
    "ui_bench",
    "sources_bench",
    "scale_bench",
    "rerun_bench",
    "playbook_bench",
    "team_bench",
    "audit_bench",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=SUITES, action="append", help="run only these suites")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    for name in args.only or SUITES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            print(f"(skipping {name}: not present)", file=sys.stderr)
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += module.rows()
    width = max(len(r[0]) for r in rows)
    print(f"| {'benchmark':<{width}} | measured | goal |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, measured, goal in rows:
        print(f"| {name:<{width}} | {measured} | {goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
