"""Launching, quitting, themes, the palette and the role view of the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from drillconsole import resources
from drillconsole.playbook.outline import SignalOutline
from drillconsole.ui.app import DrillApp, run_console
from drillconsole.ui.commands import DrillCommands
from drillconsole.ui.launcher import ConsoleLoad
from drillconsole.ui.screens.confirm import ConfirmScreen
from drillconsole.ui.screens.help import HelpScreen
from drillconsole.ui.screens.loading import LoadingScreen
from drillconsole.ui.screens.main import MainScreen
from drillconsole.ui.screens.production import ProductionConfirm
from drillconsole.ui.screens.prompt import TextPrompt
from drillconsole.ui.staging import HeldLoad, held_drill, settle
from drillconsole.ui.themes import VARIABLE_DEFAULTS, load_themes
from drillconsole.ui.widgets.checklists import Checklists
from drillconsole.ui.widgets.signal_board import SignalBoard
from drillconsole.ui.widgets.signal_panel import SignalPanel
from drillconsole.ui.widgets.step_table import StepTable

from .conftest import SIZE, fast_drill, log_events, palette, refreshes, type_text, wait_for


def production_playbook(tmp_path: Path) -> Path:
    text = resources.bundled_playbook("demo").read_text().replace("environment: simulation", "environment: production")
    path = tmp_path / "prod.yaml"
    path.write_text(text)
    return path


def test_production_needs_allow_production(tmp_path: Path, capsys: Any) -> None:
    code = run_console(production_playbook(tmp_path), {"log_dir": tmp_path / "logs"}, headless=True)
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--allow-production" in err[0], err
    assert not (tmp_path / "logs").exists()


def test_bad_playbook_and_unknown_role_exit_2(tmp_path: Path, capsys: Any) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("drill: {id: x}\n")
    assert run_console(broken, {"log_dir": tmp_path / "logs"}, headless=True) == 2
    err = capsys.readouterr().err
    assert err and all(line.startswith(str(broken)) for line in err.strip().splitlines()), err
    assert (
        run_console(resources.bundled_playbook("demo"), {"role": "cto", "log_dir": tmp_path / "logs"}, headless=True)
        == 2
    )
    assert (
        capsys.readouterr().err.strip()
        == "drillconsole: unknown role 'cto' (roles: commander, tech_lead, data_steward, comms)"
    )
    assert run_console(tmp_path / "missing.yaml", {"log_dir": tmp_path / "logs"}) == 2  # refused before any frame
    assert "cannot read" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()


def composed(screen: Screen[Any]) -> bool:
    """Whether a main screen's regions are all composed (the checklist tabs are the last to fill in)."""
    return len(screen.query("ChecklistTable")) == len(DEMO_ROLES) and bool(screen.query("StepTable"))


DEMO_ROLES = ("commander", "tech_lead", "data_steward", "comms")


def layout(screen: Screen[Any]) -> list[tuple[str, str | None, str]]:
    """Every widget of a screen, in order, as (type, id, border title); the footer's keys follow the bindings."""
    return [
        (type(w).__name__, w.id, str(w.border_title or ""))
        for w in screen.walk_children(with_self=False)
        if not any(isinstance(a, Footer) for a in w.ancestors)
    ]


async def test_the_first_frame_is_the_main_screen_of_the_outline_then_the_drill(tmp_path: Path) -> None:
    load = HeldLoad(resources.bundled_playbook("demo"), {"log_dir": tmp_path / "logs", "speed": 5.0})
    app = DrillApp(load=load)
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen) and not main.drill_ready and app.main_screen is None
        header = str(main.query_one("#header", Static).render())
        assert "Fraud scorer v42 regression" in header and "loading playbook… demo.yaml" in header
        panels = list(main.query(SignalPanel))
        titles = ["Precision @ 0.5", "Scoring error rate", "Latency p95", "Throughput", "Policy violations"]
        assert [p.text.splitlines()[0].split("  ")[0].strip() for p in panels] == titles
        assert not main.query("StepTable, Checklists, Alerts, Timeline")  # those regions need the drill
        await pilot.press("r", "c", "d", "e", "n", "tab")  # keys wait for the drill: nothing breaks
        assert app.is_running and app._seat is None and not (tmp_path / "logs").exists()
        load.release.set()
        await wait_for(pilot, lambda: app.main_screen is main and main.drill_ready, "the drill")
        assert "loading playbook" not in str(main.query_one("#header", Static).render())  # shown as attached
        await wait_for(pilot, lambda: app.seat.state.started, "the drill to start")
        assert app.screen is main and isinstance(main.focused, StepTable)
        await wait_for(pilot, lambda: composed(main), "the attached regions to compose")
        attached = layout(main)
        await pilot.press("q", "y")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 1
    assert [e.data["outcome"] for e in log_events(app.prepared) if e.type == "session.ended"] == ["aborted"]  # type: ignore[arg-type]
    prepared = DrillApp(fast_drill(tmp_path / "again"))  # the same playbook, prepared before the app starts
    async with prepared.run_test(size=SIZE) as pilot:
        whole = prepared.main_screen
        assert whole is not None
        await wait_for(pilot, lambda: composed(whole), "the main screen to compose")
        assert attached == layout(whole), "attached regions differ from a main screen composed whole"


