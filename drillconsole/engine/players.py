"""Players drive the roles in headless runs: `AutoPlayer` plays the playbook as intended, `ScriptPlayer` replays timed inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from drillconsole.drill import flow
from drillconsole.errors import CommandError
from drillconsole.log.contract import EventType
from drillconsole.playbook.models import Duration, Phase

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine

CHECK_DELAY = 8.0
DECIDE_DELAY = 12.0
STEP_DELAY = 5.0
APPROVE_DELAY = 6.0
END_DELAY = 10.0

Intent = tuple[float, str, Callable[[], object]]


def _checker(engine: Engine, role: str, item: str) -> Callable[[], object]:
    return lambda: engine.check(role, item, auto=True)


class AutoPlayer:
    """Plays every role as the playbook intends, with human-like think times."""

    def _intents(self, engine: Engine) -> list[Intent]:
        s, pb = engine.state, engine.playbook
        if s.ended:
            return []
        out: list[Intent] = []
        for index, (rid, item) in enumerate(pb.checklist_items()):
            entered = s.phase_t.get(item.phase.value)
            if entered is None or s.checklist[(rid, item.id)].checked:
                continue
            delay = min(item.within * 0.5, CHECK_DELAY) if item.within else CHECK_DELAY + 2.0 * (index % 4)
            out.append((entered + delay, f"check {rid}/{item.id}", _checker(engine, rid, item.id)))
        expected = pb.expected_option
        if s.decision is None and s.fired_order and expected is not None:
            decider = pb.roles_with("declare_rollback")[0]  # type: ignore[arg-type]
            t0, tid = s.fired_order[0]
            why = f"auto: trigger {tid} fired; playbook expects {expected}"
            out.append((t0 + DECIDE_DELAY, "decide", lambda: engine.decide(decider, expected, why, auto=True)))
        out += self._step_intents(engine)
        if s.phase is Phase.review:
            pending = [k for k, c in s.checklist.items() if not c.checked and _phase_of(engine, k) is Phase.review]
            if not pending:
                ender = pb.roles_with("end_drill")[0]  # type: ignore[arg-type]
                out.append((s.phase_t["review"] + END_DELAY, "end", lambda: engine.end(ender, auto=True)))
        return out

    def _step_intents(self, engine: Engine) -> list[Intent]:
        s = engine.state
        step = flow.next_step(s)
        if step is None or step.kind == "decision" or not s.phase_reached(step.phase):
            return []
        view = s.steps[step.id]
        if view.status == "failed" and not view.will_retry:
            reason = f"auto: step {step.id} failed: {view.error}"
            return [(view.ended_t or s.t, "give up", lambda: engine.end_drill(step.owner, "failed", reason, auto=True))]
        if view.status != "pending" or flow.blocker(s, step) is not None:
            return []
        earlier = [s.steps[x.id].ended_t or 0.0 for x in engine.playbook.steps[: engine.playbook.steps.index(step)]]
        ready = max([s.phase_t.get(step.phase.value, s.t), *earlier])
        if step.gate is None:
            return [(ready + STEP_DELAY, f"run {step.id}", lambda: engine.run_step(step.owner, step.id, auto=True))]
        gate = s.gates[step.id]
        if gate.status in ("none", "expired", "rejected"):
            return [
                (ready + STEP_DELAY, f"request {step.id}", lambda: engine.request_gate(step.owner, step.id, auto=True))
            ]
        approvers = engine.allowed_approvers(step)
        if gate.status == "requested" and approvers:
            who, phrase = approvers[0], step.gate.phrase
            return [
                (
                    (gate.requested_t or s.t) + APPROVE_DELAY,
                    f"approve {step.id}",
                    lambda: engine.approve(who, step.id, phrase, auto=True),
                )
            ]
        return []

    def next_time(self, engine: Engine) -> float | None:
        times = [t for t, _, _ in self._intents(engine)]
        return min(times) if times else None

    def act(self, engine: Engine, now: float) -> None:
        # Re-plan after every action: each changes what is due next.
        for _ in range(1000):
            due = sorted((i for i in self._intents(engine) if i[0] <= now + 1e-9), key=lambda i: (i[0], i[1]))
            if not due:
                return
            due[0][2]()


def _phase_of(engine: Engine, key: tuple[str, str]) -> Phase:
    role, item = key
    return next(i.phase for i in engine.playbook.roles[role].checklist if i.id == item)


# --- scripts -------------------------------------------------------------------


class ScriptCommand(BaseModel):
    """One timed operator input of a `--script` file."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built at first use, not at import

    at: Duration
    role: str
    do: Literal[
        "check",
        "uncheck",
        "decide",
        "request",
        "approve",
        "reject",
        "run",
        "retry",
        "skip",
        "undo",
        "note",
        "end",
        "lesson",
        "action",
    ]
    item: str | None = None
    option: str | None = None
    rationale: str = ""
    step: str | None = None
    phrase: str = ""
    reason: str = ""
    text: str = ""
    owner: str | None = None
    due: str = ""
    outcome: str | None = None
    by: str | None = None
    """The person giving the input (logged as `by`); a production drill's approvals must name one."""


