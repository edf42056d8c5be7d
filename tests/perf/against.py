"""The rows that must not get slower, for another commit and this checkout, interleaved: `python tests/perf/against.py REV`.

Each commit runs its own benchmark code on logs made by its own engine, from a
worktree of REV under the temp dir; the two alternate, so both see the same
machine load, and each row gives the median and the best over the rounds
(`--rounds`, default 5; on a noisy machine take more).
This is how a redesign is held to "no row more than 10% worse than before".
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from ui_bench import BARE_APP, frames  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "drillconsole-bench"

TREND = """
import sys, time; sys.path.insert(0, 'tests/perf')
import report_bench
from drillconsole.report.trend import build_trend
logs = report_bench.trend_logs()
build_trend([logs])
best = float('inf')
for _ in range(3):
    start = time.perf_counter(); build_trend([logs]); best = min(best, time.perf_counter() - start)
print(best)
"""

BIG_LOG = """
import sys; sys.path.insert(0, 'tests/perf')
import report_bench
print(report_bench.big_log())
"""

REPLAY = """
import sys, tempfile; sys.path.insert(0, 'tests/perf')
from pathlib import Path
import replay_bench
m = replay_bench.measure(replay_bench.one_hour_log(Path(tempfile.mkdtemp())))
print(m['seek_p95'], m['play_max'])
"""


class Commit:
    """One side of the comparison: a checkout, its own cache, and how to run Python in it."""

    def __init__(self, name: str, root: Path) -> None:
        self.name, self.root = name, root
        self.env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYTHONPATH": str(root), "TMPDIR": ""}
        cache = CACHE / "against" / name
        cache.mkdir(parents=True, exist_ok=True)
        self.env["TMPDIR"] = str(cache)
        # As installed: a wheel's modules are compiled at install time, so no run pays for compiling them.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "drillconsole")], check=True)

    def python(self, code: str) -> str:
        """The last line `code` prints, run in this commit."""
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=self.root, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{self.name}: {done.stderr.strip().splitlines()[-1]}")
        return done.stdout.strip().splitlines()[-1]

    def reports_broken_logs(self) -> bool:
        """Whether this commit's `report` has `--allow-broken` (a fake-hash log needs it where it exists)."""
        done = subprocess.run(
            [sys.executable, "-m", "drillconsole", "report", "--help"],
            cwd=self.root,  # `-m` puts the working directory first on the path
            env=self.env,
            capture_output=True,
            text=True,
        )
        return "--allow-broken" in done.stdout

    def cli_seconds(self, *args: str) -> float:
        """Wall seconds of one `drillconsole` command in this commit."""
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "drillconsole", *args], cwd=self.root, env=self.env, capture_output=True, check=False
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{self.name}: drillconsole {' '.join(args)}: exit {done.returncode}")
        return time.perf_counter() - start

    def main_screen(self, log_dir: str) -> float:
        """Seconds from process start to the first frame showing the console's signal panels."""
        argv = [sys.executable, "-m", "drillconsole", "demo", "--log-dir", log_dir]
        saved = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = str(self.root)  # the pty child inherits this process's environment
        try:
            return frames(argv, [b"Signals"], str(self.root))[0]
        finally:
            if saved is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved


def worktree(rev: str) -> Path:
    """A detached worktree of `rev` under the temp dir (made once)."""
    sha = subprocess.run(["git", "rev-parse", rev], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    path = CACHE / "against" / f"tree-{sha[:12]}"
    if not path.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), sha], cwd=REPO, capture_output=True, check=True
        )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rev", help="the commit to compare with (for example the one before a redesign)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    before, now = Commit(args.rev, worktree(args.rev)), Commit("now", REPO)
    bare_app = Path(tempfile.mkdtemp()) / "bare.py"
    bare_app.write_text(BARE_APP)
    logs = tempfile.mkdtemp()
    big = {c.name: c.python(BIG_LOG) for c in (before, now)}
    broken = {c.name: ["--allow-broken"] if c.reports_broken_logs() else [] for c in (before, now)}
    rows: dict[str, Callable[[Commit], float]] = {
        "console main screen up (s)": lambda c: c.main_screen(logs),
        "report --format json, 1M events, CLI (s)": lambda c: c.cli_seconds(
            "report", big[c.name], *broken[c.name], "--format", "json", "-o", str(Path(logs) / "r.json")
        ),
        "trend over 1,000 demo logs, in process (s)": lambda c: float(c.python(TREND)),
    }
    measured: dict[str, dict[str, list[float]]] = {row: {before.name: [], now.name: []} for row in rows}
    measured["bare Textual app first frame (s)"] = {before.name: [], now.name: []}
    replay: dict[str, list[tuple[float, float]]] = {before.name: [], now.name: []}
    for _ in range(args.rounds):
        for commit in (before, now):
            measured["bare Textual app first frame (s)"][commit.name] += frames(
                [sys.executable, str(bare_app)], [b"BARE-READY"], str(bare_app.parent)
            )
            for row, measure in rows.items():
                measured[row][commit.name].append(measure(commit))
    for _ in range(min(args.rounds, 3)):
        for commit in (before, now):
            p95, top = (float(x) for x in commit.python(REPLAY).split())
            replay[commit.name].append((p95, top))
    print(f"| row | {before.name}: median (best) | {now.name}: median (best) | ratio of medians (of bests) |")
    print("|---|---|---|---|")
    for row, sides in measured.items():
        a, b = statistics.median(sides[before.name]), statistics.median(sides[now.name])
        a_min, b_min = min(sides[before.name]), min(sides[now.name])
        print(f"| {row} | {a:.3f} ({a_min:.3f}) | {b:.3f} ({b_min:.3f}) | {b / a:.2f} ({b_min / a_min:.2f}) |")
    for label, index in (("replay seek p95 (ms)", 0), ("replay peek max during 60x playback (ms)", 1)):
        a = statistics.median(x[index] for x in replay[before.name])
        b = statistics.median(x[index] for x in replay[now.name])
        print(f"| {label} | {a:.1f} | {b:.1f} | {b / a:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
