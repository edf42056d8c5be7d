"""Freshness by measurement time: a value measured longer ago than `max_age` is stale and drives nothing."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import yaml
from local_servers import LocalServer, Reply, Request

from drillconsole.launch import prepare

PLAYBOOK: dict[str, Any] = {
    "drill": {"id": "fresh", "title": "fresh", "model": "m", "versions": {"suspect": "2", "known_safe": "1"}},
    "roles": {"commander": {"title": "C", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
    "signals": [
        {
            "id": "errors",
            "title": "Errors",
            "interval": "0.2s",
            "max_age": "1s",
            "source": {"kind": "http_json", "url": "${env:SVC}/stats", "path": "v", "timestamp_path": "at"},
            "bands": {"critical": {"above": 5}},
        }
    ],
    "triggers": [{"id": "high", "kind": "threshold", "signal": "errors", "above": 5, "proposes": "full_rollback"}],
    "steps": [
        {
            "id": "decide",
            "title": "Decide",
            "phase": "decide",
            "owner": "commander",
            "kind": "decision",
            "options": [
                {"id": "full_rollback", "title": "Roll back", "expected": True},
                {"id": "hold", "title": "Hold"},
            ],
        }
    ],
}


class Service:
    """An endpoint whose answer is either measured now or frozen at an earlier moment."""

    def __init__(self) -> None:
        self.value = 1.0
        self.frozen_at: float | None = None

    def route(self, request: Request) -> Reply:
        at = self.frozen_at if self.frozen_at is not None else time.time()
        return Reply(200, {"v": self.value, "at": at})


async def _until(check: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:g}s"
        await asyncio.sleep(0.05)


def test_frozen_values_go_stale_never_fire_and_never_return_as_fresh(tmp_path: Path, monkeypatch: Any) -> None:
    service = Service()
    server = LocalServer({("GET", "/stats"): service.route}).start()
    monkeypatch.setenv("SVC", server.url)
    path = tmp_path / "fresh.yaml"
    path.write_text(yaml.safe_dump(PLAYBOOK))
    prepared = prepare(path, log_dir=tmp_path / "logs")
    engine = prepared.engine

    async def drill() -> None:
        task = asyncio.create_task(engine.run())
        view = engine.state.signals["errors"]
        await _until(lambda: view.value == 1.0, "a first fresh sample")
        # The source keeps answering after losing its feed: a bad value measured 5 s ago (before the outage).
        service.frozen_at, service.value = time.time() - 5.0, 50.0
        await _until(lambda: view.state == "stale", "the signal going stale")
        await asyncio.sleep(0)  # let in-flight polls land: none may record the frozen value
        # The source comes back; its first fresh answers are healthy again.
        service.frozen_at, service.value = None, 2.0
        await _until(lambda: view.state == "ok" and view.value == 2.0, "fresh values again")
        engine.end_drill("commander", "aborted", "test over")
        await task

    try:
        asyncio.run(drill())
    finally:
        prepared.log.close()
        server.close()
    events = [json.loads(line) for line in prepared.log_path.read_text().splitlines()]
    samples = [e for e in events if e["type"] == "signal.sample" and "errors" in e["data"]["values"]]
    # The frozen value (measured before the outage, older than max_age) is never recorded, never fires.
    assert all(e["data"]["values"]["errors"] != 50.0 for e in samples)
    assert not [e for e in events if e["type"] == "trigger.fired"]
    [stale] = [e for e in events if e["type"] == "signal.state" and e["data"]["state"] == "stale"]
    assert stale["data"]["reason"].startswith("last measured ") and "(max age 1s)" in stale["data"]["reason"]
    # Every recorded value says when it was measured, never after it was recorded.
    assert all(e["data"]["measured"]["errors"] <= e["t"] for e in samples)
    after = [e for e in samples if e["t"] > stale["t"]]
    assert after and all(e["data"]["measured"]["errors"] > stale["t"] - 1.0 for e in after)
    back = [e for e in events if e["type"] == "signal.state" and e["data"]["prev"] == "stale"]
    assert back and back[0]["data"]["state"] == "ok"
