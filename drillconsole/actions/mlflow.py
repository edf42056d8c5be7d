"""`registry.set_alias` on an MLflow registry: compare-and-set over the REST API, then read back.

MLflow has no conditional alias update, so the compare and the set are two
requests; the read-back after the set catches a racing writer. When the set
fails or times out the alias is read again, so the error says whether anything
changed — the step either happened and was confirmed, or it reports what state
the registry is in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.actions.http_common import client, error_detail, json_of, resolved, send, server_side
from drillconsole.playbook.models import MlflowRegistry as MlflowTarget
from drillconsole.playbook.models import SetAliasAction
from drillconsole.secrets import mask

if TYPE_CHECKING:
    import httpx

ALIAS_ENDPOINT = "/api/2.0/mlflow/registered-models/alias"


class _Registry:
    """One MLflow registered model reached over REST, with its alias calls."""

    def __init__(self, ctx: ActionContext, target: MlflowTarget, http: httpx.AsyncClient) -> None:
        base, self.headers, _ = resolved(ctx, target.tracking_uri, target.headers)
        self.url = base.rstrip("/") + ALIAS_ENDPOINT
        self.shown = "MLflow " + mask(target.tracking_uri).rstrip("/")
        self.model = target.model_name or ctx.playbook.drill.model
        self.timeout = target.timeout
        self.http = http
        self.redactor = ctx.redactor

    async def read(self, alias: str) -> str | None:
        """The version the alias points at, or None when the alias is not set."""
        params = {"name": self.model, "alias": alias}
        response = await send(
            self.http,
            "GET",
            self.url,
            f"{self.shown} get alias {alias}",
            headers=self.headers,
            params=params,
            timeout=self.timeout,
        )
        if response.status_code == 200:
            version = (json_of(response, f"{self.shown} get alias").get("model_version") or {}).get("version")
            if version is None:
                raise ActionError(f"{self.shown} get alias {alias}: answer has no model_version.version")
            return str(version)
        body = _json_or_empty(response)
        if response.status_code == 400 and "alias" in str(body.get("message", "")).lower():
            return None  # MLflow answers 400 INVALID_PARAMETER_VALUE for an alias that is not set
        if response.status_code == 404:
            raise ActionError(f"{self.shown}: registered model {self.model} not found; nothing changed")
        raise ActionError(
            f"{self.shown} get alias {alias}: {error_detail(response, self.redactor)}; nothing changed",
            transient=server_side(response),
        )

    async def write(self, alias: str, version: str) -> None:
        """Point the alias at a version (no compare: callers read first)."""
        body = {"name": self.model, "alias": alias, "version": version}
        response = await send(
            self.http,
            "POST",
            self.url,
            f"{self.shown} set alias {alias} → v{version}",
            headers=self.headers,
            json=body,
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise ActionError(
                f"{self.shown} set alias {alias} → v{version}: {error_detail(response, self.redactor)}",
                transient=server_side(response),
            )


def _json_or_empty(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _shown(version: str | None) -> str:
    return f"v{version}" if version is not None else "no version (alias not set)"


class MlflowRegistry:
    """Compare-and-set of a registered model's alias on a real MLflow tracking server.

    One instance serves every try of one step attempt: it remembers that a write
    was sent, so a try after a lost answer that finds the alias already at the
    wanted version counts it as landed rather than as someone else's move.
    """

    def __init__(self) -> None:
        self.sent = False

    async def read_back(self, action: SetAliasAction, ctx: ActionContext) -> str | None:
        """The version the action's alias points at now (None: not set); ActionError when it cannot be read."""
        target = ctx.playbook.targets[action.target]
        assert isinstance(target, MlflowTarget)
        async with client(ctx) as http:
            return await _Registry(ctx, target, http).read(action.alias or target.alias)

    async def run(self, action: SetAliasAction, ctx: ActionContext) -> ActionOutcome:
        target = ctx.playbook.targets[action.target]
        assert isinstance(target, MlflowTarget)
        alias = action.alias or target.alias
        expected = action.from_version or ctx.playbook.drill.versions.suspect
        wanted = action.to_version
        result = {"target": action.target, "alias": alias, "from": expected, "to": wanted}
        async with client(ctx) as http:
            registry = _Registry(ctx, target, http)
            current = await registry.read(alias)
            if current == wanted and self.sent:
                # An earlier try's write landed and only its answer was lost.
                return ActionOutcome(result={**result, "confirmed_after": "an answer lost on an earlier try"})
            if current != expected:
                # Final: someone else moved the alias; retrying would not change that.
                raise ActionError(f"alias {alias} points at {_shown(current)}, expected v{expected}; nothing changed")
            if current == wanted:
                return ActionOutcome(result={**result, "unchanged": True})
            try:
                self.sent = True
                await registry.write(alias, wanted)
            except ActionError as exc:
                return await self._after_failed_write(registry, alias, expected, wanted, exc, result)
            try:
                now = await registry.read(alias)
            except ActionError as exc:
                raise ActionError(
                    f"alias {alias} was set to v{wanted} but reading it back failed ({exc}); check the registry"
                ) from None
            if now != wanted:
                raise ActionError(
                    f"read-back shows alias {alias} at {_shown(now)}, not v{wanted}: another writer moved it; check the registry"
                )
        return ActionOutcome(result=result)

    async def _after_failed_write(
        self,
        registry: _Registry,
        alias: str,
        expected: str,
        wanted: str,
        failure: ActionError,
        result: dict,
    ) -> ActionOutcome:
        """Read back what a failed set left behind: landed is success, not landed may be tried again."""
        error = str(failure)
        try:
            now = await registry.read(alias)
        except ActionError as exc:
            # Unknown state; the next try reads again before it writes anything.
            raise ActionError(
                f"{error}; the alias could not be read back, its state is unknown", transient=exc.transient
            ) from None
        if now == expected:
            raise ActionError(
                f"{error}; alias {alias} still at v{expected}, nothing changed", transient=failure.transient
            )
        if now == wanted:
            # The set landed and only its answer was lost: the step did happen, completely.
            return ActionOutcome(result={**result, "confirmed_after": error})
        raise ActionError(
            f"{error}; alias {alias} is now at {_shown(now)}: another writer moved it; check the registry"
        )
