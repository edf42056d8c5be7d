"""The command action: a real subprocess from an argv list, its exit code, its output tails, its timeout."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path

import pytest
from local_servers import context, playbook

from drillconsole.actions import ActionError
from drillconsole.actions.command import RunCommand
from drillconsole.playbook.models import CommandAction

PY = sys.executable


def command(*argv: str, **fields: object) -> CommandAction:
    return CommandAction.model_validate({"type": "command", "argv": list(argv), **fields})


async def run(action: CommandAction, **kw: object) -> dict:
    return (await RunCommand().run(action, context(playbook(), **kw))).result  # type: ignore[arg-type]


async def test_success_keeps_exit_code_and_tails(tmp_path: Path) -> None:
    code = "import os,sys\nfor i in range(100): print('line', i)\nprint('cwd', os.getcwd(), os.environ['REGION'], os.environ['TOKEN'], file=sys.stderr)"
    action = command(PY, "-c", code, cwd=str(tmp_path), env={"REGION": "eu", "TOKEN": "${env:DEPLOY_TOKEN}"})
    result = await run(
        action, env={"DEPLOY_TOKEN": "tok-xyz-123", "PATH": os.environ["PATH"]}, secrets=("tok-xyz-123",)
    )
    assert result["exit_code"] == 0
    lines = result["stdout"].splitlines()
    assert len(lines) == 20 and lines[-1] == "line 99" and lines[0] == "line 80"
    assert result["stderr"] == f"cwd {tmp_path} eu ***"


async def test_argv_is_never_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    result = await run(command("echo", f"$HOME; touch {marker}"))
    assert result["stdout"] == f"$HOME; touch {marker}" and not marker.exists()


async def test_unexpected_exit_code_is_a_one_line_error() -> None:
    action = command(
        PY, "-c", "import sys; print('disk full\\nretry later', file=sys.stderr); sys.exit(3)", expect_exit=[0, 1]
    )
    with pytest.raises(ActionError) as info:
        await run(action)
    assert str(info.value) == f"{PY} exited 3 (expected 0, 1): retry later"
    assert (await run(command(PY, "-c", "raise SystemExit(1)", expect_exit=[0, 1])))["exit_code"] == 1


async def test_missing_program_and_cwd(tmp_path: Path) -> None:
    with pytest.raises(ActionError, match="command not found: no-such-program-xyz"):
        await run(command("no-such-program-xyz"))
    with pytest.raises(ActionError, match="working directory .* does not exist"):
        await run(command("true", cwd=str(tmp_path / "gone")))
    with pytest.raises(ActionError, match="environment variable NOPE_X is not set"):
        await run(command("echo", "${env:NOPE_X}"), env={})


async def test_timeout_kills_the_process_and_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    code = f"import os,subprocess,time\nc=subprocess.Popen(['sleep','30'])\nopen({str(pids)!r},'w').write(f'{{os.getpid()}} {{c.pid}}')\ntime.sleep(30)"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(run(command(PY, "-c", code)), 1.5)  # as the engine bounds a step
    for pid in map(int, pids.read_text().split()):
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.05)
        else:
            pytest.fail(f"process {pid} survived the step timeout")
