"""What an action will do, in words and fields fit for the screen and the log (secrets masked)."""

from __future__ import annotations

from typing import Any

from drillconsole.playbook.models import (
    Action,
    CommandAction,
    FlagSetAction,
    HttpAction,
    InjectFaultAction,
    NotifyAction,
    Playbook,
    SetAliasAction,
)
from drillconsole.secrets import mask, mask_headers


def describe(action: Action, playbook: Playbook) -> dict[str, Any]:
    """Fields of the action with every secret reference masked."""
    if isinstance(action, SetAliasAction):
        target = playbook.targets[action.target]
        return {
            "type": action.type,
            "target": action.target,
            "alias": action.alias or target.alias,  # type: ignore[union-attr]
            "from": action.from_version or playbook.drill.versions.suspect,
            "to": action.to_version,
        }
    if isinstance(action, FlagSetAction):
        return {
            "type": action.type,
            "target": action.target,
            "flag": action.flag,
            "value": action.value,
            "segment": action.segment,
        }
    if isinstance(action, HttpAction):
        return {
            "type": action.type,
            "method": action.method,
            "url": mask(action.url),
            "headers": mask_headers(action.headers),
        }
    if isinstance(action, CommandAction):
        return {"type": action.type, "argv": [mask(a) for a in action.argv], "cwd": action.cwd}
    if isinstance(action, NotifyAction):
        return {"type": action.type, "channel": action.channel, "url": mask(action.url) if action.url else None}
    if isinstance(action, InjectFaultAction):
        return {"type": action.type, "url": mask(action.url) if action.url else None, "version": action.version}
    raise TypeError(f"unknown action {action!r}")


def summary(action: Action, playbook: Playbook) -> str:
    """One line: exactly what the action will do."""
    d = describe(action, playbook)
    kind = d["type"]
    if kind == "registry.set_alias":
        registries = [t for t in playbook.targets.values() if t.type == "registry"]
        where = f" in registry {d['target']}" if len(registries) > 1 else ""
        return f"alias {d['alias']} of {playbook.drill.model} v{d['from']} → v{d['to']}{where}"
    if kind == "flag.set":
        where = f"segment {d['segment']}" if d["segment"] else "all segments"
        return f"flag {d['flag']} → {'on' if d['value'] else 'off'} for {where} ({d['target']})"
    if kind == "http":
        return f"{d['method']} {d['url']}"
    if kind == "command":
        return "run " + " ".join(d["argv"])
    if kind == "notify":
        return f"post status to {d['channel']}" + (f" via {d['url']}" if d["url"] else " (recorded only)")
    return f"inject fault into v{d['version'] or playbook.drill.versions.suspect}" + (
        f" via {d['url']}" if d["url"] else ""
    )
