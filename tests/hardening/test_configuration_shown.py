"""Issue 12: `${env:NAME}` is configuration, shown so the operator sees which endpoint failed; secrets stay hidden."""

from __future__ import annotations

import pytest
from echo_server import EchoServer, playbook

from drillconsole.secrets import Redactor, mask
from drillconsole.signals.base import SourceError
from drillconsole.signals.http_json import HttpJsonSignal


def test_configuration_is_shown_and_secrets_are_not() -> None:
    env = {"SVC": "http://metrics.internal:9090", "API_TOKEN": "tok-123456", "ANY": "v-987654", "PW": "hunter22"}
    assert mask("${env:SVC}/api", env) == "http://metrics.internal:9090/api"
    assert mask("${secret:ANY}", env) == "***"
    assert mask("${env:API_TOKEN}", env) == "***"  # a credential-looking name stays hidden, even as env
    assert mask("${env:UNSET_H1}/x", env) == "${env:UNSET_H1}/x"
    assert mask("http://svc:${secret:PW}@host/x", env) == "http://svc:***@host/x"
    assert mask("http://svc:hunter22@host/x", env) == "http://svc:***@host/x"
    assert mask("Bearer ${env:ANY}", env) == "Bearer ***"
    redactor = Redactor()
    redactor.add_from_env_refs("${env:SVC} Bearer ${env:ANY}", env)  # `Bearer ${env:…}` authorizes: redacted
    assert redactor.text("http://metrics.internal:9090 v-987654") == "http://metrics.internal:9090 ***"


async def test_a_failing_source_names_its_configured_endpoint(
    echo: EchoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("H1_SVC", echo.url)
    source = {"kind": "http_json", "url": "${env:H1_SVC}/echo", "path": "nope"}
    signal = HttpJsonSignal(playbook(signals=[{"id": "s", "title": "s", "source": source}]).signals[0])
    with pytest.raises(SourceError) as info:
        await signal.poll()
    await signal.close()
    assert str(info.value) == "no `nope` in the answer"
    monkeypatch.setenv("H1_SVC", "http://127.0.0.1:9")
    with pytest.raises(SourceError) as info:
        await signal.poll()
    await signal.close()
    assert str(info.value).startswith("GET http://127.0.0.1:9/echo: connection refused")
