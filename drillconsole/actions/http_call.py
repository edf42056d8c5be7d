"""The `http` action: one request with headers and a JSON body; success is an expected status."""

from __future__ import annotations

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.actions.http_common import client, excerpt, one_line, resolved, send
from drillconsole.playbook.models import HttpAction
from drillconsole.secrets import mask

DEFAULT_TIMEOUT = 30.0
"""Per-request timeout; the step's own timeout (enforced by the engine) is usually shorter."""


class HttpCall:
    """Send the request; the result keeps the status and a redacted body excerpt (≤ 2 KB)."""

    async def run(self, action: HttpAction, ctx: ActionContext) -> ActionOutcome:
        url, headers, body = resolved(ctx, action.url, action.headers, action.json_body)
        shown = mask(action.url)
        async with client(ctx) as http:
            response = await send(http, action.method, url, shown, headers=headers, json=body, timeout=DEFAULT_TIMEOUT)
        text = excerpt(response, ctx.redactor)
        if response.status_code not in action.expect:
            expected = ", ".join(str(s) for s in action.expect)
            detail = one_line(text, 160)
            raise ActionError(
                f"{action.method} {shown} answered {response.status_code} (expected {expected})"
                + (f": {detail}" if detail else "")
            )
        return ActionOutcome(
            result={"method": action.method, "url": shown, "status": response.status_code, "body": text}
        )
