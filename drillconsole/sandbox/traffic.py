"""Synthetic traffic: a background thread scores a labelled probe stream and keeps precision current."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable

from drillconsole.sandbox.model import Outcome, probe

RATE = 200.0
"""Probe requests per second (scored in-process: cheap, and enough for a steady precision)."""
WINDOW = 5.0
"""Seconds of probes the precision gauge covers."""
TICK = 0.05


class ProbeTraffic:
    """Scores `rate` probes a second through `serve` and publishes precision over the last `window` seconds."""

    def __init__(
        self,
        serve: Callable[[list[float], random.Random], Outcome],
        publish: Callable[[float], None],
        rate: float = RATE,
        window: float = WINDOW,
        seed: int = 7,
    ) -> None:
        self._serve = serve
        self._publish = publish
        self._rate = rate
        self._window = window
        self._rng = random.Random(seed)
        self._scored: deque[tuple[float, bool, bool]] = deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-probes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)

    def precision(self, now: float) -> float:
        """TP / (TP + FP) over the window; NaN when the model predicted no positive in it."""
        while self._scored and self._scored[0][0] < now - self._window:
            self._scored.popleft()
        predicted = [label for _, positive, label in self._scored if positive]
        return sum(predicted) / len(predicted) if predicted else float("nan")

    def _run(self) -> None:
        owed, last, published = 0.0, time.monotonic(), 0.0
        while not self._stop.wait(TICK):
            now = time.monotonic()
            owed += (now - last) * self._rate
            last = now
            while owed >= 1.0:
                owed -= 1.0
                features, label = probe(self._rng)
                outcome = self._serve(features, self._rng)
                if outcome.score is not None:
                    self._scored.append((now, outcome.positive, label))
            if now - published >= 0.5:
                published = now
                self._publish(self.precision(now))
