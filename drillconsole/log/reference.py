"""`docs/events.md`, generated from the event contract: every event type, its payload fields, their types and meaning.

Run `python -m drillconsole.log.reference > docs/events.md`; a test fails when the file is stale.
"""

from __future__ import annotations

import ast
import inspect
from typing import Any, NotRequired, get_origin, get_type_hints

from pydantic import TypeAdapter

from drillconsole.log import contract


def _field_docs() -> dict[str, dict[str, str]]:
    """Docstrings written under each payload field in `contract.py` (the language keeps none at run time)."""
    tree = ast.parse(inspect.getsource(contract))
    out: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        docs: dict[str, str] = {}
        body = node.body
        for i, item in enumerate(body):
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and i + 1 < len(body):
                nxt = body[i + 1]
                if (
                    isinstance(nxt, ast.Expr)
                    and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)
                ):
                    docs[item.target.id] = " ".join(nxt.value.value.split())
        out[node.name] = docs
    return out


def _type_name(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "").replace("NotRequired[", "").replace("drillconsole.log.contract.", "")
    text = text.replace("<class '", "").replace("'>", "")
    return text[:-1] if text.count("]") > text.count("[") else text


def events_markdown() -> str:
    """The whole reference page."""
    docs = _field_docs()
    lines = [
        "# Session-log events",
        "",
        "Generated from `drillconsole/log/contract.py` by `python -m drillconsole.log.reference`; do not edit.",
        "",
        "Every line of a session log is one event: `seq`, `ts` (UTC wall time), `t` (drill seconds), `type`,",
        "`actor` (a role id, or `engine`), `data` (the payload below), `prev` and `hash` (the chain).",
        "Every payload may also carry `auto: true` (written by the auto player).",
        f"Durable events (fsynced before anyone is told): {', '.join(sorted(f'`{t}`' for t in contract.DURABLE))}.",
        "",
    ]
    for event_type, payload in contract.PAYLOADS.items():
        hints = get_type_hints(payload, include_extras=True)
        # `from __future__ import annotations` hides NotRequired from the TypedDict itself; the hints still carry it.
        required = {name for name, hint in hints.items() if get_origin(hint) is not NotRequired and name != "auto"}
        lines += [f"## `{event_type}`", "", (payload.__doc__ or "").strip(), ""]
        lines += ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
        for name, hint in hints.items():
            if name == "auto":
                continue
            meaning = docs.get(payload.__name__, {}).get(name, "")
            lines.append(f"| `{name}` | `{_type_name(hint)}` | {'yes' if name in required else 'no'} | {meaning} |")
        lines.append("")
    return "\n".join(lines)


def payload_adapter(event_type: str) -> TypeAdapter[Any] | None:
    """A validator of one event type's payload (None for a type the contract does not know)."""
    try:
        payload = contract.PAYLOADS[contract.EventType(event_type)]
    except ValueError:
        return None
    return TypeAdapter(payload)


if __name__ == "__main__":
    print(events_markdown(), end="")