async def test_quitting_before_the_drill_is_prepared_leaves_no_log(tmp_path: Path) -> None:
    load = HeldLoad(resources.bundled_playbook("demo"), {"log_dir": tmp_path / "logs"})
    app = DrillApp(load=load)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")  # help needs no drill
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.press("escape", "q")
        load.release.set()  # the load finishes after the quit: its drill is closed, its unused log removed
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 1 and app.prepared is None
    assert list((tmp_path / "logs").glob("*.jsonl")) == []


async def test_a_file_that_is_no_playbook_gets_the_loading_screen_then_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n")
    load = HeldLoad(path, {"log_dir": tmp_path / "logs"})
    app = DrillApp(load=load)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LoadingScreen)
        assert "loading playbook… list.yaml" in str(app.screen.query_one("#loading-what", Static).render())
        load.release.set()
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 2
    assert app.load_problems and app.load_problems[0].startswith(f"{path}:1: ")
    assert not (tmp_path / "logs").exists()


async def test_an_outline_of_a_playbook_that_fails_validation_ends_in_its_problems(tmp_path: Path) -> None:
    text = resources.bundled_playbook("demo").read_text()
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace("owner: tech_lead", "owner: nobody_here", 1))
    load = HeldLoad(path, {"log_dir": tmp_path / "logs"})
    app = DrillApp(load=load)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, MainScreen) and not app.screen.drill_ready
        load.release.set()
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 2
    assert any("nobody_here" in line and line.startswith(f"{path}:") for line in app.load_problems), app.load_problems
    assert not (tmp_path / "logs").exists()


async def test_signal_panels_of_an_outline_that_differs_are_made_again_from_the_playbook(tmp_path: Path) -> None:
    drill = fast_drill(tmp_path)

    class Board(App[None]):
        def get_theme_variable_defaults(self) -> dict[str, str]:
            return dict(VARIABLE_DEFAULTS)  # the console's own TCSS variables

        def compose(self) -> ComposeResult:
            yield SignalBoard(outline=[SignalOutline("precision", "Old title"), SignalOutline("gone", "Not there")])

    app = Board()
    async with app.run_test(size=SIZE) as pilot:
        board = app.query_one(SignalBoard)
        await board.bind(drill.seat.state)
        await pilot.pause()
        ids = [s.id for s in drill.playbook.signals]
        assert [p.signal_id for p in app.query(SignalPanel)] == ids and board.count == len(ids)
        assert all(p.signal is not None for p in app.query(SignalPanel))
        assert app.query_one(SignalPanel).text.startswith("Precision @ 0.5")
    drill.log.close()


async def test_a_production_drill_loaded_after_the_first_frame_still_asks_first(tmp_path: Path) -> None:
    options = {"log_dir": tmp_path / "logs", "allow_production": True}
    app = DrillApp(load=ConsoleLoad(production_playbook(tmp_path), options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProductionConfirm), "the production confirmation")
        assert not app.engine_started and not app.seat.state.started
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 2
    assert app.prepared is not None and not app.prepared.log_path.exists()


async def test_production_drill_starts_only_after_typing_its_id(tmp_path: Path) -> None:
    app = DrillApp(fast_drill(tmp_path, playbook=production_playbook(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProductionConfirm), "the production confirmation")
        assert not app.engine_started and not app.seat.state.started
        await pilot.press(*"fraud-scorer")
        await pilot.press("enter")
        assert not app.engine_started, "a partial id must not start the drill"
        await pilot.press(*"-v42-rollback")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.seat.state.started, "the drill to start")
        assert app.main_screen.query_one("#production-banner")  # type: ignore[union-attr]
        env = next(e for e in log_events_now(app) if e.type == "session.started").data["environment"]
        assert env == "production"


