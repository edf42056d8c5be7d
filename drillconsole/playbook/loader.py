"""Load a playbook from YAML, reporting every problem as `FILE:LINE: field.path: message`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from drillconsole.playbook import semantics
from drillconsole.playbook.models import Playbook
from drillconsole.playbook.schema import EXPECTED, error_message, show_value

Comp = str | int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a playbook, located by file, line and field path."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line or 1}: {where}{self.message}"


class PlaybookError(Exception):
    """A playbook that cannot be used; `problems` lists every reason, sorted by line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems) or [Problem("<playbook>", None, "", "invalid playbook")]
        super().__init__(str(self.problems[0]))

    def __str__(self) -> str:
        return str(self.problems[0])


class _Loader(yaml.SafeLoader):
    """SafeLoader reading only true/false as booleans, so keys like `on:` stay strings (YAML 1.2)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _format(comps: Iterable[Comp]) -> str:
    """Render components as `steps[2].gate.approver`."""
    out = ""
    for comp in comps:
        out += f"[{comp}]" if isinstance(comp, int) else (f".{comp}" if out else str(comp))
    return out


def _lookup(node: Node | None, key: Comp) -> tuple[Node, Node] | None:
    """The (key node, value node) of `key` in a mapping node; the last one wins, as in PyYAML."""
    if not isinstance(node, MappingNode):
        return None
    hits = [(k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(key)]
    return hits[-1] if hits else None


def _is_tag(comp: Comp, node: Node | None) -> bool:
    """Whether a location component is a union tag pydantic inserted, not a key of the input."""
    if not isinstance(comp, str):
        return False
    if "[" in comp:
        return True
    return any((hit := _lookup(node, d)) and hit[1].value == comp for d in ("type", "kind"))


def _walk(root: Node, loc: Iterable[Comp]) -> tuple[list[Comp], int, int | None, int]:
    """Follow a location through the YAML nodes.

    Returns the components that name input keys, the line of the deepest node
    found, how many components precede the first union-branch tag, and how deep
    the location goes past that tag.
    """
    node: Node | None = root
    kept: list[Comp] = []
    line, branch, depth = _line(root), None, 0
    for comp in loc:
        if branch is not None:
            depth += 1
        hit = _lookup(node, comp)
        if hit is not None:
            kept.append(comp)
            line, node = _line(hit[0]), hit[1]
        elif isinstance(node, SequenceNode) and isinstance(comp, int) and 0 <= comp < len(node.value):
            kept.append(comp)
            node = node.value[comp]
            line = _line(node)
        elif _is_tag(comp, node):
            if branch is None and comp != "[key]" and "[" in str(comp):
                branch = len(kept)
        elif isinstance(node, ScalarNode) and isinstance(comp, int):
            continue  # a single value the model turned into a one-item list
        else:
            kept.append(comp)
            node = None
    return kept, line, branch, depth


def _parse(path: str, root: Node) -> list[Comp]:
    """Split a field path into components, matching mapping keys (which may hold dots) against the nodes."""
    comps: list[Comp] = []
    node: Node | None = root
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
            keys = (
                sorted((k.value for k, _ in node.value if isinstance(k, ScalarNode)), key=len, reverse=True)
                if isinstance(node, MappingNode)
                else []
            )
            match = next((k for k in keys if rest.startswith(k) and rest[len(k) : len(k) + 1] in ("", ".", "[")), None)
            comp = match if match is not None else re.match(r"[^.\[]*", rest).group()  # type: ignore[union-attr]
            rest = rest[len(comp) or 1 :]
            hit = _lookup(node, comp)
            node = hit[1] if hit else None
        comps.append(comp)
    return comps


def _validation_problems(exc: ValidationError, root: Node, filename: str) -> list[Problem]:
    """Turn pydantic errors into located problems, folding the branches of plain unions together."""
    entries = []
    for err in exc.errors(include_url=False):
        extra, message = error_message(dict(err))
        loc = tuple(err["loc"]) + ((extra,) if extra else ())
        kept, line, branch, depth = _walk(root, loc)
        entries.append((kept, line, branch, depth, err, message))
    groups: dict[tuple[Comp, ...], list[int]] = {}
    for n, (kept, _, branch, _, _, _) in enumerate(entries):
        if branch is not None:
            groups.setdefault(tuple(kept[:branch]), []).append(n)
    problems: dict[int, Problem] = {}
    for n, (kept, line, _, _, _, message) in enumerate(entries):
        problems[n] = Problem(filename, line, _format(kept), message)
    for prefix, members in groups.items():
        deep = [n for n in members if entries[n][3] > 0]
        value = entries[members[0]][4].get("input")
        shaped = [n for n in members if entries[n][4]["type"] not in ("literal_error", *EXPECTED)]
        keep = deep or (shaped if isinstance(value, (dict, list)) else [])
        for n in members:
            if n not in keep:
                problems.pop(n)
        if not keep:
            alts = [
                str(e[4].get("ctx", {}).get("expected", "")) or f"{EXPECTED.get(e[4]['type'], e[5])}"
                for e in (entries[n] for n in members)
            ]
            text = f"expected {' or '.join(dict.fromkeys(alts))}, got {show_value(value)}"
            problems[members[0]] = Problem(filename, entries[members[0]][1], _format(prefix), text)
    return list(problems.values())


def _duplicate_keys(node: Node, path: list[Comp], filename: str, seen: set[int]) -> list[Problem]:
    """Problems for keys repeated within one mapping (PyYAML would silently keep the last)."""
    if id(node) in seen:
        return []
    seen.add(id(node))
    found: list[Problem] = []
    if isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name is not None and name in first and name != "<<":
                found.append(
                    Problem(
                        filename,
                        _line(key),
                        _format([*path, name]),
                        f"duplicate key '{name}' (first on line {first[name]})",
                    )
                )
            if name is not None:
                first.setdefault(name, _line(key))
            found += _duplicate_keys(value, [*path, name if name is not None else "?"], filename, seen)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, [*path, i], filename, seen)
    return found


def _compose(text: str, filename: str) -> tuple[Node, Any]:
    """Parse YAML text into its node tree and Python data, or raise PlaybookError."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark and mark is not exc.context_mark:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        line = mark.line + 1 if mark else None
        raise PlaybookError([Problem(filename, line, "", f"invalid YAML: {problem}")]) from exc
    except yaml.YAMLError as exc:
        raise PlaybookError([Problem(filename, None, "", f"invalid YAML: {' '.join(str(exc).split())}")]) from exc
    finally:
        loader.dispose()
    if root is None:
        message = "empty playbook (expected a mapping with drill, roles, signals, steps)"
        raise PlaybookError([Problem(filename, 1, "", message)])
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        message = f"the top level must be a mapping, not {show_value(data)}"
        raise PlaybookError([Problem(filename, _line(root), "", message)])
    return root, data


