"""Reading live dependents against a real HTTP server on 127.0.0.1: versions, counts, failures, no secret leaks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from drillconsole.engine.readers import ReadError, read_count, read_version
from drillconsole.log.contract import EventType
from drillconsole.playbook.downstream import HttpJsonVersion
from tests.downstream.kit import Played, demo, step
from tests.integrations.local_servers import LocalServer, Reply, constant, sequence


def _read(fn: Any, source: HttpJsonVersion) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient() as http:
            return await fn(http, source)

    return asyncio.run(go())


@pytest.fixture
def server() -> Any:
    srv = LocalServer(
        {
            ("GET", "/num"): constant(body={"dependents": {"billing": 41}}),
            ("GET", "/text"): constant(body={"dependents": {"billing": "41-rc1"}}),
            ("GET", "/bool"): constant(body={"dependents": {"billing": True}}),
            ("GET", "/count"): constant(body={"scored": 1234.0}),
            ("GET", "/negative"): constant(body={"scored": -3}),
            ("GET", "/down"): constant(500, {"error": "boom"}),
        }
    ).start()
    yield srv
    srv.close()


def source(server: LocalServer, path: str, field: str = "dependents.billing") -> HttpJsonVersion:
    return HttpJsonVersion(kind="http_json", url=server.url + path, path=field)


def test_versions_read_as_text(server: LocalServer) -> None:
    assert _read(read_version, source(server, "/num")) == "41"
    assert _read(read_version, source(server, "/text")) == "41-rc1"


def test_what_is_not_a_version_or_a_count_is_one_line(server: LocalServer) -> None:
    with pytest.raises(ReadError, match="not a version"):
        _read(read_version, source(server, "/bool"))
    with pytest.raises(ReadError, match="no `dependents.audit` in the answer"):
        _read(read_version, source(server, "/num", "dependents.audit"))
    with pytest.raises(ReadError, match="not a non-negative number"):
        _read(read_count, source(server, "/negative", "scored"))
    assert _read(read_count, source(server, "/count", "scored")) == 1234


def test_a_live_dependent_that_answers_late_then_right_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = sequence(
        Reply(500, {"error": "warming up"}),
        Reply(200, {"version": "42"}),
        Reply(200, {"version": "41"}),
    )
    srv = LocalServer({("GET", "/billing"): answers}).start()
    try:
        monkeypatch.setenv("DEP_TOKEN", "s3cr3t-token-value")
        data = demo(
            billing={
                "source": {
                    "kind": "http_json",
                    "url": srv.url + "/billing?token=${secret:DEP_TOKEN}",
                    "path": "version",
                }
            }
        )
        step(data, "downstream-consistency")["consistency"]["interval"] = "5s"
        played = Played(tmp_path, data)
    finally:
        srv.close()
    [check] = played.lines(EventType.CONSISTENCY_CHECKED)
    assert check["passed"] and check["dependents"]["billing"]["version"] == "41"
    # Unreadable, then still on v42: the check kept polling and saw v41 only at a later read.
    started = played.state.steps["downstream-consistency"].first_started_t
    assert started is not None and check["dependents"]["billing"]["agreed_t"] >= started + 5.0
    assert played.state.outcome == "restored"
    assert "s3cr3t-token-value" not in played.log.read_text()


def test_an_unreadable_dependent_is_named_with_its_error_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = LocalServer({("GET", "/billing"): constant(500, {"error": "boom"})}).start()
    try:
        monkeypatch.setenv("DEP_TOKEN", "s3cr3t-token-value")
        data = demo(
            billing={
                "source": {
                    "kind": "http_json",
                    "url": srv.url + "/billing?token=${secret:DEP_TOKEN}",
                    "path": "version",
                }
            }
        )
        step(data, "downstream-consistency")["consistency"]["within"] = "20s"
        played = Played(tmp_path, data)
    finally:
        srv.close()
    [check] = played.lines(EventType.CONSISTENCY_CHECKED)
    assert not check["passed"] and check["lagging"] == ["billing"]
    error = check["dependents"]["billing"]["error"]
    assert "500" in error and "***" in error
    assert "billing on unknown (" in check["reason"]
    assert "s3cr3t-token-value" not in played.log.read_text()
