"""Status updates for stakeholders: a template filled with drill facts, posted as Slack-compatible JSON."""

from __future__ import annotations

import string

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.durations import format_clock
from drillconsole.playbook.models import NotifyAction
from drillconsole.secrets import MissingSecret, mask, resolve, resolve_deep


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
        if ctx.http is None:
            raise ActionError("no HTTP client available for the webhook")
        try:
            url = resolve(action.url, ctx.env)
            headers = resolve_deep(dict(action.headers), ctx.env)
        except MissingSecret as exc:
            raise ActionError(str(exc)) from None
        import httpx

        try:
            response = await ctx.http.post(url, json={"text": text}, headers=headers)
        except httpx.HTTPError as exc:
            raise ActionError(f"webhook {mask(action.url)} unreachable: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 300:
            raise ActionError(f"webhook {mask(action.url)} answered {response.status_code}")
        return ActionOutcome(result={"channel": action.channel, "delivered": True, "status": response.status_code}, comms=comms)