def _load(text: str, filename: str) -> Playbook:
    """Compose, validate and cross-check; raise PlaybookError listing every problem."""
    root, data = _compose(text, filename)
    problems = _duplicate_keys(root, [], filename, set())
    try:
        playbook: Playbook | None = Playbook.model_validate(data)
    except ValidationError as exc:
        playbook = None
        problems += _validation_problems(exc, root, filename)
    if playbook is not None:
        for path, message in semantics.check(playbook):
            kept, line, _, _ = _walk(root, _parse(path, root))
            problems.append(Problem(filename, line, _format(kept), message))
    if problems or playbook is None:
        raise PlaybookError(sorted(dict.fromkeys(problems), key=lambda p: p.line or 0))
    return playbook


def load_playbook_text(text: str, filename: str) -> Playbook:
    """Parse and validate playbook YAML text; `filename` is only used in problem lines."""
    try:
        return _load(text, filename)
    except PlaybookError:
        raise
    except Exception as exc:  # a bug must still reach the user as one located line
        raise PlaybookError([Problem(filename, None, "", f"internal error: {type(exc).__name__}: {exc}")]) from exc


def load_playbook(path: Path) -> Playbook:
    """Read, parse and validate a playbook file, or raise PlaybookError."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise PlaybookError([Problem(str(path), None, "", f"cannot read file: {exc.strerror or exc}")]) from exc
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        raise PlaybookError([Problem(str(path), None, "", f"cannot read file: {reason}")]) from exc
    return load_playbook_text(text, str(path))


def playbook_bytes_hash(path: Path) -> str:
    """Return the sha256 hex digest of a playbook file's bytes (the session log's seq-0 `prev`)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def validate_files(paths: Iterable[Path]) -> int:
    """Print `ok FILE` or every problem line for each file; return 0 if all are valid, else 2."""
    status = 0
    for path in paths:
        try:
            load_playbook(Path(path))
            print(f"ok {path}", flush=True)
        except PlaybookError as exc:
            status = 2
            for problem in exc.problems:
                print(problem, flush=True)
        except Exception as exc:  # never a traceback: the user still gets a line
            status = 2
            print(Problem(str(path), None, "", f"internal error: {type(exc).__name__}: {exc}"), flush=True)
    return status
