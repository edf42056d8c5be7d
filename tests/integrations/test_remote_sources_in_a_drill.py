"""Remote sources inside a real headless drill: the engine polls them, backfills, and turns failures stale."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml
from local_servers import LocalServer, Reply, Request, constant

from drillconsole.playbook.models import Playbook
from drillconsole.signals import build_sources
from drillconsole.signals.http_json import HttpJsonSignal
from drillconsole.signals.prometheus import PrometheusSignal
from drillconsole.sim.target import SimulatedTarget


def _range(request: Request) -> Reply:
    end = float(request.query["end"])
    values = [[end - 10 + i, str(0.9 + i / 100)] for i in range(11)]
    return Reply(
        200, {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}]}}
    )


def _instant(request: Request) -> Reply:
    """`up` is 0.5, scraped just now; `timestamp(up)` says when (as Prometheus does)."""
    now = time.time()
    value = str(now) if request.query["query"].startswith("timestamp(") else "0.5"
    result = [{"metric": {"__name__": "up"}, "value": [now, value]}]
    return Reply(200, {"status": "success", "data": {"resultType": "vector", "result": result}})


def test_headless_drill_polls_http_json_and_prometheus(tmp_path: Path) -> None:
    token = "svc-token-" + "55aa66bb77cc"
    server = LocalServer(
        {
            ("GET", "/stats"): constant(200, {"model": {"precision": [0.5, 0.94]}}),
            ("GET", "/broken"): constant(500, {"error": f"down, token {token}"}),
            ("GET", "/api/v1/query"): _instant,
            ("GET", "/api/v1/query_range"): _range,
        }
    ).start()
    auth = {"Authorization": "Bearer ${env:SVC_TOKEN}"}
    doc = {
        "drill": {
            "id": "remote",
            "title": "remote",
            "model": "m",
            "versions": {"suspect": "2", "known_safe": "1"},
            "time_limit": "30s",
        },
        "roles": {"commander": {"title": "C", "authority": ["declare_rollback", "approve_gate", "end_drill"]}},
        "signals": [
            {
                "id": "precision",
                "title": "P",
                "source": {
                    "kind": "http_json",
                    "url": "${env:SVC}/stats",
                    "path": "model.precision.1",
                    "headers": auth,
                },
            },
            {
                "id": "broken",
                "title": "B",
                "interval": "2s",
                "stale_after": 2,
                "source": {"kind": "http_json", "url": "${env:SVC}/broken", "path": "x"},
            },
            {
                "id": "up",
                "title": "U",
                "source": {
                    "kind": "prometheus",
                    "url": "${env:SVC}",
                    "query": "up",
                    "backfill": "10s",
                    "headers": auth,
                },
            },
        ],
        "steps": [{"id": "m", "title": "m", "phase": "baseline", "owner": "commander", "kind": "manual"}],
    }
    playbook = tmp_path / "remote.yaml"
    playbook.write_text(yaml.safe_dump(doc))
    script = tmp_path / "script.yaml"
    script.write_text(
        yaml.safe_dump([{"at": "8s", "role": "commander", "do": "end", "outcome": "aborted", "reason": "done"}])
    )
    env = {**__import__("os").environ, "SVC": server.url, "SVC_TOKEN": token}
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "drillconsole",
                "run",
                str(playbook),
                "--headless",
                "--virtual-clock",
                "--script",
                str(script),
                "--log-dir",
                str(tmp_path / "logs"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.close()
    assert result.returncode == 1, result.stderr  # aborted by the script
    raw = next((tmp_path / "logs").rglob("*.jsonl")).read_bytes()
    assert token.encode() not in raw
    events = [json.loads(line) for line in raw.splitlines()]
    values = [e["data"]["values"] for e in events if e["type"] == "signal.sample"]
    assert any(v.get("precision") == 0.94 for v in values) and any(v.get("up") == 0.5 for v in values)
    [history] = [
        e["data"]["history"]["up"] for e in events if e["type"] == "signal.sample" and e["data"].get("history")
    ]
    assert len(history) == 11 and history[-1][1] == 1.0 and all(t <= 0 for t, _ in history)
    errors = [e["data"] for e in events if e["type"] == "source.error" and e["data"]["signal"] == "broken"]
    # The service URL is configuration (`${env:SVC}`): shown, so the operator sees which endpoint failed.
    assert errors and errors[0]["error"].startswith(f"GET {server.url}/broken: HTTP 500: down, token ***")
    assert [
        e
        for e in events
        if e["type"] == "signal.state"
        and {k: v for k, v in e["data"].items() if k != "reason"}
        == {"signal": "broken", "state": "stale", "prev": "ok", "value": None}
        and e["data"]["reason"].startswith(f"2 polls without an answer: GET {server.url}/broken: HTTP 500: down")
    ]
    assert all(
        server_request.headers.get("Authorization") == f"Bearer {token}"
        for server_request in server.requests
        if server_request.path in ("/stats", "/api/v1/query")
    )


def test_build_sources_maps_each_kind() -> None:
    pb = Playbook.model_validate(
        {
            "drill": {"id": "k", "title": "k", "model": "m", "versions": {"suspect": "2", "known_safe": "1"}},
            "roles": {"c": {"title": "C"}},
            "signals": [
                {"id": "a", "title": "a", "source": {"kind": "simulated", "baseline": 1}},
                {"id": "b", "title": "b", "source": {"kind": "http_json", "url": "http://x", "path": "v"}},
                {"id": "c", "title": "c", "source": {"kind": "prometheus", "url": "http://x", "query": "up"}},
            ],
            "steps": [{"id": "m", "title": "m", "phase": "baseline", "owner": "c", "kind": "manual"}],
        }
    )
    sources = build_sources(pb, SimulatedTarget(pb, 0), context=None)
    assert sources["a"].synchronous and not sources["b"].synchronous and not sources["c"].synchronous
    assert isinstance(sources["b"], HttpJsonSignal) and isinstance(sources["c"], PrometheusSignal)
