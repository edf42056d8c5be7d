"""The garbage collector around a command's start-up: off while it builds, then what it built is frozen.

Start-up (imports, playbook models, the engine, a replay's events, widgets)
builds many long-lived objects and little garbage, and every collection on the
way walks all of them. So the collector is off until start-up is done; then
`settle_garbage_collector` collects once, freezes what is left (later full
collections skip it: not a ~35 ms pause on a key press or a playback frame) and
turns the collector back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a command with the collector off until it settles (and on again when the command returns, whatever happens)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def settle_garbage_collector() -> None:
    """End of start-up: collect its garbage, freeze what it built and turn the collector (back) on."""
    gc.collect()
    gc.freeze()
    gc.enable()
