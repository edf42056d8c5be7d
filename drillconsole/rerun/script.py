"""A drill's operator inputs as a `--script` YAML: edit it (decide later, skip a step) and run it as a new variant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from drillconsole.rerun.inputs import RecordedInput
from drillconsole.rerun.run import Original


def script_entries(inputs: list[RecordedInput]) -> list[dict[str, Any]]:
    """One dict per input, only the fields that differ from a script command's defaults."""
    out = []
    for recorded in inputs:
        entry = recorded.command.model_dump(exclude_defaults=True)
        entry["at"] = round(recorded.command.at, 3)
        out.append({"at": entry.pop("at"), "role": entry.pop("role"), "do": entry.pop("do"), **entry})
    return out


def script_text(original: Original, inputs: list[RecordedInput], playbook_name: str) -> str:
    """The YAML file: a comment saying where it came from and how to run it, then the commands."""
    seed = original.started.get("seed")
    refused = sum(1 for i in inputs if i.refused_before)
    lines = [
        f"# Operator inputs of {original.path.name} (drill {original.started.get('drill')}, seed {seed}).",
        f"# Run: drillconsole run {playbook_name} --headless --virtual-clock --seed {seed} --script THIS_FILE",
        "# Approvals carry the playbook's confirm phrase (phrases are never logged).",
    ]
    if refused:
        lines.append(
            f"# {refused} input(s) were refused in the original drill and are kept, so they are refused again."
        )
    body = yaml.safe_dump(script_entries(inputs), sort_keys=False, allow_unicode=True, width=1000)
    return "\n".join(lines) + "\n" + body


def write_script(log: Path, output: Path) -> int:
    """`drillconsole script LOG -o FILE`: write the inputs of LOG; returns the number of commands written."""
    from drillconsole.rerun.inputs import recorded_inputs
    from drillconsole.rerun.run import RerunError, load_original

    original = load_original(log)
    if original.playbook is None:
        raise RerunError(f"{log}: {original.playbook_problem}")
    inputs = recorded_inputs(original.events, original.playbook)
    name = str(original.started.get("playbook") or "PLAYBOOK")
    try:
        output.write_text(script_text(original, inputs, name), encoding="utf-8")
    except OSError as exc:
        raise RerunError(f"{output}: cannot write: {exc.strerror or exc}") from None
    return len(inputs)
