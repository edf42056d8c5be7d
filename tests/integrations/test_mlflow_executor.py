"""registry.set_alias on kind mlflow against a local server speaking MLflow's alias REST endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from local_servers import LocalServer, Reply, Request, context, playbook

from drillconsole.actions import ActionError, executor_for
from drillconsole.actions.mlflow import MlflowRegistry
from drillconsole.playbook.models import Playbook, SetAliasAction

ALIAS = "/api/2.0/mlflow/registered-models/alias"


class FakeMlflow:
    """Aliases of one registered model; `mode` makes writes misbehave."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {"champion": "42"}
        self.mode = "ok"
        self.server = LocalServer({("GET", ALIAS): self.get, ("POST", ALIAS): self.post}).start()

    def get(self, request: Request) -> Reply:
        if request.query.get("name") != "fraud-scorer":
            return Reply(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Registered Model not found"})
        if self.mode == "get500":
            return Reply(500, {"error_code": "INTERNAL_ERROR", "message": "db down"})
        version = self.aliases.get(request.query["alias"])
        if version is None:
            return Reply(
                400,
                {
                    "error_code": "INVALID_PARAMETER_VALUE",
                    "message": f"Registered model alias {request.query['alias']} not found.",
                },
            )
        return Reply(
            200, {"model_version": {"name": "fraud-scorer", "version": version, "aliases": [request.query["alias"]]}}
        )

    def post(self, request: Request) -> Reply:
        body: dict[str, Any] = request.body
        if self.mode == "ignore":
            return Reply(200, {})
        if self.mode == "500-after-write":
            self.aliases[body["alias"]] = body["version"]
            return Reply(500, {"error_code": "INTERNAL_ERROR", "message": "lost the answer"})
        if self.mode == "500":
            return Reply(500, {"error_code": "INTERNAL_ERROR", "message": "boom"})
        if self.mode == "slow":
            return Reply(200, {}, delay=1.0)
        self.aliases[body["alias"]] = body["version"]
        return Reply(200, {})


@pytest.fixture
def mlflow() -> Iterator[FakeMlflow]:
    fake = FakeMlflow()
    yield fake
    fake.server.close()


def registry_playbook(url: str, model: str = "fraud-scorer") -> Playbook:
    target = {
        "type": "registry",
        "kind": "mlflow",
        "tracking_uri": url + "/",
        "model_name": model,
        "timeout": 0.3,
        "headers": {"Authorization": "Bearer ${env:MLFLOW_TOKEN}"},
    }
    return playbook(targets={"registry": target})


def rollback(frm: str | None = "42", to: str = "41") -> SetAliasAction:
    return SetAliasAction.model_validate({"type": "registry.set_alias", "target": "registry", "from": frm, "to": to})


async def run(fake: FakeMlflow, action: SetAliasAction, model: str = "fraud-scorer") -> dict[str, Any]:
    pb = registry_playbook(fake.server.url, model)
    ctx = context(pb, env={"MLFLOW_TOKEN": "tok-abcdef"}, secrets=("tok-abcdef",))
    executor = executor_for(action, pb)
    assert isinstance(executor, MlflowRegistry)
    return (await executor.run(action, ctx)).result


async def test_compare_and_set_moves_the_alias_and_reads_it_back(mlflow: FakeMlflow) -> None:
    result = await run(mlflow, rollback())
    assert result == {"target": "registry", "alias": "champion", "from": "42", "to": "41"}
    assert mlflow.aliases["champion"] == "41"
    methods = [r.method for r in mlflow.server.requests]
    assert methods == ["GET", "POST", "GET"]
    assert mlflow.server.requests[1].body == {"name": "fraud-scorer", "alias": "champion", "version": "41"}
    assert all(r.headers["Authorization"] == "Bearer tok-abcdef" for r in mlflow.server.requests)


async def test_default_from_is_the_drill_suspect(mlflow: FakeMlflow) -> None:
    mlflow.aliases["champion"] = "40"
    with pytest.raises(ActionError) as info:
        await run(mlflow, rollback(frm=None))
    assert str(info.value) == "alias champion points at v40, expected v42; nothing changed"
    assert mlflow.aliases["champion"] == "40"
    assert [r.method for r in mlflow.server.requests] == ["GET"]


async def test_unset_alias_and_unknown_model(mlflow: FakeMlflow) -> None:
    del mlflow.aliases["champion"]
    with pytest.raises(ActionError, match=r"points at no version \(alias not set\), expected v42; nothing changed"):
        await run(mlflow, rollback())
    with pytest.raises(ActionError, match="registered model nope not found; nothing changed"):
        await run(mlflow, rollback(), model="nope")


async def test_read_back_that_disagrees_fails(mlflow: FakeMlflow) -> None:
    mlflow.mode = "ignore"
    with pytest.raises(ActionError, match="read-back shows alias champion at v42, not v41"):
        await run(mlflow, rollback())


async def test_500_on_the_set_says_nothing_changed(mlflow: FakeMlflow) -> None:
    mlflow.mode = "500"
    with pytest.raises(ActionError) as info:
        await run(mlflow, rollback())
    assert str(info.value).endswith(
        "set alias champion → v41: HTTP 500: boom; alias champion still at v42, nothing changed"
    )
    assert mlflow.aliases["champion"] == "42"


async def test_a_set_that_landed_before_its_500_is_confirmed_not_half_done(mlflow: FakeMlflow) -> None:
    mlflow.mode = "500-after-write"
    result = await run(mlflow, rollback())
    assert result["to"] == "41" and "HTTP 500" in result["confirmed_after"]


async def test_500_on_the_read_and_a_timeout(mlflow: FakeMlflow) -> None:
    mlflow.mode = "get500"
    with pytest.raises(ActionError, match="get alias champion: HTTP 500: db down; nothing changed"):
        await run(mlflow, rollback())
    mlflow.mode = "slow"
    with pytest.raises(ActionError, match=r"timed out after 0\.3s; alias champion still at v42, nothing changed"):
        await run(mlflow, rollback())


async def test_unreachable_registry() -> None:
    fake = FakeMlflow()
    fake.server.close()
    with pytest.raises(ActionError, match="connection refused"):
        await run(fake, rollback())
