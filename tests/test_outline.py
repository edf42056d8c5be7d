"""The outline the console draws before validation agrees with the validated playbook, and refuses other shapes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from drillconsole import resources
from drillconsole.playbook.loader import load_playbook
from drillconsole.playbook.outline import OUTLINE_MAX, Outline, SignalOutline, outline_of, read_outline

BUNDLED = sorted(resources.playbooks_dir().glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_the_outline_of_every_bundled_playbook_is_what_validation_gives(path: Path) -> None:
    playbook = load_playbook(path)
    outline = read_outline(path)
    assert outline == Outline(
        path.name,
        playbook.drill.title,
        playbook.drill.environment,
        tuple(SignalOutline(s.id, s.title) for s in playbook.signals),
    )


def demo_data() -> dict[str, object]:
    data = yaml.safe_load(resources.bundled_playbook("demo").read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("drill"),
        lambda d: d.pop("signals"),
        lambda d: d.update(signals={"precision": {}}),
        lambda d: d["drill"].pop("title"),
        lambda d: d["drill"].update(title=["not", "text"]),
        lambda d: d["drill"].update(environment="moon"),
        lambda d: d["signals"].append("a string"),
        lambda d: d["signals"][0].pop("title"),
        lambda d: d["signals"][1].update(id=7),
    ],
    ids=[
        "no drill",
        "no signals",
        "signals not a list",
        "no title",
        "title not text",
        "unknown environment",
        "a signal not a mapping",
        "a signal without title",
        "a signal id not text",
    ],
)
def test_no_outline_for_what_is_not_a_playbooks_shape(change: object) -> None:
    data = demo_data()
    assert outline_of(data, "demo.yaml") is not None
    change(data)  # type: ignore[operator]
    assert outline_of(data, "demo.yaml") is None


def test_no_outline_for_files_the_loader_refuses_to_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it would block: refused by its kind, before any read
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00drill")
    big = tmp_path / "big.yaml"
    big.write_text("drill: {title: x}\nsignals: []\n" + "# padding\n" * 20_000)  # beyond OUTLINE_MAX
    broken = tmp_path / "broken.yaml"
    broken.write_text("drill: {title: [unclosed\n")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(12)
        )
    )
    assert big.stat().st_size > OUTLINE_MAX
    for path in (fifo, binary, big, broken, bomb, tmp_path / "missing.yaml", tmp_path):
        assert read_outline(path) is None, path
