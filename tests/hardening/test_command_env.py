"""The command action's child sees only the variables the playbook names (plus PATH, HOME, the locale)."""

from __future__ import annotations

import json
import sys

import pytest
from echo_server import context, playbook

from drillconsole.actions.command import BASE_ENV, RunCommand
from drillconsole.playbook.models import CommandAction

DUMP = "import os, json; print(json.dumps(dict(os.environ)))"


async def child_environment(env: dict[str, str], drill_env: dict[str, str] | None = None) -> dict[str, str]:
    action = CommandAction.model_validate({"type": "command", "argv": [sys.executable, "-c", DUMP], "env": env})
    outcome = await RunCommand().run(action, context(playbook(), env=drill_env))
    return json.loads(outcome.result["stdout"])


async def test_inherited_tokens_never_reach_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H1_INHERITED_TOKEN", "inherited-secret-value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-value")
    monkeypatch.setenv("H1_DEPLOY_TOKEN", "named-secret-value")
    seen = await child_environment({"REGION": "eu", "TOKEN": "${secret:H1_DEPLOY_TOKEN}", "ENDPOINT": "${env:PATH}"})
    assert "H1_INHERITED_TOKEN" not in seen and "AWS_SECRET_ACCESS_KEY" not in seen
    assert "inherited-secret-value" not in json.dumps(seen)
    assert seen["REGION"] == "eu" and seen["TOKEN"] == "named-secret-value" and seen["PATH"]
    assert set(seen) <= {*BASE_ENV, "REGION", "TOKEN", "ENDPOINT"}


async def test_the_drill_environment_resolves_references_but_is_not_passed_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drill_env = {"H1_TOKEN": "from-drill-env", "OTHER_TOKEN": "never-passed", "PATH": "/usr/bin:/bin"}
    seen = await child_environment({"T": "${secret:H1_TOKEN}"}, drill_env)
    assert seen["T"] == "from-drill-env" and seen["PATH"] == "/usr/bin:/bin"
    assert "OTHER_TOKEN" not in seen and "H1_TOKEN" not in seen
