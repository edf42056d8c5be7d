"""Load a playbook from YAML, reporting every problem as `FILE:LINE: field.path: message`.

`validate` and `run` share this loader, so `run` never starts what `validate`
refuses. Type errors and cross-reference errors come in the same pass: when
some items are malformed, the well-formed rest is still cross-checked.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from drillconsole.playbook import semantics
from drillconsole.playbook.checks import url_problem
from drillconsole.playbook.locate import Comp, Locator, format_path, line_of
from drillconsole.playbook.models import Playbook
from drillconsole.playbook.problems import PlaybookError, Problem, escape
from drillconsole.playbook.reading import MAX_SIZE, compose, read_bytes
from drillconsole.playbook.schema import show_value
from drillconsole.secrets import REF, references

__all__ = [
    "MAX_SIZE",
    "PlaybookError",
    "Problem",
    "check_env",
    "load_playbook",
    "load_playbook_text",
    "playbook_bytes_hash",
    "validate_files",
]

MAX_SHOWN = 200
"""Problems printed per file by `validate`; the rest are counted on one line."""
_LISTS = ("signals", "triggers", "scenario", "steps", "escalations")
_MAPS = ("roles", "targets")
_OPTIONAL_DRILL = ("environment", "seed", "time_limit", "description")
_MALFORMED_REF = re.compile(r"\$\{\s*(?:env|secret)\b[^}]*\}?")
_UNKNOWN = re.compile(r"^unknown [a-z ]+ '([^']*)'")


def _reference_problems(root: Node, filename: str) -> list[Problem]:
    """Malformed `${env:…}`/`${secret:…}` references, anywhere in the file."""
    found: list[Problem] = []
    for node, path in _scalars(root):
        if "${" not in node.value:
            continue
        for match in _MALFORMED_REF.finditer(node.value):
            if not REF.fullmatch(match.group(0)):
                message = f"malformed reference {show_value(match.group(0))} (write ${{env:NAME}} or ${{secret:NAME}})"
                found.append(Problem(filename, line_of(node), format_path(path), message))
    return found


def _scalars(root: Node) -> Iterable[tuple[ScalarNode, tuple[Comp, ...]]]:
    """Every scalar value with its path (keys excluded), without recursion."""
    stack: list[tuple[Node, tuple[Comp, ...]]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            yield node, path
        elif isinstance(node, MappingNode):
            stack.extend((v, (*path, k.value if isinstance(k, ScalarNode) else "?")) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))


def _env_problems(root: Node, filename: str, env: Mapping[str, str]) -> list[Problem]:
    """Every reference to an unset variable, and every URL that is not one once resolved."""
    found: list[Problem] = []
    for node, path in _scalars(root):
        if "${" not in node.value:
            continue
        where = format_path(path)
        unset = [name for _, name in references(node.value) if name not in env]
        for name in dict.fromkeys(unset):
            found.append(Problem(filename, line_of(node), where, f"environment variable {name} is not set"))
        if not unset and path and path[-1] in ("url", "tracking_uri") and REF.match(node.value):
            problem = url_problem(REF.sub(lambda m: env[m.group(2)], node.value))
            if problem:
                found.append(Problem(filename, line_of(node), where, f"{problem} (once resolved)"))
    return found


def _prune(data: dict[str, Any], exc: ValidationError) -> tuple[dict[str, Any], dict[str, list[int]], set[str]] | None:
    """The input without its malformed items, the original index of each kept item, and the dropped ids.

    None when a malformed part cannot be left out (the drill itself, a whole section).
    """
    drop: dict[str, set[Any]] = {}
    drill = dict(data.get("drill") or {}) if isinstance(data.get("drill"), dict) else None
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        if (len(loc) >= 2 and loc[0] in _LISTS and isinstance(loc[1], int)) or (
            len(loc) >= 2 and loc[0] in _MAPS and isinstance(loc[1], str)
        ):
            drop.setdefault(str(loc[0]), set()).add(loc[1])
        elif len(loc) >= 2 and loc[0] == "drill" and loc[1] in _OPTIONAL_DRILL and drill is not None:
            drill.pop(str(loc[1]), None)  # the default stands in for a malformed optional setting
        else:
            return None
    pruned: dict[str, Any] = {**data, "drill": drill} if drill is not None else dict(data)
    origin: dict[str, list[int]] = {}
    dropped: set[str] = set()
    for section, bad in drop.items():
        value = data.get(section)
        if isinstance(value, list):
            origin[section] = [i for i in range(len(value)) if i not in bad]
            pruned[section] = [value[i] for i in origin[section]]
            for i in bad:
                dropped |= _ids(value[i] if i < len(value) else None)
        elif isinstance(value, dict):
            pruned[section] = {k: v for k, v in value.items() if k not in bad}
            dropped |= {str(k) for k in bad}
    return pruned, origin, dropped


def _ids(item: Any) -> set[str]:
    """Ids a malformed item would have declared (itself and its decision options)."""
    if not isinstance(item, dict):
        return set()
    ids = {str(item["id"])} if "id" in item else set()
    for option in item.get("options") or []:
        if isinstance(option, dict) and "id" in option:
            ids.add(str(option["id"]))
    return ids


def _semantic_problems(
    playbook: Playbook, locator: Locator, origin: dict[str, list[int]], dropped: set[str]
) -> list[Problem]:
    """Cross-reference problems, located; on a pruned playbook, paths map back to the input's indices."""
    found = []
    for path, message in semantics.check(playbook):
        unknown = _UNKNOWN.match(message)
        if unknown and unknown.group(1) in dropped:
            continue  # it refers to an item already reported as malformed
        head = re.match(r"([a-z]+)\[(\d+)\]", path)
        if head and head.group(1) in origin:
            path = f"{head.group(1)}[{origin[head.group(1)][int(head.group(2))]}]" + path[head.end() :]
        found.append(locator.problem(path, message))
    return found


