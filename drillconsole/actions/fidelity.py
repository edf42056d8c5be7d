"""Live restoration fidelity: score a fixed probe set with the live model and with the known-safe version.

The endpoint contract (the sandbox's `POST /score`): `{"probes": [[x, ...], ...],
"version": V}` answers `{"version": V, "scores": [...]}`; without `version` the
live version scores. The known-safe version's scores are the reference: they are
recorded in the `fidelity.measured` event (with their sha256), so the log says
exactly what the live model was compared with.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from drillconsole.actions.base import ActionContext, ActionError
from drillconsole.actions.http_common import client, error_detail, json_of, resolved, send, server_side
from drillconsole.playbook.models import FidelityCheck
from drillconsole.secrets import mask

TIMEOUT = 10.0


def probe_set(check: FidelityCheck) -> list[list[float]]:
    """The fixed probe set: `probes` rows of standard normal features drawn from `probe_seed`."""
    rows = np.random.default_rng(check.probe_seed).normal(size=(check.probes, check.features))
    return np.round(rows, 6).tolist()  # type: ignore[no-any-return]


async def _scores(
    ctx: ActionContext, check: FidelityCheck, probes: list[list[float]], version: str | None
) -> tuple[str, list[float]]:
    assert check.url is not None
    url, headers, _ = resolved(ctx, check.url, {})
    shown = f"scoring {mask(check.url)}" + (f" (v{version})" if version else "")
    body: dict[str, Any] = {"probes": probes}
    if version is not None:
        body["version"] = version
    async with client(ctx) as http:
        response = await send(http, "POST", url, shown, headers=headers, json=body, timeout=TIMEOUT)
    if response.status_code != 200:
        raise ActionError(f"{shown}: {error_detail(response, ctx.redactor)}", transient=server_side(response))
    answer = json_of(response, shown)
    scores = answer.get("scores") if isinstance(answer, dict) else None
    if not isinstance(scores, list) or len(scores) != len(probes):
        raise ActionError(f"{shown}: answer has no `scores` list of {len(probes)} numbers")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in scores):
        raise ActionError(f"{shown}: a score is not a finite number")
    return str(answer.get("version", version)), [float(v) for v in scores]


async def measure_live(check: FidelityCheck, ctx: ActionContext) -> dict[str, Any]:
    """The `fidelity.measured` payload (without `step`): live scores vs the known-safe version's, within tolerance."""
    known_safe = ctx.playbook.drill.versions.known_safe
    probes = probe_set(check)
    _, reference = await _scores(ctx, check, probes, known_safe)
    live_version, live = await _scores(ctx, check, probes, None)
    deviations = np.abs(np.array(live) - np.array(reference))
    rate = float(np.mean(deviations <= check.tolerance + 1e-12))
    canonical = json.dumps(reference, separators=(",", ":"))
    return {
        "version": live_version,
        "reference": known_safe,
        "probes": len(probes),
        "match_rate": round(rate, 6),
        "max_deviation": round(float(deviations.max()), 6),
        "tolerance": check.tolerance,
        "passed": rate >= check.min_match,
        "probe_seed": check.probe_seed,
        "reference_outputs": reference,
        "reference_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
    }
