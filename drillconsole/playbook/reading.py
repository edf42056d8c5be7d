"""Read a playbook file and compose its YAML within limits, so no input can exhaust the machine.

- only regular files (a FIFO would block, `/dev/zero` would never end), checked with `stat` before opening;
- a size limit (1 MiB by default), enforced on the bytes actually read;
- nesting at most 64 levels deep (the composer recurses per level);
- at most 100 aliases, none to a collection that itself holds an alias, and at most
  10,000 nodes copied through aliases in all (a billion-laughs bomb stays tiny);
- numbers finite and within ±1e15 (`.nan`, `.inf`, `1e999` are refused); integers of at most 30 digits.

The YAML is parsed by libyaml when present (the C parser, about 5× faster) and
composed by PyYAML's Python composer, which is where the limits are enforced.
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import Node, ScalarNode
from yaml.resolver import Resolver

from drillconsole.playbook.problems import PlaybookError, Problem

MAX_SIZE = 1024 * 1024
"""Default largest playbook, in bytes (raise it with `max_size=`)."""
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_ALIAS_NODES = 10_000
MAX_NUMBER = 1e15
MAX_DIGITS = 30

_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
_NUMBERS = frozenset({_FLOAT, _INT})
_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class InputLimit(yaml.YAMLError):
    """The YAML goes beyond a limit; `line` is where."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def read_bytes(path: Path, max_size: int | None = MAX_SIZE) -> bytes:
    """The file's bytes, or PlaybookError (one line) for a non-regular, unreadable or too large file."""
    name = str(path)

    def refuse(message: str) -> PlaybookError:
        return PlaybookError([Problem(name, None, "", message)])

    try:
        info = os.stat(path)
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise refuse("cannot read file: Is a directory")
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "special file")
        raise refuse(f"cannot read file: {kind}, not a regular file")
    if max_size is not None and info.st_size > max_size:
        raise refuse(
            f"file is {_size(info.st_size)}, larger than the {_size(max_size)} limit (raise it with --max-size)"
        )
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening must not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise refuse("cannot read file: not a regular file")
        data = handle.read(-1 if max_size is None else max_size + 1)
    if max_size is not None and len(data) > max_size:
        raise refuse(f"file is larger than the {_size(max_size)} limit (raise it with --max-size)")
    return data


class _LimitedComposer(Composer):
    """PyYAML's composer, counting depth, aliases and the nodes aliases copy."""

    def _start_limits(self) -> None:
        self._depth = 0
        self._nodes = 0
        self._aliases = 0
        self._copied = 0
        self._sizes: dict[int, int] = {}
        self._holds_alias: set[int] = set()

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        # PyYAML's Composer.compose_node with the limits folded in (one pass over the events, no extra calls).
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            return self._alias(self.get_event())
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self.anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise InputLimit(event.start_mark.line + 1, f"nested deeper than {MAX_DEPTH} levels")
        nodes, aliases = self._nodes, self._aliases
        self._nodes += 1
        self.descend_resolver(parent, index)
        node: Node
        if isinstance(event, ScalarEvent):
            node = self.compose_scalar_node(anchor)
            if node.tag in _NUMBERS:
                self._check_number(node, event.start_mark.line + 1)
        elif isinstance(event, SequenceStartEvent):
            node = self.compose_sequence_node(anchor)
        else:
            node = self.compose_mapping_node(anchor)
        self.ascend_resolver()
        self._depth -= 1
        if anchor is not None and not isinstance(node, ScalarNode):
            self._sizes[id(node)] = self._nodes - nodes
            if self._aliases != aliases:
                self._holds_alias.add(id(node))
        return node

    def _alias(self, event: AliasEvent) -> Node:
        line = event.start_mark.line + 1
        if event.anchor not in self.anchors:
            raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)  # type: ignore[arg-type]
        node = self.anchors[event.anchor]
        self._aliases += 1
        if self._aliases > MAX_ALIASES:
            raise InputLimit(line, f"more than {MAX_ALIASES} YAML aliases")
        if id(node) in self._holds_alias:
            raise InputLimit(line, f"alias *{event.anchor} names a collection that holds aliases (alias bomb)")
        self._copied += self._sizes.get(id(node), 1)
        if self._copied > MAX_ALIAS_NODES:
            raise InputLimit(line, f"YAML aliases copy more than {MAX_ALIAS_NODES:,} nodes")
        return node

    def _check_number(self, node: ScalarNode, line: int) -> None:
        if node.tag == _FLOAT:
            value = SafeConstructor.construct_yaml_float(self, node)  # type: ignore[arg-type]
            if not math.isfinite(value):
                raise InputLimit(line, f"{node.value!r} is not a finite number")
            if abs(value) > MAX_NUMBER:
                raise InputLimit(line, f"number {node.value!r} is out of range (at most ±1e15)")
        elif node.tag == _INT and len(re.sub(r"[^0-9a-fA-F]", "", node.value)) > MAX_DIGITS:
            raise InputLimit(line, f"integer of more than {MAX_DIGITS} digits is out of range")


class _PurePythonLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _LimitedComposer, SafeConstructor, Resolver
):
    """Limited safe loading on PyYAML's own parser, whose syntax-error messages are the clearer ones."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _LimitedComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._start_limits()


SafeLoader: type = _PurePythonLoader
"""The loader used first: libyaml's parser with the limited Python composer when libyaml is there."""

if yaml.__with_libyaml__:

    class _FastLoader(yaml.cyaml.CParser, _LimitedComposer, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's parser (about 5x faster) feeding the limited Python composer."""

        def __init__(self, text: str) -> None:
            yaml.cyaml.CParser.__init__(self, text)
            _LimitedComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start_limits()

        # The C parser brings its own composer, recursive and unlimited: use the Python one.
        get_single_node = Composer.get_single_node
        compose_document = Composer.compose_document
        check_node = Composer.check_node
        get_node = Composer.get_node
        compose_node = _LimitedComposer.compose_node

    SafeLoader = _FastLoader

# Only true/false are booleans, so keys like `on:` stay strings (YAML 1.2).
_BOOL = "tag:yaml.org,2002:bool"
for _loader in {SafeLoader, _PurePythonLoader}:
    _loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def compose(text: str, filename: str) -> tuple[Node | None, Any]:
    """Parse YAML text into its node tree and Python data, or raise PlaybookError (one located line)."""
    try:
        return _compose(SafeLoader, text, filename)
    except PlaybookError as fast:
        if SafeLoader is _PurePythonLoader or not fast.syntax:
            raise
    # A syntax error: PyYAML's parser says what is wrong in plainer words than libyaml's; ask it.
    try:
        return _compose(_PurePythonLoader, text, filename)
    except PlaybookError as exc:
        raise exc from None


def _compose(kind: type, text: str, filename: str) -> tuple[Node | None, Any]:
    loader = kind(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except InputLimit as exc:
        raise PlaybookError([Problem(filename, exc.line, "", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark and mark is not exc.context_mark:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        line = mark.line + 1 if mark else None
        error = PlaybookError([Problem(filename, line, "", f"invalid YAML: {problem}")])
        error.syntax = True
        raise error from None
    except yaml.YAMLError as exc:
        raise PlaybookError([Problem(filename, None, "", f"invalid YAML: {' '.join(str(exc).split())}")]) from None
    except RecursionError:  # a limit above should have stopped it; still one line, never a traceback
        raise PlaybookError([Problem(filename, None, "", f"nested deeper than {MAX_DEPTH} levels")]) from None
    finally:
        loader.dispose()
    return root, data