def _load(text: str, filename: str, env: Mapping[str, str] | None) -> Playbook:
    """Compose, validate and cross-check; raise PlaybookError listing every problem."""
    root, data = compose(text, filename)
    if root is None:
        message = "empty playbook (expected a mapping with drill, roles, signals, steps)"
        raise PlaybookError([Problem(filename, 1, "", message)])
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        message = f"the top level must be a mapping, not {show_value(data)}"
        raise PlaybookError([Problem(filename, line_of(root), "", message)])
    locator = Locator(root, filename)
    problems = locator.duplicate_keys()
    if "${" in text:  # most playbooks hold no reference: skip the walk over every value
        problems += _reference_problems(root, filename)
        if env is not None:
            problems += _env_problems(root, filename, env)
    playbook: Playbook | None = None
    try:
        playbook = Playbook.model_validate(data)
        problems += _semantic_problems(playbook, locator, {}, set())
    except ValidationError as exc:
        problems += locator.validation_problems(exc)
        pruned = _prune(data, exc)
        if pruned is not None:
            try:
                partial = Playbook.model_validate(pruned[0])
            except ValidationError:
                partial = None  # what is left cannot stand alone; the type errors are the report
            if partial is not None:
                problems += _semantic_problems(partial, locator, pruned[1], pruned[2])
    if problems or playbook is None:
        raise PlaybookError(sorted(dict.fromkeys(problems), key=lambda p: p.line or 0))
    return playbook


def load_playbook_text(text: str, filename: str, *, env: Mapping[str, str] | None = None) -> Playbook:
    """Parse and validate playbook YAML text; `filename` is only used in problem lines.

    With `env`, every `${env:…}`/`${secret:…}` reference must name a set variable (what `run` needs).
    """
    try:
        return _load(text, filename, env)
    except PlaybookError:
        raise
    except RecursionError:
        raise PlaybookError([Problem(filename, None, "", "nested too deeply")]) from None
    except Exception as exc:  # a bug must still reach the user as one located line
        raise PlaybookError([Problem(filename, None, "", f"internal error: {type(exc).__name__}: {exc}")]) from exc


def load_playbook(path: Path, *, max_size: int | None = MAX_SIZE, env: Mapping[str, str] | None = None) -> Playbook:
    """Read, parse and validate a playbook file (regular files up to `max_size` bytes), or raise PlaybookError."""
    data = read_bytes(Path(path), max_size)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        raise PlaybookError([Problem(str(path), None, "", f"cannot read file: {reason}")]) from None
    if "\x00" in text:
        raise PlaybookError([Problem(str(path), None, "", "cannot read file: binary data (NUL bytes)")])
    return load_playbook_text(text, str(path), env=env)


def check_env(playbook: Playbook, env: Mapping[str, str] | None = None, filename: str = "<playbook>") -> list[Problem]:
    """A problem for every reference in a loaded playbook to an unset variable (`run` refuses to start on any)."""
    env = os.environ if env is None else env
    found: list[Problem] = []

    def walk(value: Any, path: tuple[Comp, ...]) -> None:
        if isinstance(value, str):
            for name in dict.fromkeys(name for _, name in references(value) if name not in env):
                found.append(Problem(filename, None, format_path(path), f"environment variable {name} is not set"))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, str(key)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*path, i))

    walk(playbook.model_dump(mode="json", by_alias=True), ())
    return found


def playbook_bytes_hash(path: Path) -> str:
    """Return the sha256 hex digest of a playbook file's bytes (the session log's seq-0 `prev`).

    Raises OSError for a missing, unreadable or non-regular file (never blocks on a FIFO).
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def validate_files(
    paths: Iterable[Path], *, env: Mapping[str, str] | None = None, max_size: int | None = MAX_SIZE
) -> int:
    """Print `ok FILE` or every problem line for each file; return 0 if all are valid, else 2.

    With `env` (`validate --env`), unset references are problems too; without, only their syntax is checked.
    """
    status = 0
    for path in paths:
        try:
            load_playbook(Path(path), max_size=max_size, env=env)
            print(f"ok {escape(str(path))}", flush=True)
        except PlaybookError as exc:
            status = 2
            for problem in exc.problems[:MAX_SHOWN]:
                print(problem, flush=True)
            if len(exc.problems) > MAX_SHOWN:
                rest = exc.problems[MAX_SHOWN]
                more = len(exc.problems) - MAX_SHOWN
                print(Problem(rest.file, rest.line, "", f"{more:,} more problems not shown"), flush=True)
        except Exception as exc:  # never a traceback: the user still gets a line
            status = 2
            print(Problem(str(path), None, "", f"internal error: {type(exc).__name__}: {exc}"), flush=True)
    return status
