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


WIDTH = 64
"""Width of the benchmark column (rows are printed as each suite finishes, so it is fixed)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=SUITES, action="append", help="run only these suites")
    args = parser.parse_args()
    from benchkit import compile_installed

    compile_installed()  # every command runs from bytecode, as an installed app does (benchkit.py says why)
    failed = 0
    header = False
    for name in args.only or SUITES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            print(f"(skipping {name}: not present)", file=sys.stderr)
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows: list[tuple[str, str, str]] = module.rows()
        except Exception as exc:  # one broken suite must not lose the others' rows
            failed += 1
            rows = [(f"{name}: FAILED", f"{type(exc).__name__}: {exc}".splitlines()[0][:120], "")]
        if not header:  # each suite's rows as soon as it finishes: a long run cut short keeps what it measured
            print(f"| {'benchmark':<{WIDTH}} | measured | goal |")
            print(f"|{'-' * (WIDTH + 2)}|---|---|")
            header = True
        for row_name, measured, goal in rows:
            print(f"| {row_name:<{WIDTH}} | {measured} | {goal} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
