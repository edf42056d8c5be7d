"""What a console offers, read as a person would: the footer's keys and the palette's entries for what they type."""

from __future__ import annotations

from typing import Any

from .conftest import type_text, wait_for


def footer_words(app: Any) -> set[str]:
    """The descriptions the footer shows now (Run, Approve, …)."""
    from textual.widgets._footer import FooterKey

    return {str(key.description) for key in app.main_screen.query(FooterKey)}


def offered_actions(app: Any) -> set[str]:
    """Actions of the main screen's keys that are active now (hidden keys are not)."""
    return {b.binding.action for b in app.main_screen.active_bindings.values() if b.enabled}


async def palette_offers(pilot: Any, app: Any, query: str, expect: str | None = None) -> list[str]:
    """Type `query` into the command palette and return the names of the entries it lists (then close it).

    Hits arrive over time: wait for `expect` among them when given, else for the list to stand still.
    """
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the command palette")
    await type_text(pilot, query)

    def listed() -> list[str]:
        hits = app.screen.query_one(CommandList)
        names = [getattr(o.prompt, "plain", str(o.prompt)).split("\n")[0] for o in hits._options]
        return ["(no matches)" if "No matches found" in name else name for name in names]

    if expect is not None:
        await wait_for(pilot, lambda: any(expect in name for name in listed()), f"{expect!r} in the palette")
    seen: list[str] = []
    for _ in range(40):  # until two looks 50 ms apart agree
        await pilot.pause(0.05)
        now = listed()
        if now == seen and now:
            break
        seen = now
    names = listed()
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close")
    return [name for name in names if name != "(no matches)"]
