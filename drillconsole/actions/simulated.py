"""Executors for the embedded simulated registry and feature flags."""

from __future__ import annotations

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.playbook.models import FlagSetAction, SetAliasAction

REGISTRY_LATENCY = 1.5
FLAG_LATENCY = 0.5


class SimulatedRegistry:
    """Compare-and-set of a registry alias on the simulated registry."""

    async def run(self, action: SetAliasAction, ctx: ActionContext) -> ActionOutcome:
        target = ctx.playbook.targets[action.target]
        alias = action.alias or target.alias  # type: ignore[union-attr]
        expected = action.from_version or ctx.playbook.drill.versions.suspect
        current = ctx.state.registry.get(action.target, {}).get(alias)
        if current != expected:
            raise ActionError(
                f"alias {alias} points at v{current}, expected v{expected}; refusing to re-point (nothing changed)"
            )
        return ActionOutcome(
            result={"target": action.target, "alias": alias, "from": current, "to": action.to_version},
            latency=REGISTRY_LATENCY,
        )

    async def read_back(self, action: SetAliasAction, ctx: ActionContext) -> str | None:
        """Where the alias points now (the drill state is the simulated registry)."""
        target = ctx.playbook.targets[action.target]
        alias = action.alias or target.alias  # type: ignore[union-attr]
        return ctx.state.registry.get(action.target, {}).get(alias)


class SimulatedFlags:
    """Set a simulated feature flag for one segment or all."""

    async def run(self, action: FlagSetAction, ctx: ActionContext) -> ActionOutcome:
        flags = ctx.state.flags.get(action.target, {})
        if action.flag not in flags:
            raise ActionError(f"flag {action.flag} is unknown to target {action.target}")
        current = ctx.state.flag_on(action.flag, action.segment, action.target)
        return ActionOutcome(
            result={
                "target": action.target,
                "flag": action.flag,
                "segment": action.segment,
                "from": current,
                "to": action.value,
            },
            latency=FLAG_LATENCY,
        )

    async def read_back(self, action: FlagSetAction, ctx: ActionContext) -> bool | None:
        """The flag's value now for the action's segment (the drill state is the simulated flag service)."""
        if action.flag not in ctx.state.flags.get(action.target, {}):
            return None
        return ctx.state.flag_on(action.flag, action.segment, action.target)
