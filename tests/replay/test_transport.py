"""The replay transport on an injected wall clock: play, pause, speeds, seeking, stepping, typed times."""

from __future__ import annotations

import pytest

from drillconsole.replay import SPEEDS, TimeFormatError, Transport, parse_time


class Line:
    """A timeline of 100 s with non-sample events at 10, 20, 20.5, 60 and phases at 0, 20, 60."""

    duration = 100.0
    events = (0.0, 10.0, 20.0, 20.5, 60.0, 100.0)
    phases = (0.0, 20.0, 60.0)

    def next_event_t(self, t: float) -> float | None:
        return min((x for x in self.events if x > t), default=None)

    def prev_event_t(self, t: float) -> float | None:
        return max((x for x in self.events if x < t), default=None)

    def next_phase_t(self, t: float) -> float | None:
        return min((x for x in self.phases if x > t), default=None)

    def prev_phase_t(self, t: float) -> float | None:
        return max((x for x in self.phases if x < t), default=None)


def test_starts_paused_at_the_start():
    tr = Transport(Line())
    assert not tr.playing and tr.position(1000.0) == 0.0 and tr.speed == 1.0


def test_play_advances_at_speed_and_pause_holds():
    tr = Transport(Line(), speed=5)
    tr.play(now=10.0)
    assert tr.playing and tr.position(12.0) == 10.0
    tr.pause(now=13.0)
    assert not tr.playing and tr.position(50.0) == 15.0
    tr.play(now=50.0)
    assert tr.position(51.0) == 20.0


def test_toggle():
    tr = Transport(Line())
    assert tr.toggle(0.0) is True and tr.position(4.0) == 4.0
    assert tr.toggle(4.0) is False and tr.position(9.0) == 4.0
    assert tr.toggle(9.0) is True and tr.position(10.0) == 5.0


def test_playing_stops_at_the_end_and_play_again_restarts():
    tr = Transport(Line(), speed=60)
    tr.play(0.0)
    assert tr.position(1.0) == 60.0
    assert tr.position(5.0) == 100.0 and not tr.playing
    assert tr.position(9.0) == 100.0 and tr.at_end(9.0)
    tr.play(10.0)
    assert tr.playing and tr.position(10.5) == 30.0


def test_speed_ladder():
    tr = Transport(Line())
    assert SPEEDS == (1.0, 5.0, 20.0, 60.0)
    assert [tr.faster(0.0) for _ in range(4)] == [5.0, 20.0, 60.0, 60.0]
    assert [tr.slower(0.0) for _ in range(4)] == [20.0, 5.0, 1.0, 1.0]
    odd = Transport(Line(), speed=2.0)  # `--speed 2`: off the ladder, then onto it
    assert odd.faster(0.0) == 5.0 and Transport(Line(), speed=2.0).slower(0.0) == 1.0
    assert Transport(Line(), speed=100.0).slower(0.0) == 60.0


def test_changing_speed_while_playing_keeps_the_position():
    tr = Transport(Line())
    tr.play(0.0)
    assert tr.faster(10.0) == 5.0
    assert tr.position(10.0) == 10.0 and tr.position(12.0) == 20.0
    tr.slower(12.0)
    assert tr.position(14.0) == 22.0


def test_bad_speeds():
    with pytest.raises(ValueError, match="speed must be positive"):
        Transport(Line(), speed=0)
    with pytest.raises(ValueError, match="speed must be positive"):
        Transport(Line()).set_speed(-1, 0.0)


def test_seek_is_clamped_and_keeps_playing():
    tr = Transport(Line())
    assert tr.seek(-5, 0.0) == 0.0 and tr.seek(500, 0.0) == 100.0 and tr.seek(42.5, 0.0) == 42.5
    tr.play(1.0)
    assert tr.seek(10.0, 2.0) == 10.0 and tr.playing and tr.position(3.0) == 11.0
    assert tr.seek(1e9, 3.0) == 100.0 and not tr.playing
    assert Transport(Line(), start=250).position(0.0) == 100.0


def test_jump_is_relative():
    tr = Transport(Line())
    assert tr.jump(30, 0.0) == 30.0 and tr.jump(-10, 0.0) == 20.0
    assert tr.jump(-100, 0.0) == 0.0 and tr.jump(1000, 0.0) == 100.0


def test_step_by_event():
    tr = Transport(Line())
    assert [tr.step_event(+1, 0.0) for _ in range(6)] == [10.0, 20.0, 20.5, 60.0, 100.0, 100.0]
    assert [tr.step_event(-1, 0.0) for _ in range(6)] == [60.0, 20.5, 20.0, 10.0, 0.0, 0.0]
    tr.seek(15.0, 0.0)
    assert tr.step_event(-1, 0.0) == 10.0


def test_step_by_phase():
    tr = Transport(Line())
    assert [tr.step_phase(+1, 0.0) for _ in range(3)] == [20.0, 60.0, 100.0]
    assert [tr.step_phase(-1, 0.0) for _ in range(4)] == [60.0, 20.0, 0.0, 0.0]


def test_stepping_while_playing_measures_from_the_current_position():
    tr = Transport(Line(), speed=5)
    tr.play(0.0)
    assert tr.step_event(+1, 3.0) == 20.0  # at T+15 on the way
    assert tr.playing and tr.position(4.0) == 25.0


def test_a_real_session_drives_the_transport(auto_run):
    session = auto_run.open()
    tr = Transport(session, speed=20)
    first = tr.step_phase(+1, 0.0)
    assert first == session.next_phase_t(0.0)
    assert session.state_at(first).phase.value == "detect"
    landed = tr.step_event(+1, 0.0)
    assert landed > first and any(e.t == landed and e.type != "signal.sample" for e in session.events)
    assert not any(first < e.t < landed and e.type != "signal.sample" for e in session.events)
    tr.play(0.0)
    assert tr.position(1000.0) == session.duration and session.state_at(tr.position(1000.0)).ended


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("83", 83.0),
        ("83s", 83.0),
        ("1:23", 83.0),
        ("T+01:23", 83.0),
        ("t+1:23", 83.0),
        ("  T+ 01:23 ", 83.0),
        ("0", 0.0),
        ("1:02:03", 3723.0),
        ("T+1:02:03", 3723.0),
        ("2m", 120.0),
        ("1m30s", 90.0),
        ("83.5", 83.5),
        ("1:23.5", 83.5),
        ("T+83", 83.0),
    ],
)
def test_parse_time(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "  ", "T+", "-5", "1:60", "1:75:00", "abc", "1::2", "83 s", "1:2:3:4", "T-01:00", "5x"]
)
def test_parse_time_errors_are_one_line(text):
    with pytest.raises(TimeFormatError) as exc:
        parse_time(text)
    assert str(exc.value) == f"bad time {text!r}: use seconds (83, 83s), m:ss (1:23) or T+mm:ss (T+01:23)"
    assert isinstance(exc.value, ValueError)
