"""A source that hangs or errors leaves the console responsive and its panel stale (the engine decides what is stale)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from drillconsole import resources
from drillconsole.engine.engine import Engine
from drillconsole.launch import Prepared
from drillconsole.playbook.models import Signal
from drillconsole.signals import SourceError
from drillconsole.ui.app import DrillApp
from drillconsole.ui.widgets.signal_panel import SignalPanel
from drillconsole.ui.widgets.timeline import Timeline

from .conftest import SIZE, fast_drill, wait_for

SIMULATED_PRECISION = "source: {kind: simulated, baseline: 0.92, noise: 0.004, min: 0, max: 1}"
REMOTE_PRECISION = "source: {kind: http_json, url: 'http://127.0.0.1:9/metrics', path: precision, timeout: 100ms}"
"""A remote source with a short timeout: the engine gives up on each poll after 0.1 s + its 1 s grace."""


class HangingSource:
    """A remote source whose poll never answers."""

    synchronous = False

    def __init__(self, signal: Signal) -> None:
        self.signal = signal

    async def poll(self) -> float:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        return None


class BrokenSource(HangingSource):
    """A remote source whose every poll fails."""

    async def poll(self) -> float:
        raise SourceError("connection refused")


def drill_with_bad_sources(tmp_path: Path) -> Prepared:
    text = resources.bundled_playbook("demo").read_text()
    assert SIMULATED_PRECISION in text
    playbook = tmp_path / "remote-precision.yaml"
    playbook.write_text(text.replace(SIMULATED_PRECISION, REMOTE_PRECISION))
    base = fast_drill(tmp_path, speed=10.0, playbook=playbook)
    pb = base.playbook
    sources = dict(base.engine.sources)
    sources["precision"] = HangingSource(pb.signal("precision"))
    sources["error_rate"] = BrokenSource(pb.signal("error_rate"))
    engine = Engine(
        pb,
        base.log,
        base.engine.clock,
        playbook_path=base.engine.playbook_path,
        playbook_hash=base.engine.playbook_hash,
        playbook_text=base.engine.playbook_text,
        sources=sources,
    )
    return Prepared(engine, base.log, pb, base.log_path, engine)


def panel_text(app: DrillApp, signal: str) -> str:
    """The panel's lines as drawn."""
    return app.main_screen.query_one(f"#signal-{signal}", SignalPanel).text  # type: ignore[union-attr]


async def test_hanging_and_failing_sources_go_stale_and_the_app_responds(tmp_path: Path) -> None:
    prepared = drill_with_bad_sources(tmp_path)
    app = DrillApp(prepared)
    state = prepared.engine.state
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: state.signals["error_rate"].state == "stale", "the failing source to turn stale")
        await wait_for(
            pilot, lambda: state.signals["precision"].state == "stale", "the hanging source to turn stale", 10
        )
        await wait_for(pilot, lambda: "? stale" in panel_text(app, "precision"), "the precision panel to show stale")
        assert "? stale" in panel_text(app, "error_rate")
        assert "connection refused" in panel_text(app, "error_rate")
        assert "? stale" in panel_text(app, "precision"), panel_text(app, "precision")
        assert "no answer within 1.1s" in panel_text(app, "precision")
        assert "✓ ok" in panel_text(app, "throughput")  # healthy sources keep sampling
        timeline = app.main_screen.query_one(Timeline)  # type: ignore[union-attr]
        await pilot.press("k")  # the console still answers keys at once
        assert timeline.kind == "session"
        before = prepared.engine.now()
        await wait_for(pilot, lambda: prepared.engine.now() > before, "the drill clock to move on")
