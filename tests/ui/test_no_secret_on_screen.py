"""A secret never reaches the console's screen, in any encoding: the step's action, its error and the timeline."""

from __future__ import annotations

import base64
import html
import json
import urllib.parse
from pathlib import Path
from typing import Any

import yaml

from drillconsole import resources
from drillconsole.ui.app import DrillApp
from drillconsole.ui.staging import held_drill, settle
from drillconsole.ui.widgets.step_table import StepTable

from .conftest import SIZE, wait_for

TOKEN = 'hk_s3cr"t/+ %\\x&y=z'


def _forms(secret: str) -> list[str]:
    return [
        secret,
        json.dumps(secret)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        secret.replace("/", "\\/"),
    ]


async def test_a_secret_in_a_webhook_never_shows_on_screen(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOOK_TOKEN", TOKEN)
    data = yaml.safe_load(resources.bundled_playbook("demo").read_text())
    step = next(s for s in data["steps"] if s["id"] == "initial-update")
    # Port 9 (discard) refuses the connection: the step fails and its error is on the screen too.
    step["action"]["url"] = "http://127.0.0.1:9/hook?token=${secret:HOOK_TOKEN}"
    step["action"]["headers"] = {"Authorization": "Bearer ${secret:HOOK_TOKEN}"}
    playbook = tmp_path / "secret.yaml"
    playbook.write_text(yaml.safe_dump(data, sort_keys=False))
    prepared = held_drill(103.0, tmp_path / "logs", playbook=playbook)
    app = DrillApp(prepared)
    state = prepared.engine.state
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        prepared.engine.run_step("comms", "initial-update")
        await wait_for(pilot, lambda: state.steps["initial-update"].status in ("failed", "succeeded"), "the webhook")
        app.main_screen.query_one(StepTable).select("initial-update")  # type: ignore[union-attr]
        await pilot.pause()
        # The screen's text: the SVG export escapes markup characters and draws spaces as no-break spaces.
        screen = html.unescape(app.export_screenshot()).replace("\xa0", " ")
    assert "127.0.0.1:9" in screen  # the endpoint is configuration: shown
    for form in _forms(TOKEN):
        assert form not in screen, form
        assert form not in prepared.log_path.read_text(encoding="utf-8"), form
