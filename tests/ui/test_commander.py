"""The console from the commander's seat: every alert reachable, checklists by keys, refusals explained, sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from drillconsole import resources
from drillconsole.ui.app import DrillApp, run_console
from drillconsole.ui.housekeeping import screenshot_dir
from drillconsole.ui.phrase import check_phrase
from drillconsole.ui.screens.confirm import ChoiceScreen
from drillconsole.ui.screens.review import ReviewScreen
from drillconsole.ui.staging import held_drill, settle
from drillconsole.ui.widgets.alerts import GATE, LATE, TRIGGER, Alerts, open_alerts
from drillconsole.ui.widgets.checklists import Checklists, ChecklistTable

from .conftest import SIZE, log_events, showing, type_text, wait_for

PHRASE = "ROLLBACK fraud-scorer TO v41"


def test_the_phrase_check_names_case_look_alikes_and_extra_or_missing_characters() -> None:
    assert check_phrase(PHRASE, PHRASE).ok
    assert check_phrase(PHRASE, "ROLL").reason == "correct so far, 24 more characters to type"
    assert check_phrase(PHRASE, "rollback").reason.startswith("case differs at character 1: typed 'r'")
    assert "typed 'l' (lower-case L), the phrase has '1' (digit one)" in check_phrase(PHRASE, PHRASE[:-1] + "l").reason
    assert (
        "typed '0' (digit zero), the phrase has 'O' (capital O)"
        in check_phrase(PHRASE, "ROLLBACK fraud-scorer T0").reason
    )
    assert check_phrase(PHRASE, PHRASE + " ").reason == "extra character at 29: ' '"
    assert check_phrase(PHRASE, PHRASE.replace("-", "")).reason == "missing at character 15: '-'"
    marked = check_phrase(PHRASE, PHRASE[:-1] + "I").markup
    assert marked.endswith("[reverse $band-critical]I[/]")


async def test_every_alert_is_counted_sorted_and_reachable_at_80x24(tmp_path: Path) -> None:
    prepared = held_drill(200.0, tmp_path / "logs", auto=False)  # nobody acts: triggers, no decision, all late
    app = DrillApp(prepared)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        state = prepared.engine.state
        alerts = app.main_screen.query_one(Alerts)  # type: ignore[union-attr]
        shown = open_alerts(state, state.t)
        assert len(shown) >= 8 and alerts.border_title == f"Alerts · {len(shown)} open"
        ranks = [a.rank for a in shown]
        assert ranks == sorted(ranks) and ranks[-1] == TRIGGER and GATE not in ranks
        late = [a for a in shown if a.rank == LATE]
        assert [a.t for a in late] == sorted((a.t for a in late), reverse=True), "newest first within a rank"
        assert "Brief the roles and confirm the drill's scope" in " ".join(a.markup for a in late)
        assert alerts.max_scroll_y > 0
        await wait_for(pilot, lambda: "more below" in str(alerts.border_subtitle), "the alerts to say more are below")
        while app.focused is not alerts:  # Tab reaches the alerts, and ↓ scrolls to the last one
            await pilot.press("tab")
        await pilot.press("end")
        await wait_for(pilot, lambda: alerts.scroll_y == alerts.max_scroll_y, "the alerts to scroll to the end")


async def test_checklists_by_keys_alone_and_the_focus_survives_role_tabs(tmp_path: Path) -> None:
    prepared = held_drill(30.0, tmp_path / "logs", auto=False)
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        main = app.main_screen
        assert main is not None
        await pilot.press("l", "2")
        table = main.query_one(Checklists).table("commander")
        assert app.focused is table and table.item_id == "ack-alert"
        assert str(table.get_cell("ack-alert", "mark")).startswith("▶"), "the focused row carries a pointer"
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: isinstance(app.focused, ChecklistTable), "the focus to stay in a checklist")
        assert app.focused.role == "tech_lead" and main.current_role() == "tech_lead"  # type: ignore[union-attr]
        await pilot.press("1", "enter")  # Enter checks the row, like c
        assert prepared.engine.state.checklist[("tech_lead", "dashboards")].by == "tech_lead"
        header = main.query_one("#header", Static)
        await wait_for(pilot, lambda: "as tech_lead" in str(header.render()), "the header to name the role acted as")


async def test_deciding_before_any_trigger_says_why(tmp_path: Path) -> None:
    prepared = held_drill(30.0, tmp_path / "logs", auto=False)
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await wait_for(
            pilot, lambda: any("no trigger has fired" in n.message for n in app._notifications), "the reason"
        )
        assert app.screen is app.main_screen
    denied = [e for e in log_events(prepared) if e.type == "access.denied"]
    assert [e.data["command"] for e in denied] == ["decide"]


async def test_a_console_bound_to_a_role_refuses_what_the_role_may_not_do(tmp_path: Path) -> None:
    prepared = held_drill(90.0, tmp_path / "logs", auto=False)  # triggers fired, no decision yet
    app = DrillApp(prepared, role="tech_lead")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: any("acts as tech_lead (--role)" in n.message for n in app._notifications),
            "the refusal with its reason",
        )
        assert prepared.engine.state.decision is None and app.screen is app.main_screen
    denied = [e for e in log_events(prepared) if e.type == "access.denied"]
    assert denied and denied[0].actor == "tech_lead" and "declare_rollback" in denied[0].data["reason"]


async def test_below_the_minimum_size_a_notice_names_the_size_needed(tmp_path: Path) -> None:
    app = DrillApp(held_drill(30.0, tmp_path / "logs", auto=False))
    async with app.run_test(size=(60, 15)) as pilot:
        await settle(app, pilot)
        notice = app.main_screen.query_one("#too-small", Static)  # type: ignore[union-attr]
        assert notice.display and "72×20" in str(notice.render()) and "60×15" in str(notice.render())
        assert not app.main_screen.query_one("#body").display  # type: ignore[union-attr]
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not notice.display, "the panels to come back")


async def test_closing_the_review_with_typed_text_asks_and_can_add_it(tmp_path: Path) -> None:
    prepared = held_drill(200.0, tmp_path / "logs")
    app = DrillApp(prepared)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: showing(app, ReviewScreen, "#picture"), "the review screen")
        assert "phases" in str(app.screen.query_one("#picture", Static).render())
        await type_text(pilot, "typed but not added")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the unsaved-text question")
        await pilot.press("enter")  # the first button: add it and close
        await wait_for(pilot, lambda: not app.is_running, "the app to close")
    assert [e.data["text"] for e in log_events(prepared) if e.type == "review.lesson"] == ["typed but not added"]


def test_screenshots_go_beside_the_log_without_a_downloads_folder(tmp_path: Path, monkeypatch: Any) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_downloads_path", lambda: tmp_path / "no-such-downloads")
    assert screenshot_dir(tmp_path / "logs") == tmp_path / "logs"
    (tmp_path / "downloads").mkdir()
    monkeypatch.setattr(platformdirs, "user_downloads_path", lambda: tmp_path / "downloads")
    assert screenshot_dir(tmp_path / "logs") == tmp_path / "downloads"


def test_the_screenshot_script_has_help_and_makes_no_folder_of_it(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    from drillconsole.ui import screenshots

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        screenshots.main(["--help"])
    assert exit_.value.code == 0 and "usage:" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"speed": 0.0}, "drillconsole: --speed must be positive, not 0"),
        ({"theme": "neon"}, "drillconsole: unknown theme 'neon' (themes: control-room, daylight, high-contrast)"),
        ({}, "drillconsole: the console needs a terminal"),  # pytest's stdin is no terminal
    ],
)
def test_console_options_and_a_missing_terminal_are_one_line_errors(
    tmp_path: Path, capsys: Any, options: dict[str, Any], error: str
) -> None:
    code = run_console(resources.bundled_playbook("demo"), {"log_dir": tmp_path / "logs", **options})
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith(error), err
    assert not (tmp_path / "logs").exists()
