"""The shape of the package: one event contract, no import cycles, generated reference docs that are fresh."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

from drillconsole.log.contract import EventType
from drillconsole.log.reference import events_markdown

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "drillconsole"


def test_no_event_type_string_outside_the_contract() -> None:
    names = {t.value for t in EventType}
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "contract.py" and path.parent.name == "log":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert found == [], "event types must come from drillconsole.log.contract.EventType:\n" + "\n".join(found)


def _cycles() -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan) over the imports that run (type-only imports included: a cycle through `if TYPE_CHECKING` is still a cycle)."""
    graph = grimp.build_graph("drillconsole", exclude_type_checking_imports=False)
    modules = sorted(m for m in graph.modules if m.startswith("drillconsole"))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if not w.startswith("drillconsole"):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycles_anywhere_in_the_package() -> None:
    assert _cycles() == []


def test_the_events_reference_is_generated_and_fresh() -> None:
    written = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert written == events_markdown(), (
        "docs/events.md is stale: python -m drillconsole.log.reference > docs/events.md"
    )
    for event_type in EventType:
        assert f"## `{event_type}`" in written


def test_the_layering_contracts_hold() -> None:
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
