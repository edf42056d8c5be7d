"""Cross-reference checks on a playbook that the models alone cannot express."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from drillconsole.playbook.models import (
    Authority,
    FlagSetAction,
    HttpFlags,
    Injection,
    Playbook,
    SetAliasAction,
    SimulatedFlags,
    SimulatedRegistry,
    Step,
)

Found = list[tuple[str, str]]


def suggest(value: str, choices: Iterable[str]) -> str:
    """Return ` (did you mean 'x'?)` for a close match among `choices`, else ''."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unknown(what: str, value: str, known: Iterable[str], where: str = "") -> str:
    return f"unknown {what} '{value}'{where}{suggest(value, known)}"


def _duplicates(found: Found, what: str, ids: list[str], path: str) -> None:
    """Report every repeat of an id; `path` holds `{i}` for the index."""
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            found.append((path.format(i=i), f"duplicate {what} id '{item_id}'"))
        seen.add(item_id)


def _check_ref(found: Found, path: str, what: str, value: str | None, known: Iterable[str], where: str = "") -> bool:
    """Report `value` if it is not among `known`; True when it is fine."""
    known = list(known)
    if value is None or value in known:
        return True
    found.append((path, _unknown(what, value, known, where)))
    return False


def _versions(pb: Playbook, target: str | None = None) -> set[str]:
    """Versions a simulated registry (or any of them) knows, plus suspect and known-safe."""
    known = {pb.drill.versions.suspect, pb.drill.versions.known_safe}
    for tid, spec in pb.targets.items():
        if isinstance(spec, SimulatedRegistry) and target in (None, tid):
            known.update(spec.versions)
    return known


def _check_flag(found: Found, pb: Playbook, path: str, target: str | None, flag: str, segment: str | None) -> None:
    """Check a flag name and segment against a flags target's declared ones."""
    spec = pb.targets.get(target) if target is not None else None
    if not isinstance(spec, (SimulatedFlags, HttpFlags)):
        return
    on = f" on target '{target}'"
    if _check_ref(found, f"{path}.flag", "flag", flag, spec.flags, on):
        _check_ref(found, f"{path}.segment", "segment", segment, spec.segments, on)


def _check_action(found: Found, pb: Playbook, path: str, action: object) -> None:
    """Check an action's target, and its flag or version, against the playbook."""
    if not isinstance(action, (SetAliasAction, FlagSetAction)):
        return
    if not _check_ref(found, f"{path}.target", "target", action.target, pb.targets):
        return
    spec = pb.targets[action.target]
    if isinstance(action, SetAliasAction):
        if spec.type != "registry":
            found.append((f"{path}.target", f"target '{action.target}' is not a registry"))
        elif isinstance(spec, SimulatedRegistry):
            known = _versions(pb, action.target)
            _check_ref(found, f"{path}.to", "version", action.to_version, known)
            _check_ref(found, f"{path}.from", "version", action.from_version, known)
    elif spec.type != "flags":
        found.append((f"{path}.target", f"target '{action.target}' is not a flags target"))
    else:
        _check_flag(found, pb, path, action.target, action.flag, action.segment)


def _check_injection(found: Found, pb: Playbook, i: int, inj: Injection) -> None:
    """Check an injection's signal and cause."""
    path = f"scenario[{i}]"
    _check_ref(found, f"{path}.signal", "signal", inj.signal, [s.id for s in pb.signals])
    cause = inj.cause
    if cause is None or not _check_ref(found, f"{path}.cause.target", "target", cause.target, pb.targets):
        return
    if cause.version is not None and cause.version not in _versions(pb, cause.target):
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
            target = pb.target_of_type("flags")
        flag_targets = [tid for tid, spec in pb.targets.items() if spec.type == "flags"]
        if target is None and not flag_targets:
            found.append((f"{path}.cause.flag", f"unknown flag '{cause.flag}' (the playbook has no flags target)"))
        elif target is None:
            found.append((f"{path}.cause.target", f"several flags targets: name the one holding '{cause.flag}'"))
        _check_flag(found, pb, f"{path}.cause", target, cause.flag, cause.segment)


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


def _check_step(found: Found, pb: Playbook, i: int, step: Step, options: list[str]) -> None:
    """Check one step's references."""
    path = f"steps[{i}]"
    step_ids = [s.id for s in pb.steps]
    _check_ref(found, f"{path}.owner", "role", step.owner, pb.roles)
    _check_gate(found, pb, path, step)
    _check_action(found, pb, f"{path}.action", step.action)
    if step.undo == "restore":
        if not isinstance(step.action, (SetAliasAction, FlagSetAction)):
            found.append((f"{path}.undo", "undo 'restore' needs a registry.set_alias or flag.set action"))
    else:
        _check_action(found, pb, f"{path}.undo", step.undo)
    if step.verify is not None:
        for j, signal in enumerate(step.verify.signals):
            _check_ref(found, f"{path}.verify.signals[{j}]", "signal", signal, [s.id for s in pb.signals])
    if step.fidelity is not None and step.fidelity.target is not None:
        target = step.fidelity.target
        if _check_ref(found, f"{path}.fidelity.target", "target", target, pb.targets) and (
            pb.targets[target].type != "registry"
        ):
            found.append((f"{path}.fidelity.target", f"target '{target}' is not a registry"))
    _duplicates(found, "option", [o.id for o in step.options], path + ".options[{i}].id")
    if step.when is not None:
        for j, option in enumerate(step.when.decision):
            _check_ref(found, f"{path}.when.decision[{j}]", "decision option", option, options)
        failed = step.when.failed
        if _check_ref(found, f"{path}.when.failed", "step", failed, step_ids) and failed is not None:
            first = step_ids.index(failed)
            if first >= i:
                problem = "comes later" if first > i else "is this step itself"
                found.append((f"{path}.when.failed", f"step '{failed}' {problem}"))


def check(pb: Playbook) -> list[tuple[str, str]]:
    """Return (field path, message) for every broken reference or rule in a valid-shaped playbook."""
    found: Found = []
    signal_ids = [s.id for s in pb.signals]
    options = [o.id for o in pb.options()]
    for rid, role in pb.roles.items():
        _duplicates(found, "checklist item", [c.id for c in role.checklist], f"roles.{rid}" + ".checklist[{i}].id")
    _duplicates(found, "signal", signal_ids, "signals[{i}].id")
    _duplicates(found, "trigger", [t.id for t in pb.triggers], "triggers[{i}].id")
    for i, trigger in enumerate(pb.triggers):
        _check_ref(found, f"triggers[{i}].signal", "signal", trigger.signal, signal_ids)
        _check_ref(found, f"triggers[{i}].proposes", "decision option", trigger.proposes, options)
    _duplicates(found, "injection", [inj.id for inj in pb.scenario], "scenario[{i}].id")
    for i, inj in enumerate(pb.scenario):
        _check_injection(found, pb, i, inj)
    _duplicates(found, "step", [s.id for s in pb.steps], "steps[{i}].id")
    decisions = [i for i, s in enumerate(pb.steps) if s.kind == "decision"]
    for i, step in enumerate(pb.steps):
        if step.kind == "decision" and i != decisions[0]:
            first = pb.steps[decisions[0]].id
            found.append((f"steps[{i}].kind", f"more than one decision step (the first is '{first}')"))
        _check_step(found, pb, i, step, options)
    _duplicates(found, "escalation", [e.id for e in pb.escalations], "escalations[{i}].id")
    for i, esc in enumerate(pb.escalations):
        for j, notified in enumerate(esc.notify):
            _check_ref(found, f"escalations[{i}].notify[{j}]", "role", notified, pb.roles)
    return found
