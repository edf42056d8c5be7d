"""What every benchmark suite shares."""

from __future__ import annotations

import compileall
import importlib.util
import time
from collections.abc import Callable
from typing import Any


def compile_installed() -> None:
    """Compile drillconsole's modules where they are installed, as `pip install` does by default.

    With PYTHONDONTWRITEBYTECODE set (as on this machine) neither pip nor Python writes
    bytecode, so every command would compile the whole package from source while the
    yardsticks (Textual, numpy) run from the bytecode their install wrote. Compiling first
    compares an installed app with installed libraries.
    """
    spec = importlib.util.find_spec("drillconsole")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        compileall.compile_dir(folder, quiet=1)


def best_of(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """The best wall time of `repeat` calls of `fn`, and the last call's result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result
