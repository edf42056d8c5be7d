"""Status updates for stakeholders: a template filled with drill facts, posted as Slack-compatible JSON."""

from __future__ import annotations

import string

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.actions.http_common import client, error_detail, resolved, send
from drillconsole.drill.wording import format_clock
from drillconsole.playbook.models import NotifyAction
from drillconsole.secrets import mask

TIMEOUT = 10.0
"""Per-request timeout of the webhook POST."""


def facts(ctx: ActionContext) -> dict[str, str]:
    """The drill facts a template may use."""
    state, drill = ctx.state, ctx.playbook.drill
    decision = state.decision["option"] if state.decision else "none yet"
    return {
        "title": drill.title,
        "model": drill.model,
        "environment": drill.environment,
        "phase": state.phase.value,
        "decision": decision,
        "suspect": drill.versions.suspect,
        "known_safe": drill.versions.known_safe,
        "live_version": state.live_version() or "unknown",
        "clock": format_clock(state.t),
    }


def render(template: str, values: dict[str, str]) -> str:
    """Fill `{name}` fields; an unknown field is an error naming it."""
    try:
        return string.Formatter().vformat(template, (), values)
    except (KeyError, IndexError) as exc:
        raise ActionError(f"notify template uses unknown field {exc}") from None
    except ValueError as exc:
        raise ActionError(f"notify template is malformed: {exc}") from None


class Notify:
    """Post the filled template to a webhook, or only record it when there is none."""

    async def run(self, action: NotifyAction, ctx: ActionContext) -> ActionOutcome:
        text = render(action.template, facts(ctx))
        comms = {"channel": action.channel, "text": text, "url": mask(action.url) if action.url else None}
        if action.url is None:
            return ActionOutcome(result={"channel": action.channel, "delivered": False}, comms=comms)
        url, headers, _ = resolved(ctx, action.url, action.headers)
        shown = mask(action.url)
        async with client(ctx) as http:
            response = await send(
                http,
                "POST",
                url,
                f"webhook {shown}",
                headers=headers,
                json={"text": ctx.redactor.text(text)},
                timeout=TIMEOUT,
            )
        if response.status_code >= 300:
            raise ActionError(f"webhook {shown} answered {error_detail(response, ctx.redactor)}")
        return ActionOutcome(
            result={"channel": action.channel, "delivered": True, "status": response.status_code}, comms=comms
        )
