"""How a typed confirm phrase differs from the expected one, in words a person can act on."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from textual.markup import escape

CONFUSABLE = {"1": "1", "l": "1", "I": "1", "|": "1", "0": "0", "O": "0", "o": "0"}
"""Characters many fonts draw alike, folded to one class (1/l/I/|, 0/O/o)."""

NAMES = {
    "1": "digit one",
    "l": "lower-case L",
    "I": "capital i",
    "|": "vertical bar",
    "0": "digit zero",
    "O": "capital O",
    "o": "lower-case o",
    " ": "a space",
}


@dataclass(frozen=True)
class PhraseCheck:
    """Whether the typed phrase matches, a one-line reason when not, and the typed text marked where it differs."""

    ok: bool
    reason: str
    markup: str


def char_name(ch: str) -> str:
    """A character as it should be read aloud: `'l' (lower-case L)`."""
    name = NAMES.get(ch)
    if ch == " ":
        return "a space"
    return f"'{ch}' ({name})" if name else f"'{ch}'"


def _fold(ch: str) -> str:
    """One class for a character, its other case and its look-alikes ('L', 'l', 'I', 'i' and '1' alike)."""
    for variant in (ch, ch.lower(), ch.upper()):
        if variant in CONFUSABLE:
            return CONFUSABLE[variant]
    return ch.lower()


def _mark(typed: str, bad: set[int]) -> str:
    """The typed text with the differing characters shown in reverse."""
    out = []
    for i, ch in enumerate(typed):
        shown = "␣" if ch == " " and i in bad else escape(ch)
        out.append(f"[reverse $band-critical]{shown}[/]" if i in bad else shown)
    return "".join(out)


def check_phrase(expected: str, typed: str) -> PhraseCheck:
    """Compare the typed phrase with the expected one and say where they first differ."""
    if typed == expected:
        return PhraseCheck(True, "matches", escape(typed))
    if not typed:
        return PhraseCheck(False, "nothing typed yet", "")
    if expected.startswith(typed):
        left = len(expected) - len(typed)
        return PhraseCheck(
            False, f"correct so far, {left} more character{'s' if left != 1 else ''} to type", escape(typed)
        )
    folded = "".join(_fold(c) for c in typed)
    if "".join(_fold(c) for c in expected[: len(typed)]) == folded:
        # Same letters up to case and look-alikes: compare position by position (a diff would realign).
        differ = {i for i, (got, want) in enumerate(zip(typed, expected, strict=False)) if got != want}
        first = min(differ)
        got, want = typed[first], expected[first]
        kind = "case differs" if got.lower() == want.lower() else "look-alike"
        reason = f"{kind} at character {first + 1}: typed {char_name(got)}, the phrase has {char_name(want)}"
        if len(differ) > 1:
            reason += f" ({len(differ)} characters differ)"
        return PhraseCheck(False, reason, _mark(typed, differ))
    matcher = difflib.SequenceMatcher(a=typed, b=expected, autojunk=False)
    bad: set[int] = set()
    reason = ""
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        # A gap (missing characters) is marked on the character after it, or the last one at the end.
        bad.update(range(i1, i2) if op != "insert" else [min(i1, len(typed) - 1)])
        if reason:
            continue
        pos = i1 + 1
        if op == "replace":
            got, want = typed[i1], expected[j1]
            if got.lower() == want.lower():
                reason = f"case differs at character {pos}: typed {char_name(got)}, the phrase has {char_name(want)}"
            elif _fold(got) == _fold(want):
                reason = f"look-alike at character {pos}: typed {char_name(got)}, the phrase has {char_name(want)}"
            else:
                reason = f"character {pos} differs: typed {char_name(got)}, the phrase has {char_name(want)}"
        elif op == "delete":
            extra = typed[i1:i2]
            reason = f"extra {'character' if len(extra) == 1 else 'characters'} at {pos}: {extra!r}"
        else:
            reason = f"missing at character {pos}: {expected[j1:j2]!r}"
    return PhraseCheck(False, reason or "does not match", _mark(typed, bad))
