"""False alarms: a trigger that fires while no staged fault affects its signal (transient spikes are not faults)."""

from __future__ import annotations

from pathlib import Path

from reportkit import NOISE_PLAYBOOK, report, run_drill, write_playbook


def test_spike_that_clears_alone_is_a_false_alarm(tmp_path: Path) -> None:
    playbook = write_playbook(tmp_path, "noise.yaml", NOISE_PLAYBOOK)
    script = [
        {"at": "45s", "role": "commander", "do": "decide", "option": "hold", "rationale": "the burst is sustained"},
        {"at": "70s", "role": "commander", "do": "end"},
    ]
    r = report(run_drill(playbook, script, tmp_path / "logs"))
    # 1 s samples, noise 0: a 3 s spike at T+20 is above 200 on samples 20, 21, 22; a 10 s burst at T+40 on 40..49.
    assert [(x["fired_t"], x["cleared_t"], x["false_alarm"]) for x in r["triggers"]] == [
        (20.0, 23.0, True),
        (40.0, 50.0, False),
    ]
    # Both spikes are declared transient: neither is the fault, so both firings are false alarms (docs/metrics.md).
    assert r["false_alarms"] == 2
    assert r["time_to_detect_s"] is None  # transient injections are not the fault
    # No fault, so no trigger detects one: the commander's decision is the detection (by a person).
    assert (r["detected_by"], r["time_to_decision_s"]) == ("person", 0.0)
    assert [m["kind"] for m in r["markers"]] == ["spike", "trigger", "spike", "trigger", "decision"]


def test_a_trigger_on_a_transient_spike_is_a_false_alarm_even_while_firing(tmp_path: Path) -> None:
    playbook = write_playbook(tmp_path, "noise.yaml", NOISE_PLAYBOOK)
    r = report(run_drill(playbook, [{"at": "45s", "role": "commander", "do": "end"}], tmp_path / "logs"))
    # No decision at all: the blip cleared alone (noise); the burst was still firing when the drill ended at T+45.
    assert [(x["fired_t"], x["cleared_t"], x["false_alarm"]) for x in r["triggers"]] == [
        (20.0, 23.0, True),
        (40.0, None, False),
    ]
    assert r["false_alarms"] == 2
    assert r["decision"] is None and r["time_to_decision_s"] is None
