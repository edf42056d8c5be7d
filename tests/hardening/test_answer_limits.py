"""Answers no source or executor may swallow: JSON 100,000 deep, bodies of 50 MiB, a lying Content-Length."""

from __future__ import annotations

import asyncio
import json

import pytest
from echo_server import HUGE, EchoServer, context, playbook
from hypothesis import given
from hypothesis import strategies as st

from drillconsole.actions.base import ActionError
from drillconsole.actions.http_call import HttpCall
from drillconsole.actions.http_flags import HttpFlags
from drillconsole.actions.mlflow import MlflowRegistry
from drillconsole.limits import MAX_BODY, JsonLimitError, json_depth, parse_json
from drillconsole.playbook.models import FlagSetAction, HttpAction, SetAliasAction
from drillconsole.signals.base import SourceError
from drillconsole.signals.http_json import HttpJsonSignal
from drillconsole.signals.prometheus import PrometheusSignal

ONE_LINE = "\n"


def http_json(url: str) -> HttpJsonSignal:
    pb = playbook(signals=[{"id": "s", "title": "s", "source": {"kind": "http_json", "url": url, "path": "v"}}])
    return HttpJsonSignal(pb.signals[0])


def prometheus(url: str) -> PrometheusSignal:
    source = {"kind": "prometheus", "url": url, "query": "up", "backfill": 0}
    pb = playbook(signals=[{"id": "s", "title": "s", "source": source}])
    return PrometheusSignal(pb.signals[0])


async def poll_error(source: HttpJsonSignal | PrometheusSignal) -> str:
    with pytest.raises(SourceError) as info:
        await source.poll()
    await source.close()
    return str(info.value)


async def test_deep_json_from_a_source_is_one_error_for_that_poll(echo: EchoServer) -> None:
    message = await poll_error(http_json(echo.url + "/deep"))
    assert message == f"GET {echo.url}/deep: JSON answer nested deeper than 64 levels"
    message = await poll_error(prometheus(echo.url + "/deep"))
    assert message == f"GET {echo.url}/deep/api/v1/query: JSON answer nested deeper than 64 levels"


async def test_a_body_without_length_is_cut_at_the_cap_not_read_to_the_end(echo: EchoServer) -> None:
    message = await poll_error(http_json(echo.url + "/huge"))
    assert message == f"GET {echo.url}/huge: answer larger than 1 MiB"
    # The server noticed the client hang up long before its 50 MiB were out.
    for _ in range(200):
        if echo.huge_sent:
            break
        await asyncio.sleep(0.02)
    assert echo.huge_sent and echo.huge_sent[0] < HUGE


async def test_a_declared_length_over_the_cap_is_refused_before_reading(echo: EchoServer) -> None:
    message = await poll_error(http_json(echo.url + "/declared"))
    assert message == f"GET {echo.url}/declared: answer of 50 MiB is larger than 1 MiB"


async def test_executors_turn_deep_or_huge_answers_into_one_line_step_errors(echo: EchoServer) -> None:
    pb = playbook(
        targets={
            "reg": {"type": "registry", "kind": "mlflow", "tracking_uri": echo.url + "/deep"},
            "flags": {"type": "flags", "kind": "http", "url": echo.url + "/deep"},
        }
    )
    ctx = context(pb)
    alias = SetAliasAction.model_validate({"type": "registry.set_alias", "target": "reg", "to": "41"})
    with pytest.raises(ActionError) as info:
        await MlflowRegistry().run(alias, ctx)
    assert "nested deeper than 64 levels" in str(info.value) and ONE_LINE not in str(info.value)
    flag = FlagSetAction.model_validate({"type": "flag.set", "target": "flags", "flag": "f", "value": False})
    with pytest.raises(ActionError) as info:
        await HttpFlags().run(flag, ctx)
    assert "nested deeper than 64 levels" in str(info.value)
    huge = HttpAction.model_validate({"type": "http", "url": echo.url + "/huge"})
    with pytest.raises(ActionError, match=r"^POST http://127\.0\.0\.1:\d+/huge: answer larger than 1 MiB$"):
        await HttpCall().run(huge, ctx)
    # A deep answer to a plain http step is not parsed: the step keeps a bounded excerpt.
    deep = HttpAction.model_validate({"type": "http", "url": echo.url + "/deep"})
    result = (await HttpCall().run(deep, ctx)).result
    assert result["status"] == 200 and len(result["body"]) <= 2049


def test_json_depth_limit_counts_brackets_outside_strings_only() -> None:
    nested: list = []
    for _ in range(63):
        nested = [nested]
    assert parse_json(b"[" * 64 + b"]" * 64) == nested
    assert json_depth(b"[" * 64 + b"]" * 64) == 64
    with pytest.raises(JsonLimitError, match="nested deeper than 64 levels"):
        parse_json(b"[" * 65 + b"]" * 65)
    assert parse_json(json.dumps({"s": "[[[[" * 100, "t": 'a\\"[{'}).encode()) == {"s": "[[[[" * 100, "t": 'a\\"[{'}
    with pytest.raises(JsonLimitError, match="larger than 1 MiB"):
        parse_json(b" " * (MAX_BODY + 1))
    with pytest.raises(ValueError, match="not UTF-8"):
        parse_json(b'"\xff"')


@given(st.recursive(st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_json_depth_matches_the_structure(value: object) -> None:
    def depth(v: object) -> int:
        if isinstance(v, list):
            return 1 + max(map(depth, v), default=0)
        if isinstance(v, dict):
            return 1 + max(map(depth, v.values()), default=0)
        return 0

    assert json_depth(json.dumps(value).encode()) == depth(value)
    assert parse_json(json.dumps(value)) == value
