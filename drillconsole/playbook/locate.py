"""Where a field path lies in the YAML: its line, and the path written as the input spells it.

Every lookup goes through a per-mapping index built once, so locating N problems
in a playbook of N nodes stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from drillconsole.playbook.problems import Problem
from drillconsole.playbook.schema import EXPECTED, error_message, show_value

Comp = str | int


def line_of(node: Node) -> int:
    """The 1-based line where a node starts."""
    return node.start_mark.line + 1


def format_path(comps: Iterable[Comp]) -> str:
    """Render components as `steps[2].gate.approver`."""
    out = ""
    for comp in comps:
        out += f"[{comp}]" if isinstance(comp, int) else (f".{comp}" if out else str(comp))
    return out


class Locator:
    """Finds lines and input-spelled paths in one composed YAML document."""

    def __init__(self, root: Node, filename: str) -> None:
        self.root, self.filename = root, filename
        self._index: dict[int, dict[str, tuple[Node, Node]]] = {}

    def lookup(self, node: Node | None, key: Comp) -> tuple[Node, Node] | None:
        """The (key node, value node) of `key` in a mapping node; the last one wins, as in PyYAML."""
        if not isinstance(node, MappingNode):
            return None
        index = self._index.get(id(node))
        if index is None:
            index = {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}
            self._index[id(node)] = index
        return index.get(str(key))

    def _is_tag(self, comp: Comp, node: Node | None) -> bool:
        """Whether a location component is a union tag pydantic inserted, not a key of the input."""
        if not isinstance(comp, str):
            return False
        if "[" in comp:
            return True
        return any((hit := self.lookup(node, d)) and hit[1].value == comp for d in ("type", "kind"))

    def walk(self, loc: Iterable[Comp]) -> tuple[list[Comp], int, int | None, int]:
        """Follow a location through the nodes.

        Returns the components that name input keys, the line of the deepest node
        found, how many components precede the first union-branch tag, and how deep
        the location goes past that tag.
        """
        node: Node | None = self.root
        kept: list[Comp] = []
        line, branch, depth = line_of(self.root), None, 0
        for comp in loc:
            if branch is not None:
                depth += 1
            hit = self.lookup(node, comp)
            if hit is not None:
                kept.append(comp)
                line, node = line_of(hit[0]), hit[1]
            elif isinstance(node, SequenceNode) and isinstance(comp, int) and 0 <= comp < len(node.value):
                kept.append(comp)
                node = node.value[comp]
                line = line_of(node)
            elif self._is_tag(comp, node):
                if branch is None and comp != "[key]" and "[" in str(comp):
                    branch = len(kept)
            elif isinstance(node, ScalarNode) and isinstance(comp, int):
                continue  # a single value the model turned into a one-item list
            else:
                kept.append(comp)
                node = None
        return kept, line, branch, depth

    def parse(self, path: str) -> list[Comp]:
        """Split a field path into components, matching mapping keys (which may hold dots) against the nodes."""
        comps: list[Comp] = []
        node: Node | None = self.root
        rest = path
        while rest:
            index = re.match(r"\[(\d+)\]", rest)
            if index:
                position = int(index.group(1))
                comp: Comp = position
                rest = rest[index.end() :]
                seq = node.value if isinstance(node, SequenceNode) else []
                node = seq[position] if position < len(seq) else None
            else:
                rest = rest.removeprefix(".")
                # The longest key of this mapping that the path starts with (a key may hold dots).
                ends = [m.start() for m in re.finditer(r"[.\[]", rest)] + [len(rest)]
                match = next((rest[:e] for e in reversed(ends) if self.lookup(node, rest[:e]) is not None), None)
                comp = match if match is not None else re.match(r"[^.\[]*", rest).group()  # type: ignore[union-attr]
                rest = rest[len(comp) or 1 :]
                hit = self.lookup(node, comp)
                node = hit[1] if hit else None
            comps.append(comp)
        return comps

    def problem(self, path: str, message: str) -> Problem:
        """A problem at a field path of the model, located in the input."""
        kept, line, _, _ = self.walk(self.parse(path))
        return Problem(self.filename, line, format_path(kept), message)

    def validation_problems(self, exc: ValidationError) -> list[Problem]:
        """Turn pydantic errors into located problems, folding the branches of plain unions together."""
        entries = []
        for err in exc.errors(include_url=False):
            extra, message = error_message(dict(err))
            loc = tuple(err["loc"]) + ((extra,) if extra else ())
            kept, line, branch, depth = self.walk(loc)
            entries.append((kept, line, branch, depth, err, message))
        groups: dict[tuple[Comp, ...], list[int]] = {}
        for n, (kept, _, branch, _, _, _) in enumerate(entries):
            if branch is not None:
                groups.setdefault(tuple(kept[:branch]), []).append(n)
        problems: dict[int, Problem] = {}
        for n, (kept, line, _, _, _, message) in enumerate(entries):
            problems[n] = Problem(self.filename, line, format_path(kept), message)
        for prefix, members in groups.items():
            deep = [n for n in members if entries[n][3] > 0]
            value = entries[members[0]][4].get("input")
            shaped = [n for n in members if entries[n][4]["type"] not in ("literal_error", *EXPECTED)]
            keep = set(deep or (shaped if isinstance(value, (dict, list)) else []))
            for n in members:
                if n not in keep:
                    problems.pop(n)
            if not keep:
                alts = [
                    str(e[4].get("ctx", {}).get("expected", "")) or f"{EXPECTED.get(e[4]['type'], e[5])}"
                    for e in (entries[n] for n in members)
                ]
                text = f"expected {' or '.join(dict.fromkeys(alts))}, got {show_value(value)}"
                problems[members[0]] = Problem(self.filename, entries[members[0]][1], format_path(prefix), text)
        return list(problems.values())

    def duplicate_keys(self) -> list[Problem]:
        """Problems for keys repeated within one mapping (PyYAML would silently keep the last)."""
        found: list[Problem] = []
        seen: set[int] = set()
        # An explicit stack: depth is capped when composing, but a walk need not rely on it.
        stack: list[tuple[Node, tuple[Comp, ...]]] = [(self.root, ())]
        while stack:
            node, path = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, MappingNode):
                first: dict[str, int] = {}
                for key, value in node.value:
                    name = key.value if isinstance(key, ScalarNode) else None
                    if name is not None and name in first and name != "<<":
                        message = f"duplicate key {show_value(name)} (first on line {first[name]})"
                        found.append(Problem(self.filename, line_of(key), format_path([*path, name]), message))
                    if name is not None:
                        first.setdefault(name, line_of(key))
                    stack.append((value, (*path, name if name is not None else "?")))
            elif isinstance(node, SequenceNode):
                stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
        return found