class ScriptError(Exception):
    """The script file is unreadable or malformed (one line)."""


def load_script(path: Path) -> list[ScriptCommand]:
    """Parse a YAML list of timed commands."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ScriptError(f"{path}:{(line or 0) + 1}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, list):
        raise ScriptError(f"{path}: a script is a YAML list of commands")
    commands = []
    for index, entry in enumerate(raw):
        try:
            commands.append(ScriptCommand.model_validate(entry))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ScriptError(f"{path}: [{index}]{'.' + where if where else ''}: {err['msg']}") from None
    return sorted(commands, key=lambda c: c.at)


class ScriptPlayer:
    """Issues each scripted command at its time; refusals are collected, not fatal."""

    def __init__(self, commands: list[ScriptCommand]) -> None:
        self.commands = list(commands)
        self._next = 0

    def next_time(self, engine: Engine) -> float | None:
        return self.commands[self._next].at if self._next < len(self.commands) else None

    def act(self, engine: Engine, now: float) -> None:
        while self._next < len(self.commands) and self.commands[self._next].at <= now + 1e-9 and not engine.state.ended:
            cmd = self.commands[self._next]
            self._next += 1
            try:
                if cmd.by is not None:
                    holders = engine.state.holders
                    if cmd.role in engine.playbook.roles and holders.get(cmd.role) is None:
                        # A scripted person takes a free role the first time they act for it, as a joiner would.
                        data = {"role": cmd.role, "person": cmd.by}
                        engine.emit(EventType.ROLE_ASSUMED, cmd.role, data, by=cmd.by)
                    with engine.recorder.attributed(cmd.by):
                        dispatch(engine, cmd)
                else:
                    dispatch(engine, cmd)
            except CommandError as exc:
                engine.rejected.append(f"T+{cmd.at:g}s {cmd.role} {cmd.do}: {exc}")


def dispatch(engine: Engine, c: ScriptCommand) -> object:
    """Send one scripted command to the engine."""
    need = {
        "check": "item",
        "uncheck": "item",
        "decide": "option",
        "request": "step",
        "approve": "step",
        "reject": "step",
        "run": "step",
        "retry": "step",
        "skip": "step",
        "undo": "step",
    }
    field = need.get(c.do)
    if field and getattr(c, field) is None:
        raise CommandError(f"`{c.do}` needs `{field}`")
    calls: dict[str, Callable[[], object]] = {
        "check": lambda: engine.check(c.role, c.item),  # type: ignore[arg-type]
        "uncheck": lambda: engine.uncheck(c.role, c.item),  # type: ignore[arg-type]
        "decide": lambda: engine.decide(c.role, c.option, c.rationale),  # type: ignore[arg-type]
        "request": lambda: engine.request_gate(c.role, c.step),  # type: ignore[arg-type]
        "approve": lambda: engine.approve(c.role, c.step, c.phrase),  # type: ignore[arg-type]
        "reject": lambda: engine.reject(c.role, c.step, c.reason),  # type: ignore[arg-type]
        "run": lambda: engine.run_step(c.role, c.step),  # type: ignore[arg-type]
        "retry": lambda: engine.retry(c.role, c.step),  # type: ignore[arg-type]
        "skip": lambda: engine.skip(c.role, c.step, c.reason),  # type: ignore[arg-type]
        "undo": lambda: engine.undo(c.role, c.step),  # type: ignore[arg-type]
        "note": lambda: engine.note(c.role, c.text),
        "end": lambda: engine.end(c.role, c.outcome, c.reason),
        "lesson": lambda: engine.lesson(c.role, c.text),
        "action": lambda: engine.action_item(c.role, c.text, c.owner or c.role, c.due),
    }
    return calls[c.do]()
