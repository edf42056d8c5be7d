"""The `command` action: run a program from an argv list (never a shell) and check its exit code.

The child gets a clean environment: a few harmless variables (PATH, HOME, the
locale, TMPDIR) and exactly what the playbook's `env:` names, so tokens held by
the drill's own environment never reach a program that did not ask for them.
Secrets belong in `env:` (`TOKEN: ${secret:TOKEN}`), never in argv, where every
local user can read them in `ps`; the loader refuses a secret in argv.

The engine bounds the step with `asyncio.wait_for(step.timeout)`; when that
cancels the run, the whole process group is killed before the cancellation
goes on, so nothing keeps running after a timed-out step.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque

from drillconsole.actions.base import ActionContext, ActionError, ActionOutcome
from drillconsole.actions.http_common import one_line
from drillconsole.playbook.models import CommandAction
from drillconsole.secrets import MissingSecret, mask, resolve, resolve_deep

BASE_ENV = ("PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME", "SYSTEMROOT")
"""Inherited by every child: what programs need to start and print, nothing that authorizes anything."""
TAIL_LINES = 20
TAIL_BYTES = 2048
_KEEP = 64 * 1024
"""Bytes of each stream kept while reading; a chatty program cannot fill memory."""


async def _drain(stream: asyncio.StreamReader, keep: deque[bytes]) -> None:
    """Read a stream to its end, keeping only its last chunks."""
    size = 0
    while chunk := await stream.read(8192):
        keep.append(chunk)
        size += len(chunk)
        while size > _KEEP and len(keep) > 1:
            size -= len(keep.popleft())


def tail(chunks: deque[bytes]) -> str:
    """The last TAIL_LINES lines / TAIL_BYTES bytes of the output, as text."""
    data = b"".join(chunks)[-TAIL_BYTES:]
    lines = data.decode("utf-8", errors="replace").splitlines()
    return "\n".join(lines[-TAIL_LINES:])


def _kill(process: asyncio.subprocess.Process) -> None:
    """Kill the process and everything it started (it leads its own session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            process.kill()


def child_env(drill_env: dict[str, str] | None, named: dict[str, str]) -> dict[str, str]:
    """The base variables (from the drill's environment, else the process's) plus the ones the playbook names."""
    base = {name: os.environ[name] for name in BASE_ENV if name in os.environ}
    if drill_env is not None:
        base.update({name: drill_env[name] for name in BASE_ENV if name in drill_env})
    return {**base, **named}


class RunCommand:
    """Run the argv with the merged environment; the result keeps the exit code and redacted output tails."""

    async def run(self, action: CommandAction, ctx: ActionContext) -> ActionOutcome:
        try:
            argv = [resolve(arg, ctx.env) for arg in action.argv]
            extra = resolve_deep(dict(action.env), ctx.env)
        except MissingSecret as exc:
            raise ActionError(str(exc)) from None
        shown = mask(action.argv[0])
        env = child_env(ctx.env, extra)
        cwd = action.cwd
        if cwd is not None and not os.path.isdir(cwd):  # noqa: ASYNC240 (a stat, before the child starts)
            raise ActionError(f"working directory {cwd} does not exist")
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise ActionError(f"command not found: {shown}") from None
        except PermissionError:
            raise ActionError(f"command not executable: {shown}") from None
        except OSError as exc:
            raise ActionError(f"cannot start {shown}: {exc.strerror}") from None
        out: deque[bytes] = deque()
        err: deque[bytes] = deque()
        try:
            assert process.stdout is not None and process.stderr is not None
            await asyncio.gather(_drain(process.stdout, out), _drain(process.stderr, err))
            code = await process.wait()
        except BaseException:
            _kill(process)
            await asyncio.shield(process.wait())
            raise
        stdout, stderr = ctx.redactor.text(tail(out)), ctx.redactor.text(tail(err))
        if code not in action.expect_exit:
            last = next((line for line in reversed(stderr.splitlines() or stdout.splitlines()) if line.strip()), "")
            expected = ", ".join(str(c) for c in action.expect_exit)
            reason = f"killed by signal {-code}" if code < 0 else f"exited {code}"
            raise ActionError(f"{shown} {reason} (expected {expected})" + (f": {one_line(last, 160)}" if last else ""))
        return ActionOutcome(result={"argv0": shown, "exit_code": code, "stdout": stdout, "stderr": stderr})
