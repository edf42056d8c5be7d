"""Fixtures of the hardening tests: a real echo server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from echo_server import EchoServer


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer().start()
    yield server
    server.close()
