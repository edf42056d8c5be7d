"""The re-run's player: issues each recorded input at its drill time and remembers what the engine said to each."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from drillconsole.drill import rules
from drillconsole.errors import CommandError
from drillconsole.rerun.inputs import RecordedInput

if TYPE_CHECKING:
    from drillconsole.engine.engine import Engine

NOT_REACHED = "not issued: the drill had already ended"


class RerunPlayer:
    """Like the script player, but it keeps each input's verdict (None: accepted; else the refusal) for the diff."""

    def __init__(self, inputs: list[RecordedInput]) -> None:
        self.inputs = sorted(inputs, key=lambda i: i.command.at)  # stable: same-time inputs keep their log order
        self.verdicts: list[str | None] = [NOT_REACHED] * len(self.inputs)
        self._next = 0

    def next_time(self, engine: Engine) -> float | None:
        """When the next input is due."""
        return self.inputs[self._next].command.at if self._next < len(self.inputs) else None

    def act(self, engine: Engine, now: float) -> None:
        """Issue every input due by `now`, in recorded order."""
        while self._next < len(self.inputs) and self.inputs[self._next].command.at <= now + 1e-9:
            if engine.state.ended:
                return
            if not engine.idle:
                # An action set going at this very moment finishes (and is logged) first, as it was when the
                # original input saw its result; the engine ticks again at the same time once it has settled.
                return
            index = self._next
            self._next += 1
            try:
                send(engine, self.inputs[index])
                self.verdicts[index] = None
            except CommandError as exc:
                self.verdicts[index] = str(exc)


def send(engine: Engine, recorded: RecordedInput) -> object:
    """Send one recorded input to the engine, flagged `auto` if the auto player wrote it (so the bytes match)."""
    c, auto = recorded.command, recorded.auto
    if c.do == "end" and auto and rules.may_end(engine.state, c.role, c.outcome) is not None:
        # The auto player gives up a failed drill as the step's owner, through the engine's own ending.
        engine.end_drill(c.role, c.outcome or rules.default_outcome(engine.state), c.reason, auto=True)
        return None
    calls: dict[str, Callable[[], object]] = {
        "check": lambda: engine.check(c.role, c.item or "", auto=auto),
        "uncheck": lambda: engine.uncheck(c.role, c.item or "", auto=auto),
        "decide": lambda: engine.decide(c.role, c.option or "", c.rationale, auto=auto),
        "request": lambda: engine.request_gate(c.role, c.step or "", auto=auto),
        "approve": lambda: engine.approve(c.role, c.step or "", c.phrase, auto=auto),
        "reject": lambda: engine.reject(c.role, c.step or "", c.reason, auto=auto),
        "run": lambda: engine.run_step(c.role, c.step or "", auto=auto),
        "retry": lambda: engine.retry(c.role, c.step or "", auto=auto),
        "skip": lambda: engine.skip(c.role, c.step or "", c.reason, auto=auto),
        "undo": lambda: engine.undo(c.role, c.step or "", auto=auto),
        "note": lambda: engine.note(c.role, c.text, auto=auto),
        "end": lambda: engine.end(c.role, c.outcome, c.reason, auto=auto),
        "lesson": lambda: engine.lesson(c.role, c.text, auto=auto),
        "action": lambda: engine.action_item(c.role, c.text, c.owner or c.role, c.due, auto=auto),
    }
    return calls[c.do]()
