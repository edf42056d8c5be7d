"""`/` finds a checklist item by typing part of its text: the rows narrow, Enter checks the match, Esc closes."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.widgets import Static

from drillconsole import resources
from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import held_drill, settle
from drillconsole.ui.widgets.checklists import ChecklistFilter, Checklists, ChecklistTable

from .conftest import SIZE, log_events, palette, type_text, wait_for


def twelve_items(tmp_path: Path) -> Path:
    """The demo with a commander's checklist of twelve items: more than the number keys reach."""
    doc = yaml.safe_load(resources.bundled_playbook("demo").read_text())
    extra = [
        {"id": f"extra-{n}", "text": f"Extra task {n}: page the on-call owner", "phase": "baseline"}
        for n in range(5, 13)
    ]
    doc["roles"]["commander"]["checklist"] += extra
    path = tmp_path / "twelve.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return path


def rows(table: ChecklistTable) -> list[str]:
    """The items shown, top to bottom."""
    return [str(key.value) for key in table.rows]


def checked(app: DrillApp) -> list[tuple[str, str | None, str | None]]:
    return [
        (e.data["item"], e.data.get("role"), e.actor) for e in log_events(app.prepared) if e.type == "checklist.checked"
    ]


async def test_typing_narrows_the_checklist_and_enter_checks_the_single_match(tmp_path: Path) -> None:
    prepared = held_drill(30.0, tmp_path / "logs", auto=False)
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        main = app.main_screen
        assert main is not None
        checklists = main.query_one(Checklists)
        table = checklists.table("commander")
        await pilot.press("slash")
        assert isinstance(app.focused, ChecklistFilter)
        await type_text(pilot, "confirm")  # typed letters (r, c, n) are text, not keys that run a step or a check
        assert rows(table) == ["brief-team", "confirm-restored"]
        await type_text(pilot, " THE DRILL")  # any case
        assert rows(table) == ["brief-team"]  # "Brief the roles and confirm the drill's scope"
        assert str(checklists.query_one("#checklist-matches", Static).render()) == "1 of 4"
        await pilot.press("enter")
        await wait_for(pilot, lambda: prepared.engine.state.checklist[("commander", "brief-team")].checked, "the check")
        assert not checklists.filter_open and table.row_count == 4 and app.focused is table
        assert table.item_id == "brief-team"
        assert [e for e in log_events(prepared) if e.type in ("step.started", "decision.made", "note.added")] == []
        # Enter again through the same path unchecks it.
        await pilot.press("slash")
        await type_text(pilot, "scope")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: not prepared.engine.state.checklist[("commander", "brief-team")].checked, "the uncheck"
        )


async def test_beyond_nine_items_arrows_pick_among_matches_and_escape_changes_nothing(tmp_path: Path) -> None:
    prepared = held_drill(30.0, tmp_path / "logs", playbook=twelve_items(tmp_path), auto=False)
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        main = app.main_screen
        assert main is not None
        checklists = main.query_one(Checklists)
        table = checklists.table("commander")
        assert table.row_count == 12
        await pilot.press("slash")
        await type_text(pilot, "task 1")  # tasks 10, 11, 12
        assert rows(table) == ["extra-10", "extra-11", "extra-12"]
        await pilot.press("down", "down", "up")
        assert table.item_id == "extra-11" and str(table.get_cell("extra-11", "mark")).startswith("▶")
        await pilot.press("enter")
        await wait_for(pilot, lambda: prepared.engine.state.checklist[("commander", "extra-11")].checked, "item 11")
        assert checked(app) == [("extra-11", "commander", "commander")]
        # A filter that matches nothing says so, Enter checks nothing, and Escape brings every item back.
        await pilot.press("slash")
        await type_text(pilot, "zzz")
        assert table.row_count == 0
        assert str(checklists.query_one("#checklist-matches", Static).render()) == "no match"
        await pilot.press("enter")
        assert checklists.filter_open and "no item of commander matches 'zzz'" in [
            n.message for n in app._notifications
        ]
        await pilot.press("escape")
        assert not checklists.filter_open and table.row_count == 12 and app.focused is table
        assert checked(app) == [("extra-11", "commander", "commander")]


async def test_the_palette_opens_the_same_filter(tmp_path: Path) -> None:
    prepared = held_drill(30.0, tmp_path / "logs", auto=False)
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await palette(pilot, app, "Find a checklist item")
        await wait_for(pilot, lambda: isinstance(app.focused, ChecklistFilter), "the filter to have the focus")
        await type_text(pilot, "scope")
        await pilot.press("enter")
        await wait_for(pilot, lambda: prepared.engine.state.checklist[("commander", "brief-team")].checked, "the check")
