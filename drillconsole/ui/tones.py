"""Theme colours as Rich styles, for cells and log lines that TCSS cannot reach."""

from __future__ import annotations

from rich.style import Style
from textual.app import App

from drillconsole.ui.themes import VARIABLE_DEFAULTS


def tone(app: App[object], variable: str, *, bold: bool = False, dim: bool = False) -> Style:
    """A Rich style in the colour of a theme variable (e.g. `band-critical`, `accent`)."""
    value = app.theme_variables.get(variable) or VARIABLE_DEFAULTS.get(variable)
    try:
        return Style(color=value, bold=bold, dim=dim)
    except Exception:  # a colour Rich cannot take (e.g. with alpha): keep the emphasis only
        return Style(bold=bold, dim=dim)
