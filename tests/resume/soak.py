"""The long crash-resume soak: SIGKILL real-clock demo drills at N random moments, resume each, compare outcomes.

    python tests/resume/soak.py [N] [SEED]

Prints one line per kill and a summary; exits 1 if any resumed drill ended differently from the uninterrupted
one (restored) or any logged event was lost or changed.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_crash_resume import _kill_and_resume


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    bad = inside = 0
    for i in range(n):
        after_s = round(rng.uniform(0.1, 7.2), 2)  # the demo lasts ~7.4 s of wall time at 25x
        with tempfile.TemporaryDirectory() as tmp:
            code, before, after = _kill_and_resume(Path(tmp), after_s)
        killed_at = before[-1].t if before else 0.0
        if any(e.type == "session.ended" for e in before):  # the drill had finished before the kill landed
            print(f"kill {i + 1:3d}: after {after_s:5.2f}s -> the drill had already ended; not an interruption")
            continue
        inside += 1
        ended = next((e.data.get("outcome") for e in reversed(after) if e.type == "session.ended"), None)
        same_prefix = after[: len(before)] == before
        ok = code == 0 and ended == "restored" and same_prefix
        bad += not ok
        print(
            f"kill {i + 1:3d}: after {after_s:5.2f}s (drill T+{killed_at:6.1f}) -> {ended} {'ok' if ok else 'DIFFERENT'}"
        )
    print(
        f"{inside - bad}/{inside} kills inside the drill resumed to the uninterrupted outcome with every logged event"
        f" kept ({n - inside} landed after the drill had ended)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
