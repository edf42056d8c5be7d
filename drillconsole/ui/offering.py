"""Keys offered by the roles held: the footer shows only what this person's roles allow, and a hidden key says why.

A key whose command none of the held roles could do is hidden (`check_action`
returns False, so the footer drops it and Textual does not run it). Pressing
it anyway is not silently ignored: the reason shows as a "Refused"
notification and is logged as the person's `access.denied`, like any command
the engine refuses. Nothing is sent to run. The held roles are those of the
person at this console (a participant, or the engine's console in a team
drill), else the `--role`, else every role (solo); when a role changes hands
the keys follow at the next refresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events

from drillconsole.ui.host import DrillHost

KEY_COMMANDS: dict[str, str] = {
    "run_step": "run_step",
    "retry_step": "retry",
    "skip_step": "skip",
    "undo_step": "undo",
    "approve": "approve",
    "reject_gate": "reject",
    "decide": "decide",
    "end_drill": "end",
    "check_item": "check",
    "note": "note",
}
"""Key actions whose command depends on the roles held, and that command's name."""


class Offering:
    """Mixin of the main screen: which key actions the held roles allow, for the footer and for key presses."""

    app: DrillHost
    role_fixed: str | None
    _offered_for: tuple[tuple[str, ...], str | None] | None = None

    if TYPE_CHECKING:  # provided by MainScreen and ActingRole

        def checklist_target(self) -> tuple[str, str | None]: ...
        def current_role(self) -> str: ...
        def refuse(self, role: str, command: str, reason: str, step_id: str | None = None) -> None: ...
        def refresh_bindings(self) -> None: ...
        @property
        def is_mounted(self) -> bool: ...
        @property
        def drill_ready(self) -> bool: ...

        _bindings: Any

    def held_roles(self) -> list[str]:
        """The roles this console's person holds now: their team seat, else `--role`, else every role."""
        seat = self.app.seat
        if seat.held_roles is not None:
            return list(seat.held_roles)
        return [self.role_fixed] if self.role_fixed else list(seat.playbook.roles)

    def not_offered(self, action: str) -> str | None:
        """Why a key action is not offered to the held roles, or None (also None for actions no role limits)."""
        command = KEY_COMMANDS.get(action)
        if command is None or not self.is_mounted or not self.drill_ready:
            return None
        from drillconsole.drill import offer  # with the playbook models, loaded with the drill

        tab = self.checklist_target()[0] if command == "check" else None
        problem = offer.not_offered(self.app.seat.playbook, self.held_roles(), command, tab)
        if problem is not None and self.role_fixed is not None:
            problem = f"this console acts as {self.role_fixed} (--role), {problem}"
        return problem

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys the held roles do not allow (False drops them from the footer)."""
        return self.not_offered(action) is None

    def on_key(self, event: events.Key) -> None:
        """A hidden key pressed anyway: say why (and log it), instead of doing nothing."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            reason = self.not_offered(binding.action)
            if reason is not None:
                event.stop()
                event.prevent_default()
                role = self.role_fixed or self.current_role()
                self.refuse(role, KEY_COMMANDS[binding.action], reason)
                return

    def offer_changed(self) -> None:
        """Refresh the footer when the held roles or the checklist tab changed (a role handed over mid-drill)."""
        now = (tuple(self.held_roles()), self.checklist_target()[0])
        if now != self._offered_for:
            self._offered_for = now
            self.refresh_bindings()
