"""A problem with a playbook, always one line: `FILE:LINE: field.path: message`."""

from __future__ import annotations

from dataclasses import dataclass


def escape(text: str) -> str:
    """Text with control characters and line separators escaped (`\\n`, `\\x1b`, `\\u2028`), never a line break."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1] if ch != "'" else ch)
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a playbook, located by file, line and field path."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        # Escaped here, once, so no value, key or file name can break the line or forge another one;
        # cut, so a megabyte-long key cannot make a megabyte-long line.
        where = f"{_cut(escape(self.path), 200)}: " if self.path else ""
        return f"{escape(self.file)}:{self.line or 1}: {where}{_cut(escape(self.message), 500)}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlaybookError(Exception):
    """A playbook that cannot be used; `problems` lists every reason, sorted by line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems) or [Problem("<playbook>", None, "", "invalid playbook")]
        self.syntax = False
        """Whether this is a YAML syntax error (the parser's, not a limit or a model check)."""
        super().__init__(str(self.problems[0]))

    def __str__(self) -> str:
        return str(self.problems[0])
