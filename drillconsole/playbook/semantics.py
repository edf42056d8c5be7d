"""Cross-reference checks on a playbook that the models alone cannot express."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

from drillconsole.playbook.models import (
    Authority,
    CommandAction,
    FlagSetAction,
    HttpFlags,
    Injection,
    Playbook,
    SetAliasAction,
    SimulatedFlags,
    SimulatedRegistry,
    Step,
)
from drillconsole.secrets import is_secret, references

Found = list[tuple[str, str]]
SUGGEST_AMONG = 500
"""Past this many choices no 'did you mean' is offered: the search would make checking quadratic."""
MAX_SAMPLES = 1_000_000
"""Polls of one signal over the time limit; more would only flood the session log."""
MAX_TOTAL_SAMPLES = 5_000_000
"""Polls of all signals together over the time limit."""


def suggest(value: str, choices: Iterable[str]) -> str:
    """Return ` (did you mean 'x'?)` for a close match among `choices`, else ''."""
    options = list(choices)
    if len(options) > SUGGEST_AMONG or len(value) > 200:
        return ""
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unknown(what: str, value: str, known: Collection[str], where: str = "") -> str:
    return f"unknown {what} '{value}'{where}{suggest(value, known)}"


def _duplicates(found: Found, what: str, ids: list[str], path: str) -> None:
    """Report every repeat of an id; `path` holds `{i}` for the index."""
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            found.append((path.format(i=i), f"duplicate {what} id '{item_id}'"))
        seen.add(item_id)


def _check_ref(found: Found, path: str, what: str, value: str | None, known: Collection[str], where: str = "") -> bool:
    """Report `value` if it is not among `known` (a set or dict: membership is O(1)); True when it is fine."""
    if value is None or value in known:
        return True
    found.append((path, _unknown(what, value, known, where)))
    return False


class _Known:
    """Every id the checks look up, gathered once so each lookup is O(1) and the checks stay linear."""

    def __init__(self, pb: Playbook) -> None:
        self.pb = pb
        self.signals = {s.id for s in pb.signals}
        self.options = {o.id for o in pb.options()}
        self.step_index: dict[str, int] = {}
        for i, step in enumerate(pb.steps):
            self.step_index.setdefault(step.id, i)
        self.base_versions = {pb.drill.versions.suspect, pb.drill.versions.known_safe}
        self.versions_of: dict[str, set[str]] = {}
        self.all_versions = set(self.base_versions)
        self.flags_of: dict[str, tuple[set[str], set[str]]] = {}
        for tid, spec in pb.targets.items():
            if isinstance(spec, SimulatedRegistry):
                self.versions_of[tid] = self.base_versions | set(spec.versions)
                self.all_versions |= self.versions_of[tid]
            elif isinstance(spec, (SimulatedFlags, HttpFlags)):
                self.flags_of[tid] = (set(spec.flags), set(spec.segments))
        self.flag_targets = list(self.flags_of)

    def versions(self, target: str | None = None) -> set[str]:
        """Versions a simulated registry (or any of them) knows, plus suspect and known-safe."""
        return self.all_versions if target is None else self.versions_of.get(target, self.base_versions)


def _check_flag(found: Found, k: _Known, path: str, target: str | None, flag: str, segment: str | None) -> None:
    """Check a flag name and segment against a flags target's declared ones."""
    if target is None or target not in k.flags_of:
        return
    flags, segments = k.flags_of[target]
    on = f" on target '{target}'"
    if _check_ref(found, f"{path}.flag", "flag", flag, flags, on):
        _check_ref(found, f"{path}.segment", "segment", segment, segments, on)


def _check_action(found: Found, k: _Known, path: str, action: object, *, undo: bool = False) -> None:
    """Check an action's target, its flag or version, and what it would expose, against the playbook."""
    if isinstance(action, CommandAction):
        _check_argv(found, path, action)
    if not isinstance(action, (SetAliasAction, FlagSetAction)):
        return
    pb = k.pb
    if not _check_ref(found, f"{path}.target", "target", action.target, pb.targets):
        return
    spec = pb.targets[action.target]
    if isinstance(action, SetAliasAction):
        if spec.type != "registry":
            found.append((f"{path}.target", f"target '{action.target}' is not a registry"))
            return
        if isinstance(spec, SimulatedRegistry):
            known = k.versions(action.target)
            _check_ref(found, f"{path}.to", "version", action.to_version, known)
            _check_ref(found, f"{path}.from", "version", action.from_version, known)
        # An undo may name only `to` (back to the suspect); a step that moves nowhere is no rollback.
        source = action.from_version if undo else (action.from_version or pb.drill.versions.suspect)
        if source == action.to_version:
            found.append((f"{path}.to", f"`from` and `to` are both '{source}': the alias would not move"))
    elif spec.type != "flags":
        found.append((f"{path}.target", f"target '{action.target}' is not a flags target"))
    else:
        _check_flag(found, k, path, action.target, action.flag, action.segment)


