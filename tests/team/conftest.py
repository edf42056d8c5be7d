"""Fixtures for team drills: a real engine serving its socket in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import yaml

from drillconsole.launch import prepare
from team.natskit import NatsServer
from team.teamkit import TeamDrill, team_playbook


@pytest.fixture
def playbook_path(tmp_path: Path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(team_playbook(), sort_keys=False))
    return path


@pytest.fixture
async def team(tmp_path: Path, playbook_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TeamDrill]:
    monkeypatch.setenv("DRILLCONSOLE_KEY_DIR", str(tmp_path / "keys"))
    prepared = prepare(playbook_path, log_dir=tmp_path / "logs", team={"person": "operator", "roles": []})
    drill = TeamDrill(prepared)
    await drill.start()
    try:
        yield drill
    finally:
        await drill.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server on loopback, with the README's users."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        server.stop()
