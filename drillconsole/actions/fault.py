"""The `fault.inject` action: make a model version misbehave on a sandbox, or only record it.

It POSTs `{"version": V, "on": true}` to the sandbox fault endpoint
(`drillconsole sandbox` serves `POST /fault`); the kind of misbehaviour is the
sandbox's default (precision and errors) unless the URL names one, e.g.
`.../fault?kind=latency`. Without a URL (simulation) the step only records it.
"""

from __future__ import annotations

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.actions.http_common import client, error_detail, excerpt, resolved, send
from drillconsole.playbook.models import InjectFaultAction
from drillconsole.secrets import mask

TIMEOUT = 10.0


class InjectFault:
    """Switch the fault on for the version on the sandbox."""

    async def run(self, action: InjectFaultAction, ctx: ActionContext) -> ActionOutcome:
        version = action.version or ctx.playbook.drill.versions.suspect
        if action.url is None:
            return ActionOutcome(result={"version": version, "delivered": False})
        url, headers, _ = resolved(ctx, action.url, action.headers)
        shown = mask(action.url)
        async with client(ctx) as http:
            response = await send(
                http, "POST", url, shown, headers=headers, json={"version": version, "on": True}, timeout=TIMEOUT
            )
        if response.status_code >= 300:
            raise ActionError(f"fault endpoint {shown}: {error_detail(response, ctx.redactor)}")
        return ActionOutcome(
            result={
                "version": version,
                "delivered": True,
                "status": response.status_code,
                "answer": excerpt(response, ctx.redactor, 512),
            }
        )