def _check_argv(found: Found, path: str, action: CommandAction) -> None:
    """A secret in argv is visible to every local user in `ps`: refuse it, pointing at `env:`."""
    for j, arg in enumerate(action.argv):
        secret = next((name for kind, name in references(arg) if is_secret(kind, name)), None)
        if secret is not None:
            found.append(
                (
                    f"{path}.argv[{j}]",
                    f"secret {secret} in argv is visible in `ps`: pass it in `env:` "
                    f"(e.g. env: {{{secret}: '${{secret:{secret}}}'}}) or on stdin",
                )
            )


def _check_injection(found: Found, k: _Known, i: int, inj: Injection) -> None:
    """Check an injection's signal and cause."""
    pb = k.pb
    path = f"scenario[{i}]"
    _check_ref(found, f"{path}.signal", "signal", inj.signal, k.signals)
    cause = inj.cause
    if cause is None or not _check_ref(found, f"{path}.cause.target", "target", cause.target, pb.targets):
        return
    if cause.version is not None and cause.version not in k.versions(cause.target):
        found.append(
            (
                f"{path}.cause.version",
                f"unknown version '{cause.version}' (neither suspect, "
                "known_safe nor a version of a simulated registry)",
            )
        )
    if cause.flag is not None:
        target = cause.target
        if target is None or pb.targets[target].type != "flags":
            target = k.flag_targets[0] if len(k.flag_targets) == 1 else None
        if target is None and not k.flag_targets:
            found.append((f"{path}.cause.flag", f"unknown flag '{cause.flag}' (the playbook has no flags target)"))
        elif target is None:
            found.append((f"{path}.cause.target", f"several flags targets: name the one holding '{cause.flag}'"))
        _check_flag(found, k, f"{path}.cause", target, cause.flag, cause.segment)


def _check_gate(found: Found, pb: Playbook, path: str, step: Step) -> None:
    """Check a gate's approvers: known roles with authority, not the owner under two-person."""
    if step.gate is None:
        return
    for j, approver in enumerate(step.gate.approver):
        where = f"{path}.gate.approver[{j}]"
        if not _check_ref(found, where, "role", approver, pb.roles):
            continue
        if Authority.approve_gate not in pb.roles[approver].authority:
            found.append((where, f"role '{approver}' lacks approve_gate authority"))
        if step.gate.two_person and approver == step.owner:
            found.append((where, f"two-person gate: approver '{approver}' is the step owner"))


def _check_step(found: Found, k: _Known, i: int, step: Step) -> None:
    """Check one step's references."""
    pb = k.pb
    path = f"steps[{i}]"
    _check_ref(found, f"{path}.owner", "role", step.owner, pb.roles)
    _check_gate(found, pb, path, step)
    _check_action(found, k, f"{path}.action", step.action)
    if step.undo == "restore":
        if not isinstance(step.action, (SetAliasAction, FlagSetAction)):
            found.append((f"{path}.undo", "undo 'restore' needs a registry.set_alias or flag.set action"))
    else:
        _check_action(found, k, f"{path}.undo", step.undo, undo=True)
    if step.verify is not None:
        for j, signal in enumerate(step.verify.signals):
            _check_ref(found, f"{path}.verify.signals[{j}]", "signal", signal, k.signals)
    if step.fidelity is not None and step.fidelity.target is not None:
        target = step.fidelity.target
        if _check_ref(found, f"{path}.fidelity.target", "target", target, pb.targets) and (
            pb.targets[target].type != "registry"
        ):
            found.append((f"{path}.fidelity.target", f"target '{target}' is not a registry"))
    _duplicates(found, "option", [o.id for o in step.options], path + ".options[{i}].id")
    if step.when is not None:
        for j, option in enumerate(step.when.decision):
            _check_ref(found, f"{path}.when.decision[{j}]", "decision option", option, k.options)
        failed = step.when.failed
        if _check_ref(found, f"{path}.when.failed", "step", failed, k.step_index) and failed is not None:
            first = k.step_index[failed]
            if first >= i:
                problem = "comes later" if first > i else "is this step itself"
                found.append((f"{path}.when.failed", f"step '{failed}' {problem}"))


def _check_signals(found: Found, pb: Playbook) -> None:
    """Polls over the time limit stay within what a session log can hold."""
    total = sum(pb.drill.time_limit / signal.interval for signal in pb.signals)
    if total > MAX_TOTAL_SAMPLES:
        found.append(
            (
                "drill.time_limit",
                f"{len(pb.signals):,} signals over {pb.drill.time_limit:g}s are {total:,.0f} polls "
                f"(at most {MAX_TOTAL_SAMPLES:,}): shorten the time limit or poll less often",
            )
        )
    for i, signal in enumerate(pb.signals):
        polls = pb.drill.time_limit / signal.interval
        if polls > MAX_SAMPLES:
            found.append(
                (
                    f"signals[{i}].interval",
                    f"interval {signal.interval:g}s over the {pb.drill.time_limit:g}s time limit is {polls:,.0f} "
                    f"polls (at most {MAX_SAMPLES:,}): poll less often or shorten drill.time_limit",
                )
            )


