"""`flag.set` on `kind: http` flags, over a tiny REST contract that `drillconsole sandbox` implements.

The contract (base URL from the target):
- `GET  {url}/flags/{flag}[?segment=S]` → `200 {"value": true|false}`; `404` for an unknown flag;
- `PUT  {url}/flags/{flag}` with `{"value": bool, "segment": S | null}` → `200 {"value": bool}`;
  a null segment sets the flag for every segment.

The executor reads the current value, sets the new one and reads it back, so
the result's `from` is what the service really had (undo `restore` puts it back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.actions.http_common import (
    client,
    error_detail,
    json_of,
    resolved,
    send,
    server_side,
)
from drillconsole.playbook.models import FlagSetAction
from drillconsole.playbook.models import HttpFlags as HttpFlagsTarget
from drillconsole.secrets import mask

if TYPE_CHECKING:
    import httpx


class HttpFlags:
    """Set a feature flag on an HTTP flag service, for one segment or all.

    One instance serves every try of one step attempt and keeps the value found
    before the first write, so a retry after a lost answer still records the
    real `from` (which undo `restore` puts back).
    """

    def __init__(self) -> None:
        self.found: bool | None = None

    def _where(self, action: FlagSetAction, ctx: ActionContext) -> tuple[HttpFlagsTarget, str, dict[str, str], str]:
        target = ctx.playbook.targets[action.target]
        assert isinstance(target, HttpFlagsTarget)
        base, headers, _ = resolved(ctx, target.url, target.headers)
        url = f"{base.rstrip('/')}/flags/{quote(action.flag, safe='')}"
        shown = f"flags {mask(target.url).rstrip('/')} {action.flag}" + (
            f"[{action.segment}]" if action.segment else ""
        )
        return target, url, headers, shown

    async def _read(self, http: httpx.AsyncClient, action: FlagSetAction, ctx: ActionContext) -> bool:
        target, url, headers, shown = self._where(action, ctx)
        params = {"segment": action.segment} if action.segment is not None else None
        response = await send(http, "GET", url, shown, headers=headers, params=params, timeout=target.timeout)
        return _value(response, shown, ctx)

    async def read_back(self, action: FlagSetAction, ctx: ActionContext) -> str | None:
        """The flag's value now, as `"true"` or `"false"`; ActionError when it cannot be read."""
        async with client(ctx) as http:
            return "true" if await self._read(http, action, ctx) else "false"

    async def run(self, action: FlagSetAction, ctx: ActionContext) -> ActionOutcome:
        target, url, headers, shown = self._where(action, ctx)
        if target.flags and action.flag not in target.flags:
            raise ActionError(
                f"flag {action.flag} is not one target {action.target} may change ({', '.join(target.flags)})"
            )
        if action.segment is not None and target.segments and action.segment not in target.segments:
            raise ActionError(f"segment {action.segment} is unknown to target {action.target}")
        async with client(ctx) as http:
            current = await self._read(http, action, ctx)
            if self.found is None:
                self.found = current
            if current != action.value:
                body = {"value": action.value, "segment": action.segment}
                try:
                    response = await send(http, "PUT", url, shown, headers=headers, json=body, timeout=target.timeout)
                except ActionError as exc:
                    # The answer may be lost after the write landed: read back before anyone tries again.
                    if await self._read(http, action, ctx) != action.value:
                        raise ActionError(f"{exc}; {shown} unchanged", transient=exc.transient) from None
                else:
                    if response.status_code != 200:
                        raise ActionError(
                            f"set {shown}: {error_detail(response, ctx.redactor)}", transient=server_side(response)
                        )
                now = await self._read(http, action, ctx)
                if now != action.value:
                    raise ActionError(
                        f"read-back shows {shown} {'on' if now else 'off'} after setting it {'on' if action.value else 'off'}"
                    )
        return ActionOutcome(
            result={
                "target": action.target,
                "flag": action.flag,
                "segment": action.segment,
                "from": self.found,
                "to": action.value,
            }
        )


def _value(response: httpx.Response, shown: str, ctx: ActionContext) -> bool:
    if response.status_code == 404:
        raise ActionError(f"{shown}: unknown to the flag service; nothing changed")
    if response.status_code != 200:
        raise ActionError(f"read {shown}: {error_detail(response, ctx.redactor)}", transient=server_side(response))
    value = json_of(response, f"read {shown}")
    value = value.get("value") if isinstance(value, dict) else None
    if not isinstance(value, bool):
        raise ActionError(f"read {shown}: answer has no boolean `value`")
    return value