async def test_cancelling_the_production_confirmation_starts_nothing(tmp_path: Path) -> None:
    app = DrillApp(fast_drill(tmp_path, playbook=production_playbook(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProductionConfirm), "the production confirmation")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 2
    assert not app.seat.state.started
    assert not app.prepared.log_path.exists(), "an unused session log is removed"


def log_events_now(app: DrillApp) -> list[Any]:
    app.prepared.log.sync()
    return log_events(app.prepared)


async def test_quitting_mid_drill_asks_then_ends_aborted(demo_app: Any) -> None:
    app = demo_app(speed=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.seat.state.started, "the drill to start")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert not app.seat.state.ended and app.is_running
        await pilot.press("ctrl+c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.prepared.log.closed, "the log to close")
    assert app.return_value == 1
    ended = [e for e in log_events(app.prepared) if e.type == "session.ended"]
    assert len(ended) == 1 and ended[0].data["outcome"] == "aborted" and ended[0].actor == "commander"


def test_a_broken_theme_is_one_line_and_the_default_is_used(tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    for path in resources.themes_dir().glob("*.yaml"):
        (themes / path.name).write_text(path.read_text())
    (themes / "zz-broken.yaml").write_text("name: zz\nprimary: not-a-colour\n")
    (themes / "zz-yaml.yaml").write_text("name: [unclosed\n")
    loaded = load_themes(themes)
    assert [t.name for t in loaded.themes] == ["control-room", "daylight", "high-contrast"]
    assert len(loaded.problems) == 2
    assert all("\n" not in p and "zz-" in p for p in loaded.problems)
    app = DrillApp(fast_drill(tmp_path), theme="zz", themes_dir=themes)
    assert any("zz-broken.yaml" in p for p in app.theme_problems)
    assert any("unknown theme 'zz'" in p for p in app.theme_problems)
    assert app._wanted_theme == "control-room"


@pytest.mark.parametrize("theme", ["control-room", "daylight", "high-contrast"])
async def test_bundled_themes_switch_live(tmp_path: Path, theme: str) -> None:
    app = DrillApp(held_drill(90.0, tmp_path / "logs"), theme="daylight" if theme != "daylight" else "control-room")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await palette(pilot, app, f"Theme: {theme}")
        await wait_for(pilot, lambda: app.theme == theme, f"the theme {theme}")
        assert app.theme_variables["band-ok"] != app.theme_variables["band-critical"]


def palette_names(app: DrillApp) -> list[str]:
    """What the palette would list now."""
    return [name for name, _, _ in DrillCommands(app.screen)._commands()]


async def test_the_palette_runs_what_is_typed_and_offers_only_what_applies(tmp_path: Path) -> None:
    prepared = held_drill(96.0, tmp_path / "logs")  # decided; freeze-deploys is next, the rollback not yet run
    app = DrillApp(prepared)
    state = prepared.engine.state
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        names = palette_names(app)
        assert any(n.startswith("Run step: Freeze") for n in names)
        assert not any(n.startswith("Run step: Confirm steady state") for n in names), "already done"
        assert not any(n.startswith("Undo step:") for n in names), "nothing with an undo has run"
        assert not any(n.startswith("Retry step:") for n in names), "nothing failed"
        assert not any(n.startswith("Decide") for n in names), "already decided"
        for wanted in ("Check item: commander/", "Add a note", "Role view:", "Theme: high-contrast", "End the drill"):
            assert any(n.startswith(wanted) for n in names), wanted
        await palette(pilot, app, "Add a note")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt), "the note prompt")
        await type_text(pilot, "typed into the palette")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n["text"] == "typed into the palette" for n in state.notes), "the note")
        await palette(pilot, app, "Theme: high-contrast")
        await wait_for(pilot, lambda: app.theme == "high-contrast", "the theme to change")
        assert not any("drill clock" in n for n in palette_names(app)), "a held clock cannot be paused"


async def test_role_view_acts_as_that_role(tmp_path: Path) -> None:
    app = DrillApp(fast_drill(tmp_path, speed=5.0), role="tech_lead")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.seat.state.started, "the drill to start")
        checklists = app.main_screen.query_one(Checklists)  # type: ignore[union-attr]
        assert checklists.roles == ["tech_lead"]
        checklists.table("tech_lead").focus()
        await pilot.press("c")
        assert app.seat.state.checklist[("tech_lead", "dashboards")].by == "tech_lead"
        await palette(pilot, app, "Pause the drill clock")
        await wait_for(pilot, lambda: app.seat.clock.paused, "the clock to pause")
        assert any(n.startswith("Resume the drill clock") for n in palette_names(app))
        frozen = app.seat.now()
        await refreshes(pilot, app.main_screen, "show")  # three refreshes later the clock has not moved
        assert app.seat.now() == frozen
        await pilot.press("p")
        assert not app.seat.clock.paused
