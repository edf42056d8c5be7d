"""The replay console: seek keys, playback speed, jumping, the fold on screen, damaged logs, read-only keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drillconsole.replay import ReplaySession
from drillconsole.ui.present import step_status
from drillconsole.ui.replay.app import ReplayApp
from drillconsole.ui.replay.commands import ReplayCommands
from drillconsole.ui.replay.scrubber import Scrubber
from drillconsole.ui.replay.staging import record_demo
from drillconsole.ui.screens.help import HelpScreen
from drillconsole.ui.widgets.signal_panel import SignalPanel
from drillconsole.ui.widgets.timeline import Timeline

from .conftest import refreshes, wait_for

SIZE = (120, 36)


class WallClock:
    """Wall seconds the test moves by hand, so playback is exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_demo(tmp_path_factory.mktemp("replay"))


@pytest.fixture(scope="module")
def session(demo_log: Path) -> ReplaySession:
    return ReplaySession.open(demo_log)


def header_text(app: ReplayApp) -> str:
    return str(app.replay_screen.header.render())  # type: ignore[union-attr]


def phase_shown(app: ReplayApp) -> str:
    return header_text(app).split("phase ", 1)[1].split()[0]


def band_state(panel: SignalPanel) -> str:
    """The band state a signal panel's edge colour shows (its CSS class; none means ok)."""
    return next((s for s in ("warn", "critical", "stale", "error") if panel.has_class(f"-{s}")), "ok")


def log_lines(log: Path) -> list[bytes]:
    return log.read_bytes().splitlines(keepends=True)


# --- moving through the drill ------------------------------------------------------------


async def test_seek_keys_go_to_the_events_and_phases_the_session_names(session: ReplaySession) -> None:
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "phase " in header_text(app), "the header to show the drill")
        assert app.position == 0.0 and phase_shown(app) == "baseline"
        expected = 0.0
        for _ in range(4):
            await pilot.press("right")
            expected = session.next_event_t(expected)  # type: ignore[assignment]
            assert app.position == expected
        await pilot.press("left")
        assert app.position == session.prev_event_t(expected)
        for key, find in (
            (".", session.next_phase_t),
            ("shift+right", session.next_phase_t),
            (",", session.prev_phase_t),
            ("shift+left", session.prev_phase_t),
        ):
            target = find(app.position)
            await pilot.press(key)
            assert app.position == target
            assert phase_shown(app) == session.state_at(target).phase.value
        await pilot.press("end")
        assert app.position == session.duration and "outcome restored" in header_text(app)
        await pilot.press("right")
        assert app.position == session.duration, "past the last event there is nowhere to go"
        await pilot.press("home")
        assert app.position == 0.0 and "outcome" not in header_text(app)


