"""Teardown: put the environment back after a drill — faults cleared, aliases where the drill found them, flags reset.

It runs when a drill ends (restored, failed or aborted; a resumed drill too):
`launch.prepare` sets it as the engine's `on_end` hook, which the engine awaits
once the drill is over, before it closes its HTTP client, so the console and a
headless run both get it. `drillconsole teardown PLAYBOOK` runs it alone.
Where each registry alias pointed when the drill began is read at session start
and recorded in `session.started` (`found`), so the log says what "back" means.
Each action is logged as `teardown.done` or `teardown.failed`; one failing never
stops the others.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillconsole.actions import ActionContext, ActionError, executor_for
from drillconsole.actions.http_common import client, error_detail, resolved, send
from drillconsole.actions.mlflow import MlflowRegistry, _Registry
from drillconsole.drill.state import DrillState
from drillconsole.playbook.models import MlflowRegistry as MlflowTarget
from drillconsole.playbook.models import Playbook, SetAliasAction
from drillconsole.secrets import Redactor, mask

TIMEOUT = 20.0
"""Longest one teardown action may take."""


@dataclass(frozen=True)
class Outcome:
    """What one teardown action did (`error` None) or why it failed."""

    action: str
    result: dict[str, Any]
    error: str | None = None


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to the end from sync code, in a thread of its own (a caller's event loop may be running)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def find_aliases(playbook: Playbook, ctx: ActionContext) -> dict[str, dict[str, Any]]:
    """Where every MLflow registry alias points now: `{target: {alias, version}}` (`error` when unreadable)."""
    found: dict[str, dict[str, Any]] = {}
    for tid, target in playbook.targets.items():
        if not isinstance(target, MlflowTarget):
            continue
        probe = SetAliasAction(type="registry.set_alias", target=tid, to=playbook.drill.versions.known_safe)
        try:
            version = await asyncio.wait_for(MlflowRegistry().read_back(probe, ctx), target.timeout + 1)
            found[tid] = {"alias": target.alias, "version": version}
        except (ActionError, TimeoutError) as exc:
            found[tid] = {"alias": target.alias, "error": str(exc) or "timed out"}
    return found


async def run(playbook: Playbook, ctx: ActionContext, found: dict[str, dict[str, Any]] | None) -> list[Outcome]:
    """Every teardown action in order; each outcome says what was done or why not."""
    outcomes = []
    for action in playbook.teardown:
        try:
            outcomes.append(await asyncio.wait_for(_one(action, ctx, found or {}), TIMEOUT))
        except ActionError as exc:
            outcomes.append(Outcome(_name(action), {}, str(exc)))
        except TimeoutError:
            outcomes.append(Outcome(_name(action), {}, f"timed out after {TIMEOUT:g}s"))
    return outcomes


def _name(action: Any) -> str:
    if action.type == "fault.clear":
        return f"clear faults at {mask(action.url)}"
    if action.type == "registry.restore":
        return f"restore {action.target} alias"
    if action.type == "flag.set":
        return (
            f"flag {action.flag}{f'[{action.segment}]' if action.segment else ''} → {'on' if action.value else 'off'}"
        )
    return f"{action.method} {mask(action.url)}"


async def _one(action: Any, ctx: ActionContext, found: dict[str, dict[str, Any]]) -> Outcome:
    if action.type == "fault.clear":
        url, headers, _ = resolved(ctx, action.url, action.headers)
        async with client(ctx) as http:
            response = await send(http, "DELETE", url, mask(action.url), headers=headers, timeout=10.0)
        if response.status_code >= 300:
            raise ActionError(f"DELETE {mask(action.url)}: {error_detail(response, ctx.redactor)}")
        return Outcome("sandbox faults cleared", {"url": mask(action.url)})
    if action.type == "registry.restore":
        return await _restore(action, ctx, found)
    outcome = await executor_for(action, ctx.playbook).run(action, ctx)
    return Outcome(_name(action), dict(outcome.result))


async def _restore(action: Any, ctx: ActionContext, found: dict[str, dict[str, Any]]) -> Outcome:
    """Point the alias back at the version found at session start (without a record: the suspect version)."""
    target = ctx.playbook.targets.get(action.target)
    if not isinstance(target, MlflowTarget):
        kind = "unknown" if target is None else f"a {target.kind} {target.type}"
        raise ActionError(f"registry.restore: target {action.target} is {kind}, not an MLflow registry")
    alias = action.alias or target.alias
    record = found.get(action.target, {})
    if "version" in record:
        wanted, source = record["version"], "found at session start"
    else:
        wanted, source = ctx.playbook.drill.versions.suspect, "the playbook's suspect version (no record of the start)"
    if wanted is None:
        raise ActionError(f"alias {alias} was not set when the drill began; left as it is")
    async with client(ctx) as http:
        registry = _Registry(ctx, target, http)
        before = await registry.read(alias)
        if before != wanted:
            await registry.write(alias, wanted)
            after = await registry.read(alias)
            if after != wanted:
                raise ActionError(f"read-back shows alias {alias} at v{after}, not v{wanted}")
    result = {"target": action.target, "alias": alias, "from": before, "to": wanted, "why": source}
    return Outcome(f"registry {alias} → v{wanted}" + (" (already there)" if before == wanted else ""), result)


def context_for(playbook: Playbook, redactor: Redactor | None = None) -> ActionContext:
    """An action context outside a drill (the `teardown` command, session start)."""
    return ActionContext(playbook=playbook, state=DrillState.initial(playbook), redactor=redactor or Redactor())


def on_end(found: dict[str, dict[str, Any]] | None) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """The engine's end hook: run the playbook's teardown and log each action."""

    async def after_drill(engine: Any) -> None:
        from drillconsole.log.contract import ENGINE, EventType

        if not engine.playbook.teardown:
            return
        for outcome in await run(engine.playbook, engine.action_context(), found):
            if outcome.error is None:
                engine.emit(EventType.TEARDOWN_DONE, ENGINE, {"action": outcome.action, "result": outcome.result})
            else:
                engine.emit(EventType.TEARDOWN_FAILED, ENGINE, {"action": outcome.action, "error": outcome.error})

    return after_drill


def command(playbook_path: Path, log: Path | None) -> int:
    """`drillconsole teardown PLAYBOOK [--log LOG]`: one line per action; 0 all done, 1 one failed (UserError: 2)."""
    import json
    import os

    import click

    from drillconsole.errors import UserError
    from drillconsole.log.contract import EventType
    from drillconsole.playbook.loader import PlaybookError, load_playbook

    try:
        playbook = load_playbook(playbook_path, env=os.environ)
    except PlaybookError as exc:
        raise UserError("\n".join(str(p) for p in exc.problems)) from None
    if not playbook.teardown:
        raise UserError(f"{playbook_path}: the playbook has no `teardown:` section")
    found = None
    if log is not None:
        try:
            first = log.open(encoding="utf-8").readline()
            started = json.loads(first)
            found = started["data"].get("found") if started.get("type") == EventType.SESSION_STARTED else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UserError(f"{log}: not a session log ({type(exc).__name__})") from None
    redactor = Redactor()
    # Every string of the playbook at once: each secret reference's value is redacted from what is shown.
    redactor.add_from_env_refs(json.dumps(playbook.model_dump(mode="json"), ensure_ascii=False))
    outcomes = run_sync(run(playbook, context_for(playbook, redactor), found))
    for outcome in outcomes:
        line = f"done    {outcome.action}" if outcome.error is None else f"FAILED  {outcome.action}: {outcome.error}"
        click.echo(redactor.text(line))
    return 1 if any(o.error for o in outcomes) else 0
