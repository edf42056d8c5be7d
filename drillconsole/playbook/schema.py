"""What the models accept, told to editors and people: the JSON Schema, field names and error wording."""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import re
import textwrap
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from drillconsole.playbook import semantics
from drillconsole.playbook.models import Playbook
from drillconsole.playbook.problems import escape

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://drillconsole.dev/schemas/playbook.json"
SCHEMA_TITLE = "drillconsole playbook"

# Fields whose before-validators also accept a single string for a one-item list;
# the generated schema must accept that too, or editors flag valid playbooks.
_SINGLE_OR_LIST = {"Gate": "approver", "When": "decision"}


def _accept_single_string(defs: dict[str, Any]) -> None:
    """Let a list-of-strings field also take one string, as the models do."""
    for model, field in _SINGLE_OR_LIST.items():
        prop = defs.get(model, {}).get("properties", {}).get(field)
        if prop is None or prop.get("type") != "array":
            continue
        keep = {k: prop.pop(k) for k in ("title", "description", "default") if k in prop}
        array = dict(prop)
        prop.clear()
        prop.update(keep)
        prop["anyOf"] = [{"type": "string"}, array]


def _tidy(node: Any) -> None:
    """Make id-keyed maps check their keys, and drop OpenAPI discriminators JSON Schema cannot use."""
    if isinstance(node, list):
        for item in node:
            _tidy(item)
        return
    if not isinstance(node, dict):
        return
    disc = node.get("discriminator")
    if isinstance(disc, dict) and not all(isinstance(v, str) for v in disc.get("mapping", {}).values()):
        del node["discriminator"]
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        ((pattern, value),) = patterns.items()
        del node["patternProperties"]
        node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
        node["additionalProperties"] = value
    for value in node.values():
        _tidy(value)


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model class of the playbook by name (the names the schema's `$defs` use)."""
    found: dict[str, type[BaseModel]] = {}
    todo: list[type[BaseModel]] = [root]
    while todo:
        model = todo.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        for info in model.model_fields.values():
            todo.extend(_nested_models(info.annotation))
    return found


def _nested_models(tp: Any) -> list[type[BaseModel]]:
    tp = _strip(tp)
    if _is_model(tp):
        return [tp]
    return [model for arg in get_args(tp) for model in _nested_models(arg)]


def _field_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """Each field's docstring (the string literal right under it), from the source of the model and its bases.

    The models leave pydantic's `use_attribute_docstrings` off: it reads and parses
    every class's source at import, a fifth of the console's start-up. Only the
    schema wants the docstrings, so only the schema reads them.
    """
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls.__module__.startswith("pydantic"):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _describe(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Give each property of a model's schema its field docstring as `description` (where it has none)."""
    docs = _field_docstrings(model)
    properties = schema.get("properties", {})
    for name, info in model.model_fields.items():
        prop = properties.get(info.alias or name)
        if prop is not None and name in docs and info.description is None:  # as pydantic: Field(description=) wins
            prop["description"] = docs[name]


def build_schema() -> dict[str, Any]:
    """Return the playbook JSON Schema (draft 2020-12) generated from the models."""
    generated = Playbook.model_json_schema(by_alias=True, mode="validation")
    generated.pop("title", None)
    models = _models(Playbook)
    _describe(generated, Playbook)
    for name, definition in generated.get("$defs", {}).items():
        if name in models:
            _describe(definition, models[name])
    generated = GenerateJsonSchema(by_alias=True).sort(generated)  # the descriptions where pydantic puts them
    _accept_single_string(generated.get("$defs", {}))
    _tidy(generated)
    return {"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID, "title": SCHEMA_TITLE, **generated}


def schema_text() -> str:
    """Return the schema as the text of `playbooks/schema.json`."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


# --- field names along a pydantic error location ------------------------------

_UNIONS = (Union, types.UnionType)


def _strip(tp: Any) -> Any:
    """Remove `Annotated` wrappers."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _has_tag(tp: Any, tag: str) -> bool:
    """Whether a union member is selected by discriminator value `tag`."""
    tp = _strip(tp)
    if get_origin(tp) in _UNIONS:
        return any(_has_tag(m, tag) for m in get_args(tp))
    if not _is_model(tp):
        return False
    for name in ("type", "kind"):
        field = tp.model_fields.get(name)
        if field is not None and get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
            return True
    return False


def _child(tp: Any, comp: str | int) -> Any:
    """The type found one step further along a location, or None."""
    tp = _strip(tp)
    origin = get_origin(tp)
    if _is_model(tp):
        for name, field in tp.model_fields.items():
            if comp in (name, field.alias):
                return field.annotation
        return None
    if origin is list and isinstance(comp, int):
        return get_args(tp)[0]
    if origin is dict and isinstance(comp, str):
        return get_args(tp)[1]
    if origin in _UNIONS and isinstance(comp, str):
        members = [m for m in get_args(tp) if m is not type(None)]
        if len(members) == 1:
            return _child(members[0], comp)
        for member in members:
            if _has_tag(member, comp):
                return member
        if comp.startswith("tagged-union["):
            return next((m for m in members if get_origin(_strip(m)) in _UNIONS), None)
    return None


def field_names(loc: tuple[str | int, ...]) -> list[str]:
    """Keys the model at a pydantic location accepts (aliases where set), or [] if unknown."""
    tp: Any = Playbook
    for comp in loc:
        tp = _child(tp, comp)
        if tp is None:
            return []
    tp = _strip(tp)
    if get_origin(tp) in _UNIONS:
        members = [m for m in get_args(tp) if m is not type(None)]
        tp = _strip(members[0]) if len(members) == 1 else None
    if not _is_model(tp):
        return []
    return [field.alias or name for name, field in tp.model_fields.items()]


# --- plain-language validation errors ------------------------------------------

_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"
EXPECTED = {
    "int_parsing": "an integer",
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def show_value(value: Any) -> str:
    """A YAML-ish rendering of an input value for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        shown = value if len(value) <= 80 else value[:79] + "…"
        return f"'{escape(shown)}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def error_message(err: dict[str, Any]) -> tuple[str | None, str]:
    """(extra path component or None, cleaned-up message) for one pydantic error."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    msg = err["msg"]
    if kind == "missing":
        return None, "missing required field"
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        return None, f"unknown key '{key}'{semantics.suggest(key, field_names(tuple(err['loc'][:-1])))}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        disc = str(ctx.get("discriminator", "")).strip("'")
        if kind == "union_tag_not_found":
            return disc, "missing required field"
        tags = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        hint = semantics.suggest(str(ctx.get("tag")), tags) or f" (expected {ctx.get('expected_tags')})"
        return disc, f"unknown {disc} {show_value(ctx.get('tag'))}{hint}"
    if kind in ("value_error", "assertion_error"):
        return None, re.sub(r"^(Value|Assertion) error, ", "", msg)
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        hint = semantics.suggest(str(value), re.findall(r"'([^']*)'", expected)) if isinstance(value, str) else ""
        return None, f"invalid value {show_value(value)}{hint or f' (expected {expected})'}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == _ID_PATTERN:
        return None, f"invalid id {show_value(value)} (start with a letter; then letters, digits, '_', '.' or '-')"
    if kind in ("too_short", "string_too_short") and ctx.get("min_length") == 1:
        return None, "must not be empty"
    if kind in EXPECTED:
        return None, f"expected {EXPECTED[kind]}, got {show_value(value)}"
    return None, msg[:1].lower() + msg[1:]


def main() -> None:
    """Write `playbooks/schema.json`."""
    from drillconsole.resources import playbooks_dir

    out = playbooks_dir() / "schema.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