async def test_play_advances_at_the_chosen_speed_and_stops_at_the_end(session: ReplaySession) -> None:
    wall = WallClock()
    app = ReplayApp(session, speed=5, at=10, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space")
        assert "PLAYING  5×" in header_text(app)
        wall.now += 4
        await wait_for(pilot, lambda: app.position == 30.0, "the refresh interval to follow the position")
        assert header_text(app).count("T+00:30") == 1
        await pilot.press("plus")
        wall.now += 2
        await wait_for(pilot, lambda: app.position == 70.0, "the position at 20×")
        assert "PLAYING  20×" in header_text(app)
        await pilot.press("right_square_bracket", "right_square_bracket")  # the top of the ladder is 60×
        await pilot.press("minus")
        assert app.transport.speed == 20.0
        await pilot.press("space")
        wall.now += 10
        await wait_for(pilot, lambda: "PAUSED" in header_text(app), "the header to say PAUSED")
        await refreshes(pilot, app.replay_screen, "tick")  # paused: three refreshes later the position has not moved
        assert app.position == 70.0
        await pilot.press("space")
        wall.now += 1000
        await wait_for(pilot, lambda: app.position == session.duration, "the end of the log")
        await wait_for(pilot, lambda: not app.transport.playing, "the transport to stop at the end")
        assert "PAUSED" in header_text(app) and "outcome restored" in header_text(app)


async def test_g_jumps_to_a_typed_time(session: ReplaySession) -> None:
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g", *"1:30", "enter")
        await pilot.pause()
        assert app.position == 90.0 and "T+01:30" in header_text(app)
        await pilot.press("g", *"T+02:05", "enter")
        await pilot.pause()
        assert app.position == 125.0


async def test_a_bad_time_is_an_error_and_the_position_stays(session: ReplaySession) -> None:
    app = ReplayApp(session, at=42)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("g", *"soon", "enter")
        await pilot.pause()
        assert app.position == 42.0 and app.screen is app.replay_screen
        assert [n.message for n in app._notifications] == [
            "bad time 'soon': use seconds (83, 83s), m:ss (1:23) or T+mm:ss (T+01:23)"
        ]


async def test_a_click_on_the_scrubber_seeks_there(session: ReplaySession) -> None:
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        scrubber = app.query_one(Scrubber)
        column = scrubber.column_of(session.markers[-3].t)
        await pilot.click(Scrubber, offset=(column, 0))
        assert app.position == pytest.approx(session.markers[-3].t, abs=session.duration / scrubber.size.width)
        assert scrubber.column_of(app.position) == column


# --- what the screen shows ---------------------------------------------------------------------


async def test_the_screen_at_t_is_the_fold_at_t(session: ReplaySession) -> None:
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.replay_screen
        assert screen is not None
        for t in (150.0, 20.0, 90.0, 112.0, 118.5, 0.0, session.duration, 61.0):  # forwards and backwards
            screen.seek(t)
            await pilot.pause()
            state = session.state_at(t)
            assert phase_shown(app) == state.phase.value
            for step in session.playbook.steps:
                shown = screen.steps.get_cell(step.id, "status")
                assert str(shown) == step_status(state.steps[step.id]), (t, step.id)
            for panel in screen.query(SignalPanel):
                view = state.signals[panel.signal.id]
                assert band_state(panel) == view.state, (t, panel.signal.id)
            for role in screen.checklists.roles:
                table = screen.checklists.table(role)
                for item in session.playbook.roles[role].checklist:
                    mark = str(table.get_cell(item.id, "mark"))[-1]  # after the item's number
                    assert mark == ("☑" if state.checklist[(role, item.id)].checked else "☐"), (t, role, item.id)
            shown_seqs = [line.seq for line in app.query_one(Timeline).lines_seen]
            assert shown_seqs == [
                e.seq for e in session.events[: state.seq + 1] if e.type not in ("signal.sample", "log.sealed")
            ]


async def test_no_key_can_change_the_drill(session: ReplaySession, demo_log: Path) -> None:
    before = demo_log.read_bytes()
    app = ReplayApp(session, at=112)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not hasattr(app, "engine")
        app.replay_screen.steps.select("registry-rollback")  # type: ignore[union-attr]
        await pilot.press(*"radcntsuep", "enter")
        assert app.screen is app.replay_screen, "no dialog of the live console opens"
        assert app.position == 112.0
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = str(app.screen.query_one("Static").render())
        for words in ("Space", "play / pause", "next phase", "go to a drill time", "on the scrubber"):
            assert words in help_text
    assert demo_log.read_bytes() == before


# --- damaged logs ------------------------------------------------------------------------------


async def test_a_tampered_log_opens_with_a_warning_naming_the_line(demo_log: Path, tmp_path: Path) -> None:
    lines = log_lines(demo_log)
    event = json.loads(lines[56])
    event["data"]["values"]["precision"] = 0.99  # an edit that keeps the old hash
    lines[56] = json.dumps(event, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode() + b"\n"
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"".join(lines))
    session = ReplaySession.open(tampered)
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = str(app.query_one("#replay-warning").render())
        assert banner.startswith("⚠ LOG NOT INTACT — chain broken at line 57: hash mismatch (line edited)")
        await pilot.press("end")
        assert app.position == session.events[55].t == session.duration


@pytest.mark.parametrize("mid_line", [True, False], ids=["cut-mid-line", "cut-at-line-end"])
async def test_a_crashed_drill_replays_to_its_last_event(demo_log: Path, tmp_path: Path, mid_line: bool) -> None:
    lines = log_lines(demo_log)
    crashed = tmp_path / "crashed.jsonl"
    crashed.write_bytes(b"".join(lines[:150]) + (lines[150][:40] if mid_line else b""))
    session = ReplaySession.open(crashed)
    assert session.events[-1].seq == 149 and not session.complete
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = str(app.query_one("#replay-warning").render())
        if mid_line:
            assert banner.startswith("⚠ LOG NOT INTACT — chain broken at line 151: truncated or malformed line")
        else:
            assert banner == "⚠ UNFINISHED DRILL — drill did not finish (no session.ended); replaying to its last event"
        await pilot.press("end")
        assert app.position == session.events[149].t
        assert phase_shown(app) == session.state_at(app.position).phase.value
        assert "outcome" not in header_text(app)


# --- reading aids --------------------------------------------------------------------------------


async def test_filters_themes_and_the_palette_only_change_the_view(session: ReplaySession) -> None:
    app = ReplayApp(session, at=120)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        timeline = app.query_one(Timeline)
        await pilot.press("k", "k")  # all → session → phase
        assert timeline.kind == "phase"
        app.replay_screen.seek(20.0)  # type: ignore[union-attr]
        await pilot.press("end")
        assert app.position == session.duration
        assert len(timeline.shown) == 7, "the kind filter holds through a seek back: only the 7 phase entries show"
        app.theme = "daylight"
        await pilot.pause()
        assert app.position == session.duration
        provider = ReplayCommands(app.screen)
        names = {name: callback for name, callback, _ in provider._commands()}
        for wanted in ("Play / pause", "Next phase", "Go to time…", "Speed: 60×", "Theme: high-contrast"):
            assert wanted in names, wanted
        assert not any(name.startswith(("Run step", "Approve", "Decide", "End the drill")) for name in names)
        decided = next(e.t for e in session.events if e.type == "decision.made")
        names[f"Go to T+{int(decided) // 60:02d}:{int(decided) % 60:02d} decision: full_rollback"]()
        await pilot.pause()
        assert app.position == decided and phase_shown(app) == "execute"
