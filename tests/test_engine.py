"""Engine rules on a virtual clock: triggers, authority, gates, steps, escalations, phases."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest
from drillkit import Drill, mini

from drillconsole.errors import CommandError

APPROVE = "ROLL BACK"


def spike_playbook(duration: str) -> dict:
    return mini(
        scenario=[
            {"id": "blip", "at": "20s", "signal": "quality", "kind": "spike", "delta": -0.2, "duration": duration}
        ]
    )


@pytest.mark.parametrize(("duration", "fires"), [("9s", False), ("10s", False), ("11s", True), ("30s", True)])
async def test_threshold_must_hold_for_its_duration(tmp_path, duration, fires):
    d = Drill(tmp_path, spike_playbook(duration))
    await d.until(60)
    fired = d.events("trigger.fired")
    assert bool(fired) is fires
    if fires:
        # breached from the sample at T+20; `for: 10s` is met at the sample at T+30
        assert fired[0].t == 30.0
        assert fired[0].data["detail"]["held_s"] == 10.0


async def test_sustained_fault_fires_and_enters_decide(tmp_path):
    d = Drill(tmp_path)
    await d.until(40)
    fired = d.first("trigger.fired", trigger="quality-low")
    assert fired is not None and fired.t == 30.0 and fired.data["proposes"] == "rollback"
    phases = [e.data["phase"] for e in d.events("phase.entered")]
    assert phases == ["baseline", "detect", "decide"]
    states = [(e.t, e.data["state"]) for e in d.events("signal.state")]
    assert states == [(25.0, "warn"), (30.0, "critical")]


def ci_playbook(**trigger) -> dict:
    return mini(
        signals=[{"id": "err", "title": "Errors", "source": {"kind": "simulated", "baseline": 1.0, "noise": 0.3}}],
        triggers=[
            {
                "id": "err-ci",
                "kind": "confidence_interval",
                "signal": "err",
                "window": "20s",
                "confidence": 0.99,
                "min_samples": 5,
                "proposes": "rollback",
                **trigger,
            }
        ],
        scenario=[{"id": "climb", "at": "30s", "signal": "err", "kind": "ramp", "delta": 2.0, "over": "40s"}],
        steps=[mini()["steps"][0]],
        escalations=[],
    )


def interval(samples: list[tuple[float, float]], now: float, window: float, confidence: float):
    values = [v for t, v in samples if now - window < t <= now]
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = NormalDist().inv_cdf(1 - (1 - confidence) / 2) * sd / math.sqrt(n)
    return mean - half, mean + half


@pytest.mark.parametrize(("side", "bound"), [("above", 1.5), ("below", 0.6)])
async def test_confidence_trigger_uses_the_interval_bound(tmp_path, side, bound):
    data = ci_playbook(**{side: bound})
    if side == "below":
        data["scenario"][0]["delta"] = -1.0
    d = Drill(tmp_path, data)
    await d.until(120)
    fired = d.events("trigger.fired")
    assert len(fired) == 1
    samples = [(e.t, e.data["values"]["err"]) for e in d.events("signal.sample")]
    t = fired[0].t
    lower, upper = interval(samples, t, 20, 0.99)
    before_lower, before_upper = interval(samples, t - 1, 20, 0.99)
    if side == "above":
        # fires on the first sample whose interval *lower* end clears the bound, not the mean
        assert lower > bound >= before_lower
        assert fired[0].data["detail"]["side"] == "lower"
    else:
        assert upper < bound <= before_upper
        assert fired[0].data["detail"]["side"] == "upper"
    assert fired[0].data["detail"]["lower"] == pytest.approx(lower, abs=1e-5)


async def test_policy_violation_fires_at_once(tmp_path):
    data = mini(
        signals=[
            *mini()["signals"],
            {
                "id": "violations",
                "title": "Violations",
                "source": {"kind": "simulated", "baseline": 0, "integer": True, "min": 0},
            },
        ],
        triggers=[{"id": "policy", "kind": "policy", "signal": "violations", "proposes": "rollback"}],
        scenario=[{"id": "breach", "at": "33s", "signal": "violations", "kind": "shift", "delta": 2}],
    )
    d = Drill(tmp_path, data)
    await d.until(50)
    fired = d.events("trigger.fired")
    assert [(e.t, e.data["trigger"]) for e in fired] == [(33.0, "policy")]


async def test_authority_is_enforced_and_refusals_change_nothing(tmp_path):
    d = Drill(tmp_path)
    await d.until(35)
    before = len(d.events())
    with pytest.raises(CommandError, match="lacks declare_rollback"):
        d.engine.decide("steward", "rollback", "looks bad")
    with pytest.raises(CommandError, match="unknown role"):
        d.engine.decide("cto", "rollback", "looks bad")
    with pytest.raises(CommandError, match="needs a rationale"):
        d.engine.decide("commander", "rollback", "  ")
    with pytest.raises(CommandError, match="unknown option"):
        d.engine.decide("commander", "pray", "why not")
    d.engine.decide("commander", "rollback", "quality below band")
    with pytest.raises(CommandError, match="already decided"):
        d.engine.decide("commander", "hold", "changed my mind")
    with pytest.raises(CommandError, match="owned by tech"):
        d.engine.run_step("observer", "rollback")
    assert d.engine.run_step("tech", "rollback") == "gate requested"
    with pytest.raises(CommandError, match="lacks approve_gate"):
        d.engine.approve("observer", "rollback", APPROVE)
    with pytest.raises(CommandError, match="lacks approve_gate"):
        d.engine.approve("tech", "rollback", APPROVE)
    with pytest.raises(CommandError, match="phrase does not match"):
        d.engine.approve("commander", "rollback", "roll back")
    types = [e.type for e in d.events()[before:]]
    # Refused gate decisions are recorded (who, which gate, why), never the typed phrase; other refusals write nothing.
    assert types == ["decision.made", "phase.entered", "gate.requested", *["access.denied"] * 3]
    denied = d.events("access.denied")
    assert [(e.actor, e.data["reason"]) for e in denied][-1] == ("commander", "confirm phrase does not match")
    assert all("roll back" not in str(e.data) for e in denied)
    assert d.state.steps["rollback"].status == "pending"


async def test_two_person_rule(tmp_path):
    data = mini()
    data["roles"]["commander"]["authority"].append("execute_steps")
    d = Drill(tmp_path, data)
    await d.until(35)
    d.engine.decide("commander", "rollback", "bad")
    d.engine.request_gate("commander", "rollback")
    # The requester is never offered as an approver under the two-person rule.
    assert d.engine.allowed_approvers(d.playbook.step("rollback")) == ["steward"]
    assert d.first("gate.requested", step="rollback").data["approvers"] == ["steward"]
    with pytest.raises(CommandError, match="two-person rule"):
        d.engine.approve("commander", "rollback", APPROVE)
    d.engine.approve("steward", "rollback", APPROVE)
    approved = d.first("gate.approved")
    assert approved.actor == "steward"
    started = d.first("step.started", step="rollback")
    assert started.actor == "tech" and started.seq > approved.seq


async def test_gate_expires_and_the_step_does_not_run(tmp_path):
    d = Drill(tmp_path)
    await d.until(35)
    d.engine.decide("commander", "rollback", "bad")
    d.engine.run_step("tech", "rollback")
    await d.until(200)
    expired = d.first("gate.expired", step="rollback")
    assert expired is not None and expired.t == 95.0
    assert d.first("step.started", step="rollback") is None
    with pytest.raises(CommandError, match="not awaiting approval"):
        d.engine.approve("commander", "rollback", APPROVE)
    escalation = d.first("escalation.raised", escalation="gate-late")
    assert escalation.t == 55.0 and escalation.data["late_roles"] == ["commander", "steward"]
    # Expiry raises its own escalation at once and fails the step, so fallbacks and the commander see it.
    expired_alert = d.first("escalation.raised", escalation="gate-expired")
    assert expired_alert.t == 95.0 and "expired unapproved after 60s" in expired_alert.data["message"]
    failed = d.first("step.failed", step="rollback")
    assert failed.t == 95.0 and not failed.data["will_retry"]
    assert d.state.steps["rollback"].status == "failed"
    # a retry asks for approval anew
    assert d.engine.retry("tech", "rollback") == "gate requested"
    assert d.state.gates["rollback"].status == "requested"


async def test_a_gate_that_expires_before_its_escalation_still_escalates(tmp_path):
    data = mini()
    step = next(s for s in data["steps"] if s["id"] == "rollback")
    step["gate"]["timeout"] = "10s"  # shorter than the gate escalation (20s after the request)
    d = Drill(tmp_path, data)
    await d.until(35)
    d.engine.decide("commander", "rollback", "bad")
    d.engine.run_step("tech", "rollback")
    await d.until(300)
    assert d.first("escalation.raised", escalation="gate-expired").t == 45.0
    assert d.first("escalation.raised", escalation="gate-late") is None  # the gate was no longer waiting
    assert d.state.steps["rollback"].status == "failed"
    assert not d.state.ended  # the commander decides what next: retry, skip or end; nothing idles silently


async def rolled_back(tmp_path, **kw) -> Drill:
    d = Drill(tmp_path, **kw)
    await d.until(35)
    d.engine.decide("commander", "rollback", "bad")
    d.engine.run_step("tech", "rollback")
    await d.until(40)
    d.engine.approve("commander", "rollback", APPROVE)
    await d.until(45)
    return d


async def test_rollback_makes_the_fault_recede_and_verification_pass(tmp_path):
    d = await rolled_back(tmp_path)
    done = d.first("step.succeeded", step="rollback")
    assert done.t == 41.5 and done.data["result"] == {"target": "registry", "alias": "champion", "from": "2", "to": "1"}
    assert d.state.live_version() == "1"
    d.engine.run_step("steward", "verify")
    outcome_time = 200
    await d.until(outcome_time)
    passed = d.first("verify.passed")
    assert passed is not None
    # the fault fades over `recede: 10s` from T+41.5; quality is back above 0.85 after ~7.5 s, then held 5 s
    assert 50 <= passed.t <= 56
    assert [e.data["phase"] for e in d.events("phase.entered")][-2:] == ["restore", "review"]
    assert d.engine.end("commander") == "restored"


async def test_hold_leaves_the_fault_and_verification_fails(tmp_path):
    d = Drill(tmp_path)
    await d.until(35)
    d.engine.decide("commander", "hold", "wait and see")
    skipped = d.first("step.skipped", step="rollback")
    assert skipped is not None and "decision was hold" in skipped.data["reason"]
    d.engine.run_step("steward", "verify")
    await d.until(120)
    failed = d.first("verify.failed")
    assert failed is not None and failed.t == 35 + 60
    assert d.state.phase.value == "verify"
    assert d.engine.end("commander") == "aborted"


async def test_undo_restores_the_prior_version(tmp_path):
    d = await rolled_back(tmp_path)
    # Undo of a gated step is gated like the step: nothing moves until an approver types the phrase.
    assert d.engine.undo("tech", "rollback") == "gate requested"
    assert d.first("gate.requested", step="rollback", undo=True) is not None
    await d.until(45)
    assert d.state.live_version() == "1"
    with pytest.raises(CommandError, match="phrase does not match"):
        d.engine.approve("commander", "rollback", "nope")
    d.engine.approve("commander", "rollback", APPROVE)
    await d.until(50)
    undone = d.first("step.undone", step="rollback")
    assert undone.data["result"]["from"] == "1" and undone.data["result"]["to"] == "2"
    assert d.state.live_version() == "2"
    assert d.state.steps["rollback"].status == "undone"
    with pytest.raises(CommandError, match="only a succeeded step"):
        d.engine.undo("tech", "rollback")


def cas_playbook(retries: int) -> dict:
    data = mini()
    data["targets"]["registry"]["versions"] = ["1", "2", "3"]
    data["steps"][1]["action"]["from"] = "3"
    data["steps"][1]["retries"] = retries
    data["steps"][1]["retry_delay"] = "4s"
    return data


async def test_compare_and_set_refusal_then_manual_retry_needs_new_approval(tmp_path):
    d = await rolled_back(tmp_path, playbook=cas_playbook(0))
    failed = d.first("step.failed", step="rollback")
    assert "points at v2, expected v3" in failed.data["error"] and failed.data["will_retry"] is False
    assert d.state.live_version() == "2"
    assert d.engine.retry("tech", "rollback") == "gate requested"
    d.engine.approve("steward", "rollback", APPROVE)
    await d.until(60)
    assert len(d.events("step.failed")) == 2
    assert [e.data["attempt"] for e in d.events("step.started")] == [1, 2]


async def test_automatic_retries_follow_the_policy(tmp_path):
    d = await rolled_back(tmp_path, playbook=cas_playbook(1))
    await d.until(60)
    failures = d.events("step.failed")
    assert [(e.t, e.data["will_retry"]) for e in failures] == [(40.0, True), (44.0, False)]
    starts = d.events("step.started")
    assert [e.data.get("retry", False) for e in starts] == [False, True]
    assert d.first("gate.approved") is not None and len(d.events("gate.approved")) == 1


async def test_skip_needs_a_reason(tmp_path):
    d = Drill(tmp_path)
    await d.until(35)
    d.engine.decide("commander", "rollback", "bad")
    with pytest.raises(CommandError, match="needs a reason"):
        d.engine.skip("tech", "rollback", "")
    d.engine.skip("tech", "rollback", "registry frozen by change board")
    assert d.state.steps["rollback"].skip_reason == "registry frozen by change board"
    assert d.state.phase.value == "verify"


async def test_escalations_for_late_decision_and_checklist(tmp_path):
    d = Drill(tmp_path)
    await d.until(100)
    late_decision = d.first("escalation.raised", escalation="decision-late")
    assert late_decision.t == 60.0 and late_decision.data["late_roles"] == ["commander"]
    late_item = d.first("escalation.raised", escalation="item-late")
    # `ack` is due 30 s after decide was entered at T+30
    assert (
        late_item.t == 60.0
        and late_item.data["subject"] == "commander/ack"
        and late_item.data["late_roles"] == ["commander"]
    )
    assert len(d.events("escalation.raised")) == 2
    d.engine.check("commander", "ack")
    assert d.first("checklist.checked").data["late"] is True


async def test_checklist_items_wait_for_their_phase(tmp_path):
    d = Drill(tmp_path)
    await d.until(5)
    with pytest.raises(CommandError, match="for phase decide"):
        d.engine.check("commander", "ack")
    await d.until(31)
    d.engine.check("commander", "ack")
    assert d.state.checklist[("commander", "ack")].by == "commander"
    d.engine.uncheck("commander", "ack")
    assert not d.state.checklist[("commander", "ack")].checked


async def test_time_limit_ends_the_drill_failed(tmp_path):
    d = Drill(tmp_path)
    assert await d.finish() == "failed"
    ended = d.events("session.ended")[0]
    assert ended.t == 600.0 and "time limit" in ended.data["reason"]


async def test_auto_play_restores_the_mini_drill(tmp_path):
    d = Drill(tmp_path, auto=True)
    assert await d.finish() == "restored"
    for event in d.events():
        if event.actor != "engine" and event.type not in ("verify.passed", "step.succeeded", "comms.sent"):
            assert event.data.get("auto") is True, event


def noisy_bands_playbook() -> dict:
    """Signals whose noise crosses both bands often, at two poll intervals, with holds that run, elapse and reset."""
    signals = [
        {
            "id": f"n{i}",
            "title": f"Noisy {i}",
            "interval": "1s" if i % 2 else "2s",
            "source": {"kind": "simulated", "baseline": 100.0, "noise": 6.0},
            "bands": {
                "warn": {"below" if i % 3 == 0 else "above": 95 if i % 3 == 0 else 105, "for": f"{i % 4}s"},
                "critical": {"below" if i % 3 == 0 else "above": 89 if i % 3 == 0 else 111, "for": "3s"},
            },
        }
        for i in range(8)
    ]
    base = mini()
    return mini(signals=[*base["signals"], *signals], drill={**base["drill"], "time_limit": "15m"})


async def test_after_every_tick_each_sampled_signal_shows_the_state_its_bands_give(tmp_path):
    from drillconsole.drill.evaluate import band_state
    from drillconsole.drill.state import DrillState, apply

    d = Drill(tmp_path, noisy_bands_playbook())
    await d.finish()
    events = d.events()
    state = DrillState.initial(d.playbook)
    checked, changes = 0, 0
    for event, following in zip(events, [*events[1:], None], strict=True):
        apply(state, event)
        changes += event.type == "signal.state"
        if following is not None and following.t == event.t:
            continue  # the tick is not over: its band changes come after its sample
        sample = next((e for e in reversed(events[: event.seq + 1]) if e.type == "signal.sample"), None)
        if sample is None or sample.t != event.t:
            continue
        for sid, value in sample.data["values"].items():
            if value is not None:
                assert state.signals[sid].state == band_state(state, sid, event.t), (event.t, sid)
                checked += 1
    assert checked > 3000 and changes > 100  # bands were crossed often, both ways
