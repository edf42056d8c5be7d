"""Where the bundled playbooks and themes are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def playbooks_dir() -> Path:
    """The folder holding the bundled playbooks and `schema.json`."""
    return _data_dir("playbooks")


def themes_dir() -> Path:
    """The folder holding the bundled theme files."""
    return _data_dir("themes")


def bundled_playbook(name: str) -> Path:
    """Path of a bundled playbook by stem (`demo`) or file name."""
    stem = name.removesuffix(".yaml")
    return playbooks_dir() / f"{stem}.yaml"
