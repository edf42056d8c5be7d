"""Typed errors that commands raise; `cli.main` turns each into its one-line message and exit code."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or usage: every line of the message goes to stderr, exit 2, never a traceback."""

    exit_code = 2

    def lines(self) -> list[str]:
        """The message as stderr lines; a line that does not start with `FILE:` is prefixed with the program name."""
        out = []
        for line in str(self).splitlines() or [""]:
            located = ":" in line.split(" ")[0]  # `FILE:LINE: ...` lines speak for themselves
            out.append(line if located else f"drillconsole: {line}")
        return out


class CommandError(Exception):
    """A command the drill's rules refuse; nothing was written (raised by the engine, shown by the console)."""