def _check_downstream(found: Found, k: _Known) -> None:
    """Dependents, the consistency and reconcile steps that name them, risks and criteria."""
    pb = k.pb
    registries = [t for t in pb.targets.values() if t.type == "registry"]
    for did, dep in pb.dependents.items():
        _check_ref(found, f"dependents.{did}.owner", "role", dep.owner, pb.roles)
        if dep.source.kind == "simulated" and len(registries) != 1:
            found.append((f"dependents.{did}.source", "a simulated dependent follows the playbook's only registry"))
        after = getattr(dep.source, "after", None)
        _check_ref(found, f"dependents.{did}.source.after", "step", after, k.step_index)
    for i, step in enumerate(pb.steps):
        path = f"steps[{i}]"
        if step.kind in ("consistency", "reconcile") and len(registries) != 1:
            # The live version dependents must agree with, and the rollback that ends the window, are the registry's.
            found.append((f"{path}.kind", f"a {step.kind} step needs exactly one registry target"))
        if step.consistency is not None:
            for j, dep_id in enumerate(step.consistency.dependents):
                _check_ref(found, f"{path}.consistency.dependents[{j}]", "dependent", dep_id, pb.dependents)
        if step.reconcile is not None:
            for j, dep_id in enumerate(step.reconcile.systems):
                where = f"{path}.reconcile.systems[{j}]"
                if _check_ref(found, where, "dependent", dep_id, pb.dependents) and not pb.dependents[dep_id].records:
                    found.append((where, f"dependent '{dep_id}' keeps no records (`records: true`)"))
            traffic = step.reconcile.traffic
            known = _check_ref(found, f"{path}.reconcile.traffic", "signal", traffic, k.signals)
            if known and traffic is not None and pb.signal(traffic).source.kind != "simulated":
                found.append((f"{path}.reconcile.traffic", f"signal '{traffic}' is not simulated: name a `counter`"))
    _duplicates(found, "risk", [r.id for r in pb.risks], "risks[{i}].id")
    _duplicates(found, "criterion", [c.id for c in pb.criteria], "criteria[{i}].id")
    risk_ids = {r.id for r in pb.risks}
    for i, criterion in enumerate(pb.criteria):
        for j, risk in enumerate(criterion.risks):
            _check_ref(found, f"criteria[{i}].risks[{j}]", "risk", risk, risk_ids)


def check(pb: Playbook) -> list[tuple[str, str]]:
    """Return (field path, message) for every broken reference or rule in a valid-shaped playbook."""
    found: Found = []
    k = _Known(pb)
    for rid, role in pb.roles.items():
        _duplicates(found, "checklist item", [c.id for c in role.checklist], f"roles.{rid}" + ".checklist[{i}].id")
    _duplicates(found, "signal", [s.id for s in pb.signals], "signals[{i}].id")
    _check_signals(found, pb)
    _duplicates(found, "trigger", [t.id for t in pb.triggers], "triggers[{i}].id")
    for i, trigger in enumerate(pb.triggers):
        _check_ref(found, f"triggers[{i}].signal", "signal", trigger.signal, k.signals)
        _check_ref(found, f"triggers[{i}].proposes", "decision option", trigger.proposes, k.options)
    _duplicates(found, "injection", [inj.id for inj in pb.scenario], "scenario[{i}].id")
    for i, inj in enumerate(pb.scenario):
        _check_injection(found, k, i, inj)
    _duplicates(found, "step", [s.id for s in pb.steps], "steps[{i}].id")
    decisions = [i for i, s in enumerate(pb.steps) if s.kind == "decision"]
    for i, step in enumerate(pb.steps):
        if step.kind == "decision" and i != decisions[0]:
            first = pb.steps[decisions[0]].id
            found.append((f"steps[{i}].kind", f"more than one decision step (the first is '{first}')"))
        _check_step(found, k, i, step)
    _check_downstream(found, k)
    _duplicates(found, "escalation", [e.id for e in pb.escalations], "escalations[{i}].id")
    for i, esc in enumerate(pb.escalations):
        for j, notified in enumerate(esc.notify):
            _check_ref(found, f"escalations[{i}].notify[{j}]", "role", notified, pb.roles)
    for i, action in enumerate(pb.teardown):
        if action.type == "registry.restore":
            path = f"teardown[{i}].target"
            if (
                _check_ref(found, path, "target", action.target, pb.targets)
                and pb.targets[action.target].kind != "mlflow"
            ):
                found.append((path, f"target '{action.target}' is not an MLflow registry"))
        else:
            _check_action(found, k, f"teardown[{i}]", action)
    return found
