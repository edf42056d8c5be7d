"""The simulated target: faults follow their causes, fade with a lag, and fidelity tells versions apart."""

from __future__ import annotations

from drillkit import PLAYBOOKS, Drill

from drillconsole.playbook.models import FidelityCheck
from drillconsole.sim import fidelity

FLAG_PHRASE = "FLAG OFF merchant_graph EU"


def eu_values(d: Drill, start: float, end: float) -> list[float]:
    return [e.data["values"]["approval_eu"] for e in d.events("signal.sample") if start <= e.t <= end]


async def test_partial_rollback_removes_only_its_part(tmp_path):
    d = Drill(tmp_path, PLAYBOOKS / "partial-rollback.yaml")
    await d.until(75)
    assert max(eu_values(d, 70, 75)) < 50  # the EU interaction is in full effect
    d.engine.decide("commander", "partial_rollback", "EU only")
    d.engine.run_step("tech_lead", "flag-off-eu")
    d.engine.approve("commander", "flag-off-eu", FLAG_PHRASE)
    await d.until(120)
    assert d.state.flag_on("merchant_graph", "eu") is False
    assert d.state.flag_on("merchant_graph", "us") is True  # only the EU segment changed
    assert min(eu_values(d, 105, 120)) > 58  # recovered after the 20 s recede


async def test_rolling_back_the_wrong_thing_does_not_fix_it(tmp_path):
    text = (
        (PLAYBOOKS / "partial-rollback.yaml")
        .read_text()
        .replace(
            "action: {type: flag.set, target: flags, flag: merchant_graph, value: false, segment: eu}",
            "action: {type: flag.set, target: flags, flag: merchant_graph, value: false, segment: us}",
        )
    )
    d = Drill(tmp_path, text)
    await d.until(75)
    d.engine.decide("commander", "partial_rollback", "wrong segment")
    d.engine.run_step("tech_lead", "flag-off-eu")
    d.engine.approve("commander", "flag-off-eu", FLAG_PHRASE)
    await d.until(80)
    d.engine.run_step("data_steward", "verify-partial")
    await d.until(200)
    assert max(eu_values(d, 120, 200)) < 50  # still broken
    failed = d.first("verify.failed", step="verify-partial")
    assert failed is not None and "approval_eu critical" in failed.data["reason"]
    # the fallback (complete retraction) becomes applicable and removes the cause for every segment
    assert d.engine.run_step("tech_lead", "retract") == "gate requested"
    d.engine.approve("data_steward", "retract", "RETRACT credit-limit v7")
    await d.until(260)
    assert d.state.live_version() == "6"
    assert min(eu_values(d, 240, 260)) > 58


async def test_fidelity_separates_the_suspect_from_the_known_safe_version(tmp_path):
    d = Drill(tmp_path, PLAYBOOKS / "demo.yaml")
    await d.until(70)
    check = FidelityCheck(probes=500)
    suspect = fidelity.measure(d.state, check, d.engine.seed)
    assert suspect.version == "42" and not suspect.passed
    assert suspect.match_rate < 0.95 and suspect.max_deviation > 0.03
    d.state.registry["registry"]["champion"] = "41"
    restored = fidelity.measure(d.state, check, d.engine.seed)
    assert restored.version == "41" and restored.passed
    assert restored.match_rate == 1.0 and 0 < restored.max_deviation < 1e-5


async def test_noise_depends_on_the_seed_only(tmp_path):
    a = Drill(tmp_path, PLAYBOOKS / "demo.yaml", name="a.jsonl")
    b = Drill(tmp_path, PLAYBOOKS / "demo.yaml", name="b.jsonl")
    c = Drill(tmp_path, PLAYBOOKS / "demo.yaml", name="c.jsonl", seed=5)
    for drill in (a, b, c):
        await drill.until(30)
    samples = [[e.data for e in drill.events("signal.sample")] for drill in (a, b, c)]
    assert samples[0] == samples[1] != samples[2]
