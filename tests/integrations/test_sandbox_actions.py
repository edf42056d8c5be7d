"""flag.set (http flags), fault.inject, http and notify, against the sandbox and local servers on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from local_servers import LocalServer, Reply, constant, context, playbook

from drillconsole.actions import ActionError, executor_for
from drillconsole.playbook.models import Playbook
from drillconsole.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(fixed_version="42", flags={"new-scoring-path": True}).start()
    yield box
    box.stop()


def flags_playbook(url: str) -> Playbook:
    target = {
        "type": "flags",
        "kind": "http",
        "url": url,
        "flags": {"new-scoring-path": True},
        "segments": ["eu", "us"],
        "timeout": 2,
    }
    return playbook(targets={"flags": target})


async def act(pb: Playbook, action: dict, **kw: object) -> dict:
    parsed = (
        Playbook.model_validate(
            {
                **pb.model_dump(by_alias=True),
                "steps": [
                    {
                        "id": "a",
                        "title": "a",
                        "phase": "baseline",
                        "owner": "commander",
                        "kind": "action",
                        "action": action,
                    }
                ],
            }
        )
        .steps[0]
        .action
    )
    assert parsed is not None
    return (await executor_for(parsed, pb).run(parsed, context(pb, **kw))).result  # type: ignore[arg-type]


async def test_flag_set_for_a_segment_then_restore(sandbox: Sandbox) -> None:
    pb = flags_playbook(sandbox.url)
    action = {"type": "flag.set", "target": "flags", "flag": "new-scoring-path", "value": False, "segment": "eu"}
    result = await act(pb, action)
    assert result == {"target": "flags", "flag": "new-scoring-path", "segment": "eu", "from": True, "to": False}
    assert sandbox.flags.get("new-scoring-path", "eu") is False and sandbox.flags.get("new-scoring-path", "us") is True
    # undo `restore` builds the reverse action from the result
    back = await act(pb, {**action, "value": result["from"]})
    assert back["from"] is False and sandbox.flags.get("new-scoring-path", "eu") is True
    all_off = await act(pb, {"type": "flag.set", "target": "flags", "flag": "new-scoring-path", "value": False})
    assert all_off["segment"] is None and sandbox.flags.get("new-scoring-path", "us") is False


async def test_flag_errors(sandbox: Sandbox) -> None:
    pb = flags_playbook(sandbox.url)
    with pytest.raises(ActionError, match="flag dark-mode is not one target flags may change"):
        await act(pb, {"type": "flag.set", "target": "flags", "flag": "dark-mode", "value": True})
    with pytest.raises(ActionError, match="segment apac is unknown"):
        await act(
            pb, {"type": "flag.set", "target": "flags", "flag": "new-scoring-path", "value": True, "segment": "apac"}
        )
    sandbox.flags._values.clear()  # the service forgot the flag
    with pytest.raises(ActionError, match="unknown to the flag service; nothing changed"):
        await act(pb, {"type": "flag.set", "target": "flags", "flag": "new-scoring-path", "value": True})


async def test_fault_inject_makes_only_the_named_version_misbehave(sandbox: Sandbox) -> None:
    pb = playbook()
    result = await act(pb, {"type": "fault.inject", "url": sandbox.url + "/fault?kind=errors"})
    assert result["delivered"] and result["version"] == "42" and result["status"] == 200
    assert sandbox.faults.of("42") == {"errors"} and not sandbox.faults.of("41")
    recorded = await act(pb, {"type": "fault.inject", "version": "40"})
    assert recorded == {"version": "40", "delivered": False}
    with pytest.raises(ActionError, match=r"HTTP 400: unknown fault kind melt"):
        await act(pb, {"type": "fault.inject", "url": sandbox.url + "/fault?kind=melt"})


async def test_http_action_keeps_status_and_a_redacted_excerpt() -> None:
    secret = "sk-live-0123456789"
    echo = LocalServer(
        {("POST", "/deploy"): lambda r: Reply(201, {"echo": r.headers.get("X-Api-Key"), "pad": "x" * 5000})}
    ).start()
    try:
        action = {
            "type": "http",
            "method": "POST",
            "url": echo.url + "/deploy",
            "headers": {"X-Api-Key": "${env:DEPLOY_KEY}"},
            "json": {"version": "41", "token": "${env:DEPLOY_KEY}"},
        }
        result = await act(playbook(), action, env={"DEPLOY_KEY": secret}, secrets=(secret,))
        assert echo.requests[0].headers["X-Api-Key"] == secret and echo.requests[0].body == {
            "version": "41",
            "token": secret,
        }
        assert result["status"] == 201 and secret not in result["body"] and '"echo": "***"' in result["body"]
        assert len(result["body"].encode()) <= 2048 + 3
        echo.routes[("POST", "/deploy")] = constant(503, {"error": f"busy {secret}"})
        with pytest.raises(ActionError) as info:
            await act(playbook(), action, env={"DEPLOY_KEY": secret}, secrets=(secret,))
        assert str(info.value).startswith(
            "POST http://127.0.0.1:"
        ) and "answered 503 (expected 200, 201, 202, 204)" in str(info.value)
        assert secret not in str(info.value)
    finally:
        echo.close()


async def test_notify_posts_to_a_real_webhook_receiver() -> None:
    hook = LocalServer({("POST", "/hook"): constant(200, "ok")}).start()
    try:
        pb = playbook()
        action = {
            "type": "notify",
            "channel": "#inc",
            "url": hook.url + "/hook",
            "headers": {"Authorization": "Bearer ${env:HOOK}"},
            "template": "{model}: v{suspect} → v{known_safe}, phase {phase}",
        }
        result = await act(pb, action, env={"HOOK": "hook-secret-1"})
        assert result == {"channel": "#inc", "delivered": True, "status": 200}
        [request] = hook.requests
        assert request.body == {"text": "fraud-scorer: v42 → v41, phase baseline"}
        assert request.headers["Authorization"] == "Bearer hook-secret-1"
        hook.routes[("POST", "/hook")] = constant(500, {"error": "down"})
        with pytest.raises(ActionError, match=r"webhook http://127\.0\.0\.1:\d+/hook answered HTTP 500: down"):
            await act(pb, action, env={"HOOK": "hook-secret-1"})
    finally:
        hook.close()


async def test_sandbox_metrics_show_the_fault_and_recovery(sandbox: Sandbox) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        metrics = (await client.get(sandbox.url + "/metrics")).text
        for name in (
            'sandbox_requests_total{status="500"}',
            "sandbox_request_latency_seconds_bucket",
            "sandbox_model_precision",
            "sandbox_policy_violations_total",
            "sandbox_live_model_version 42.0",
            'sandbox_model_info{version="42"}',
        ):
            assert name in metrics
        time.sleep(1.2)
        healthy = sandbox.metrics.precision._value.get()
        assert healthy > 0.9
        await client.post(sandbox.url + "/fault", json={"version": "42", "kind": "precision"})
        time.sleep(5.6)  # a full precision window of faulty probes
        assert sandbox.metrics.precision._value.get() < 0.8
        predicted = await client.post(sandbox.url + "/predict", json={"features": [1, 0, 1, 1]})
        assert predicted.status_code == 200 and predicted.json()["version"] == "42"
        bad = await client.post(sandbox.url + "/predict", json={"features": [1, "x"]})
        assert bad.status_code == 400 and "features" in bad.json()["error"]


def test_sandbox_follows_the_registry_alias() -> None:
    aliases = {"champion": "42"}
    registry = LocalServer(
        {
            ("GET", "/api/2.0/mlflow/registered-models/alias"): lambda r: Reply(
                200, {"model_version": {"version": aliases[r.query["alias"]]}}
            )
        }
    ).start()
    box = Sandbox(mlflow=registry.url, refresh=0.2).start()
    try:
        assert box.version == "42" and box.registry_up
        aliases["champion"] = "41"
        deadline = time.monotonic() + 3
        while box.version != "41" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert box.version == "41"
        registry.close()
        time.sleep(0.6)
        assert box.version == "41" and not box.registry_up  # keeps serving the last known version
    finally:
        box.stop()
        registry.close()
