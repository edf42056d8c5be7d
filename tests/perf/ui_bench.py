"""Console benchmarks: startup against bare Textual, CPU under 50 signals at 2 Hz, key-to-screen latency.

Each measurement runs the real `drillconsole` command in a pseudo-terminal of
120×36 and reads what it writes, as a terminal would. `rows()` is what
tests/perf/run.py imports; `python tests/perf/ui_bench.py` prints the table.

The console's first frame is its main screen with the drill's header and signal
panels, drawn from the playbook's outline before the playbook is validated (its
header says "loading playbook…"); the other regions fill in once the drill is
prepared. Three times are reported, as ratios to a bare Textual app's first
frame measured in the same run: the first frame, the first frame that shows the
signal panels, and the drill ready (its step list on screen).
"""

from __future__ import annotations

import fcntl
import os
import pty
import random
import signal
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
COLUMNS, LINES = 120, 36
BARE_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Static('BARE-READY')\n"
    "Bare().run()\n"
)


class Terminal:
    """A command running in a pty, with everything it writes collected by a reader thread."""

    def __init__(self, argv: list[str], cwd: str) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the command
            # Size the terminal before the command starts: set from the parent, a resize can land before the
            # command listens for SIGWINCH, and the app then draws into a 0×0 terminal and never shows the marker.
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
            os.chdir(cwd)
            env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(LINES)}
            env.pop("TEXTUAL", None)
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.output = bytearray()
        self._lock = threading.Lock()
        self._grew = threading.Condition(self._lock)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._grew:
                self.output += chunk
                self._grew.notify_all()

    def wait_for(self, marker: bytes, start: int = 0, timeout: float = 30.0) -> float:
        """Seconds (perf_counter) at which `marker` appeared after byte `start`."""
        deadline = time.perf_counter() + timeout
        with self._grew:
            while marker not in self.output[start:]:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"{marker!r} never appeared")
                self._grew.wait(left)
            return time.perf_counter()

    @property
    def size(self) -> int:
        with self._lock:
            return len(self.output)

    def press(self, key: bytes) -> None:
        os.write(self.fd, key)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def frames(argv: list[str], markers: list[bytes], cwd: str) -> list[float]:
    """Seconds from process start to the first frame showing each marker, in order."""
    term = Terminal(argv, cwd)
    try:
        return [term.wait_for(marker) - term.started for marker in markers]
    finally:
        term.close()


FIRST_STEP = b"Confirm steady state"
"""The demo's first step, in the step list: on screen once the drill is prepared and the regions are mounted."""


@dataclass(frozen=True)
class Startup:
    """Median seconds from process start: the console's first frame, its signal panels, the drill ready; a bare app."""

    first: float
    panels: float
    ready: float
    bare: float


def startup_ratio(runs: int = 7) -> Startup:
    """Median times of the console's start-up frames and of a bare Textual app's first frame, interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        first, panels, ready, plain = [], [], [], []
        markers = [b"loading playbook", b"Signals", FIRST_STEP]
        for _ in range(runs):  # interleaved, so both see the same machine load
            plain += frames([sys.executable, str(bare)], [b"BARE-READY"], tmp)
            f, p, r = frames([str(BIN / "drillconsole"), "demo", "--log-dir", tmp], markers, tmp)
            first.append(f)
            panels.append(p)
            ready.append(r)
    median = statistics.median
    return Startup(median(first), median(panels), median(ready), median(plain))


def many_signals_playbook(directory: Path, signals: int = 50, interval: str = "500ms") -> Path:
    """A simulated playbook with `signals` signals polled every `interval` (2 Hz by default)."""
    lines = [
        "drill: {id: bench, title: Fifty signals at 2 Hz, model: bench-model, seed: 7,",
        "        versions: {suspect: '2', known_safe: '1'}, time_limit: 1h}",
        "roles:",
        "  commander: {title: Incident commander, authority: [declare_rollback, approve_gate, end_drill],",
        "              checklist: [{id: look, text: Look at the panels, phase: baseline, within: 10m}]}",
        "targets: {registry: {type: registry, kind: simulated}}",
        "signals:",
    ]
    for n in range(signals):
        lines.append(f"  - {{id: s{n:02d}, title: Signal {n:02d}, unit: ms, precision: 1, interval: {interval},")
        lines.append(
            f"     source: {{kind: simulated, baseline: {100 + n}, noise: 3}}, bands: {{warn: {{above: 400}}}}}}"
        )
    lines += [
        "steps:",
        "  - {id: look, title: Look around, phase: baseline, owner: commander, kind: manual}",
    ]
    path = directory / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def under_load(seconds: float = 10.0, presses: int = 80) -> tuple[float, float, float]:
    """CPU share of one core over `seconds`, then p50 and p95 key-to-screen latency, with 50 signals at 2 Hz.

    Presses come at random gaps (seeded) so they land at every phase of the
    console's 4 Hz refresh instead of in step with it.
    """
    from drillconsole.drill.wording import KINDS

    with tempfile.TemporaryDirectory() as tmp:
        playbook = many_signals_playbook(Path(tmp))
        term = Terminal([str(BIN / "drillconsole"), "run", str(playbook), "--log-dir", tmp], tmp)
        try:
            term.wait_for(b"Signals")
            time.sleep(2.0)
            cpu0, wall0 = term.cpu_seconds(), time.perf_counter()
            time.sleep(seconds)
            cpu = (term.cpu_seconds() - cpu0) / (time.perf_counter() - wall0)
            latencies = []
            gaps = random.Random(3)
            for n in range(presses):
                kind = KINDS[n % len(KINDS)]
                start = term.size
                sent = time.perf_counter()
                term.press(b"k")
                latencies.append(term.wait_for(f"kind: {kind}".encode(), start, timeout=5.0) - sent)
                if kind == KINDS[-1]:
                    term.press(b"k")  # back to "all" so the cycle starts again
                    term.wait_for(b"kind: all", term.size - 1 if term.size else 0, timeout=5.0)
                time.sleep(gaps.uniform(0.05, 0.3))
        finally:
            term.close()
    return cpu, statistics.median(latencies), statistics.quantiles(latencies, n=20)[-1]


def rows() -> list[tuple[str, str, str]]:
    """(name, measured, goal) for each console benchmark."""
    up = startup_ratio()
    cpu, p50, p95 = under_load()
    return [
        (
            "console first frame vs bare Textual",
            f"{up.first / up.bare:.2f}× ({up.first:.2f}s vs {up.bare:.2f}s)",
            "≤ 1.5×",
        ),
        (
            "console main screen up (signal panels shown) vs bare Textual",
            f"{up.panels / up.bare:.2f}× ({up.panels:.2f}s)",
            "≤ 2×",
        ),
        (
            "  drill ready (validated, prepared, step list shown) vs bare",
            f"{up.ready / up.bare:.2f}× ({up.ready:.2f}s)",
            "",
        ),
        ("console CPU, 50 signals at 2 Hz", f"{cpu:.0%} of one core", "≤ 30%"),
        (
            "key press to screen updated, p95 under that load",
            f"{p95 * 1000:.0f} ms (p50 {p50 * 1000:.0f} ms)",
            "≤ 50 ms",
        ),
    ]


if __name__ == "__main__":
    for name, measured, goal in rows():
        print(f"{name:<50} {measured:<28} goal {goal}")
