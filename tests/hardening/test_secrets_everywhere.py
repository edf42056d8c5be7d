"""Secrets with every awkward character, through every place a secret can go, never leave in any encoding.

A real HTTP server on 127.0.0.1 echoes what it received (escaping `/` as `\\/`, as some
servers do); the executors' results and errors, a real headless drill's session log and
every report format are searched for the secret raw, JSON-escaped, `\\/`-escaped,
percent-encoded (quote and quote_plus) and base64 (standard and URL-safe, with and
without padding).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml
from echo_server import EchoServer, context, playbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillconsole.actions.base import ActionError
from drillconsole.actions.command import RunCommand
from drillconsole.actions.fault import InjectFault
from drillconsole.actions.http_call import HttpCall
from drillconsole.actions.notify import Notify
from drillconsole.playbook.models import CommandAction, HttpAction, InjectFaultAction, NotifyAction
from drillconsole.resources import playbooks_dir
from drillconsole.secrets import Redactor
from drillconsole.signals.base import SourceError
from drillconsole.signals.http_json import HttpJsonSignal

REPO = Path(__file__).resolve().parents[2]
SPECIAL = list("\"\\ /+%=&?#:;,'<>é€😀\n\t") + list("abcXYZ019")
SECRETS = st.text(alphabet=st.sampled_from(SPECIAL), min_size=8, max_size=24).filter(lambda s: len(s.strip()) >= 6)


def forms(secret: str) -> set[str]:
    """The encodings the issue names, computed here independently of the redactor."""
    escaped = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    raw = secret.encode("utf-8")
    b64 = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return (
        {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
        | escaped
        | {e.replace("/", "\\/") for e in escaped}
        | b64
        | {b.rstrip("=") for b in b64}
    )


def leaks(secret: str, *texts: str) -> list[str]:
    """Every encoding of the secret found in the texts."""
    return sorted({form for form in forms(secret) for text in texts if form in text})


@pytest.fixture(scope="module")
def server() -> Iterator[EchoServer]:
    echo = EchoServer().start()
    yield echo
    echo.close()


def shown(value: Any) -> list[str]:
    """What a log line or a screen would hold: the value as JSON (ASCII and UTF-8) and as text."""
    return [json.dumps(value), json.dumps(value, ensure_ascii=False), str(value)]


async def run_everywhere(url: str, secret: str) -> list[str]:
    """Send the secret through every executor and source that can carry one; return all they report."""
    ref = "${secret:TOK}"
    pb = playbook()
    ctx = context(pb, env={"TOK": secret, "PATH": os.environ["PATH"]}, secrets=(secret,))
    out: list[str] = []
    code = (
        "import os,json,base64,urllib.parse,sys;t=os.environ['TOK'];"
        "print(t, json.dumps(t), base64.b64encode(t.encode()).decode(), urllib.parse.quote(t));"
        "print(urllib.parse.quote_plus(t), file=sys.stderr);sys.exit(3)"
    )
    actions = [
        (
            HttpCall(),
            HttpAction.model_validate(
                {
                    "type": "http",
                    "url": f"{url}/echo/{ref}?t={ref}",
                    "headers": {"X-Token": ref, "Authorization": f"Bearer {ref}"},
                    "json": {"token": ref, "nested": [ref, {"k": ref}]},
                }
            ),
        ),
        (
            HttpCall(),
            HttpAction.model_validate(
                {"type": "http", "url": f"{url}/echo?t={ref}", "json": {"t": ref}, "expect": [201]}
            ),
        ),
        (
            Notify(),
            NotifyAction.model_validate(
                {"type": "notify", "url": f"{url}/hook/{ref}", "headers": {"X-Hook": ref}, "template": "all clear"}
            ),
        ),
        (
            InjectFault(),
            InjectFaultAction.model_validate(
                {"type": "fault.inject", "url": f"{url}/fault?key={ref}", "headers": {"X-Key": ref}}
            ),
        ),
        (
            RunCommand(),
            CommandAction.model_validate(
                {"type": "command", "argv": [sys.executable, "-c", code], "env": {"TOK": ref}}
            ),
        ),
        (
            RunCommand(),
            CommandAction.model_validate(
                {"type": "command", "argv": [sys.executable, "-c", code], "env": {"TOK": ref}, "expect_exit": [3]}
            ),
        ),
    ]
    for executor, action in actions:
        try:
            outcome = await executor.run(action, ctx)
            out += shown(outcome.result) + shown(outcome.comms)
        except ActionError as exc:
            out += shown(str(exc))
    signal = playbook(
        signals=[
            {
                "id": "s",
                "title": "s",
                "source": {
                    "kind": "http_json",
                    "url": f"{url}/echo?t={ref}",
                    "path": "echo.nope",
                    "headers": {"X-T": ref},
                },
            }
        ]
    ).signals[0]
    source = HttpJsonSignal(signal)
    os.environ["TOK"] = secret  # sources resolve from the process environment, as in a drill
    try:
        await source.poll()
    except SourceError as exc:
        out += shown(ctx.redactor.text(str(exc)))
    finally:
        del os.environ["TOK"]
        await source.close()
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=SECRETS)
def test_no_executor_or_source_leaks_a_secret_in_any_encoding(server: EchoServer, secret: str) -> None:
    before = len(server.received)
    reported = asyncio.run(run_everywhere(server.url, secret))
    assert not leaks(secret, *reported), reported
    # The secret did travel: the server got it (unless the URL itself could not carry it).
    if "\n" not in secret and "\t" not in secret:
        assert len(server.received) > before


@settings(max_examples=300)
@given(secret=SECRETS | st.text(alphabet='\\"/ %x', min_size=6, max_size=30), extra=st.text(max_size=20))
def test_redactor_removes_every_encoding_even_partially_percent_encoded(secret: str, extra: str) -> None:
    redactor = Redactor()
    redactor.add(secret)
    partial = "".join(quote(ch, safe="") if i % 2 else ch for i, ch in enumerate(secret))
    text = " | ".join([*sorted(forms(secret)), partial, json.dumps(json.dumps(secret))])
    assert not leaks(secret, redactor.text(extra + text + extra))
    assert partial not in redactor.text(text)


# --- a real drill, its log and every report format --------------------------------------------------

AWKWARD = ['to"k\\en /+%=&?;x9Z', 'line\nbreak"tok/+é€😀9']
"""An ASCII secret HTTP can carry everywhere; one no header can carry (the requests fail, nothing leaks)."""


def drill_playbook(url: str) -> str:
    """The demo drill with every secret-bearing place added, all pointing at the echo server."""
    doc = yaml.safe_load((playbooks_dir() / "demo.yaml").read_text(encoding="utf-8"))
    ref = "${secret:H1_TOKEN}"
    doc["signals"].append(
        {
            "id": "echoed",
            "title": "Echoed",
            "interval": "5s",
            "source": {
                "kind": "http_json",
                "url": f"{url}/echo?t={ref}",
                "path": "echo.nope",
                "headers": {"Authorization": f"Bearer {ref}"},
            },
        }
    )
    extra = [
        {
            "id": "call",
            "title": "Call",
            "phase": "execute",
            "owner": "tech_lead",
            "kind": "action",
            "action": {
                "type": "http",
                "url": f"{url}/echo/{ref}?q={ref}",
                "headers": {"X-Token": ref},
                "json": {"t": ref},
            },
        },
        {
            "id": "hook",
            "title": "Hook",
            "phase": "execute",
            "owner": "comms",
            "kind": "action",
            "action": {
                "type": "notify",
                "url": f"{url}/hook?k={ref}",
                "headers": {"X-Hook": ref},
                "template": "update",
            },
        },
        {
            "id": "script",
            "title": "Script",
            "phase": "execute",
            "owner": "tech_lead",
            "kind": "action",
            "action": {
                "type": "command",
                "argv": [
                    sys.executable,
                    "-c",
                    "import os,json,base64;t=os.environ['T'];print(t,json.dumps(t),base64.b64encode(t.encode()).decode())",
                ],
                "env": {"T": ref},
            },
        },
        {
            "id": "call-fails",
            "title": "Call fails",
            "phase": "execute",
            "owner": "tech_lead",
            "kind": "action",
            "action": {"type": "http", "url": f"{url}/echo?q={ref}", "json": {"t": ref}, "expect": [201]},
        },
    ]
    at = next(i for i, s in enumerate(doc["steps"]) if s["id"] == "registry-rollback")
    doc["steps"][at:at] = extra
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drillconsole", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("secret", AWKWARD)
def test_a_real_drill_log_and_its_reports_hold_no_secret(tmp_path: Path, server: EchoServer, secret: str) -> None:
    path = tmp_path / "drill.yaml"
    path.write_text(drill_playbook(server.url), encoding="utf-8")
    env = {
        **os.environ,
        "H1_TOKEN": secret,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    before = len(server.received)
    run = cli("run", str(path), "--headless", "--auto", "--virtual-clock", "--log-dir", str(tmp_path / "logs"), env=env)
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr
    if secret.isascii() and secret.isprintable():
        assert len(server.received) > before  # the drill really called out with the secret
    [log] = list((tmp_path / "logs").rglob("*.jsonl"))
    texts = {"log": log.read_text(encoding="utf-8"), "stdout": run.stdout, "stderr": run.stderr}
    events = [json.loads(line) for line in texts["log"].splitlines()]
    assert any(e["type"] == "step.succeeded" and e["data"].get("step") == "call" for e in events) or "\n" in secret
    for fmt in ("md", "html", "json"):
        report = cli("report", str(log), "--format", fmt, env=env)
        assert report.returncode in (0, 1) and "Traceback" not in report.stderr, report.stderr
        texts[fmt] = report.stdout + report.stderr
        assert report.stdout.strip()
    found = {name: leaks(secret, text) for name, text in texts.items()}
    assert not any(found.values()), found


def test_redacting_runs_of_backslashes_finishes() -> None:
    """A secret of backslashes against a long run of them once took exponential time (a hung drill)."""
    code = (
        "from drillconsole.secrets import Redactor\n"
        "r = Redactor(); r.add('\\\\' * 64 + 'x')\n"
        "print(r.text('\\\\' * 20000 + '\\\\' * 64 + 'x').endswith('***'))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr
