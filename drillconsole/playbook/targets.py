"""What steps act on: model registries and feature flags."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from drillconsole.playbook.base import Model, PositiveDuration
from drillconsole.playbook.checks import HttpUrl

# --- targets ---------------------------------------------------------------


class SimulatedRegistry(Model):
    type: Literal["registry"]
    """A model registry holding versions and aliases."""
    kind: Literal["simulated"]
    """Embedded simulated registry (no service needed)."""
    alias: str = "champion"
    """The alias that serving follows."""
    versions: list[str] = []
    """Versions known to the registry (suspect and known-safe are always included)."""


class MlflowRegistry(Model):
    type: Literal["registry"]
    kind: Literal["mlflow"]
    """A real MLflow model registry reached over its REST API."""
    tracking_uri: HttpUrl
    """MLflow tracking server URL; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    model_name: str | None = None
    """Registered model name; defaults to `drill.model`."""
    alias: str = "champion"
    """The alias that serving follows."""
    headers: dict[str, str] = {}
    """Extra request headers; `${secret:NAME}` for tokens, `${env:NAME}` for configuration."""
    timeout: PositiveDuration = 10.0
    """Timeout of each registry request."""


class SimulatedFlags(Model):
    type: Literal["flags"]
    kind: Literal["simulated"]
    """Embedded simulated feature flags."""
    flags: dict[str, bool] = {}
    """Initial value of each flag (for every segment)."""
    segments: list[str] = []
    """Segments a flag can be set for separately."""


class HttpFlags(Model):
    type: Literal["flags"]
    kind: Literal["http"]
    """Feature flags behind an HTTP service."""
    url: HttpUrl
    """Base URL of the flag service; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    headers: dict[str, str] = {}
    """Request headers; `${env:NAME}` (configuration) and `${secret:NAME}` allowed."""
    flags: dict[str, bool] = {}
    """Flags the playbook may change, with their expected initial values."""
    segments: list[str] = []
    """Segments a flag can be set for separately."""
    timeout: PositiveDuration = 10.0
    """Timeout of each flag request."""


Target = Annotated[
    Annotated[SimulatedRegistry | MlflowRegistry, Field(discriminator="kind")]
    | Annotated[SimulatedFlags | HttpFlags, Field(discriminator="kind")],
    Field(discriminator="type"),
]
