"""Themes are data: `themes/*.yaml` files become `textual.theme.Theme` objects."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "control-room"
"""The theme used when none is asked for, or the one asked for is unusable."""

VARIABLE_DEFAULTS: dict[str, str] = {
    "band-ok": "#4EBF71",
    "band-warn": "#FFA62B",
    "band-critical": "#E5484D",
    "band-stale": "#8A8F98",
    "production": "#E5484D",
    "due-soon": "#FFA62B",
    "late": "#E5484D",
    "panel-edge": "#3C4652",
}
"""Custom TCSS variables of the console and their values when a theme leaves them out."""

_COLOR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_ALLOWED = {f.name for f in fields(Theme)}


class ThemeError(Exception):
    """A theme file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class ThemeSet:
    """The themes that loaded and one line per file that did not."""

    themes: list[Theme]
    problems: list[str]


def _color(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeError(f"{path}: {key}: expected a colour string, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(f"{path}: {key}: not a colour: {value!r}") from None
    return value


def load_theme(path: Path) -> Theme:
    """Read one theme file (raises ThemeError with a one-line reason)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ThemeError(f"{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ThemeError(f"{path}: a theme is a mapping of name, colours and variables")
    unknown = sorted(set(data) - _ALLOWED)
    if unknown:
        raise ThemeError(f"{path}: unknown key '{unknown[0]}'")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise ThemeError(f"{path}: name: a theme needs a name")
    if "primary" not in data:
        raise ThemeError(f"{path}: primary: a theme needs a primary colour")
    values: dict[str, Any] = {"name": data["name"].strip()}
    for key in _COLOR_KEYS:
        if data.get(key) is not None:
            values[key] = _color(path, key, data[key])
    if "dark" in data:
        if not isinstance(data["dark"], bool):
            raise ThemeError(f"{path}: dark: expected true or false")
        values["dark"] = data["dark"]
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ThemeError(f"{path}: variables: expected a mapping")
    values["variables"] = {str(k): _color(path, f"variables.{k}", v) for k, v in variables.items()}
    try:
        theme = Theme(**values)
        theme.to_color_system().generate()
    except Exception as exc:  # Textual's own checks, whatever they raise
        raise ThemeError(f"{path}: {exc}") from None
    return theme


def load_themes(directory: Path) -> ThemeSet:
    """Every `*.yaml` theme in the folder, sorted by file name; broken files become problems."""
    themes: list[Theme] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        try:
            themes.append(load_theme(path))
        except ThemeError as exc:
            problems.append(str(exc))
    return ThemeSet(themes, problems)


def install_themes(app: App[Any], wanted: str | None, directory: Path) -> tuple[list[str], list[str], str]:
    """Register the theme files on `app`; return (problems, drill theme names, the theme to use)."""
    loaded = load_themes(directory)
    problems = list(loaded.problems)
    names = [t.name for t in loaded.themes]
    for theme in loaded.themes:
        app.register_theme(theme)
    choice = wanted or DEFAULT_THEME
    if choice not in app.available_themes:
        if wanted is not None:
            problems.append(f"unknown theme '{wanted}' (themes: {', '.join(names)})")
        choice = DEFAULT_THEME if DEFAULT_THEME in app.available_themes else "textual-dark"
    return problems, names, choice
