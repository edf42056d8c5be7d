"""Who the console acts as: the acting role if it may, else ask to act as the owner, or refuse under --role."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drillconsole.errors import CommandError
from drillconsole.ui.host import DrillHost
from drillconsole.ui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from drillconsole.engine.seat import DrillSeat
    from drillconsole.playbook.models import Authority, Step


class ActingRole:
    """Mixin of the main screen's Operator: the role each command is sent as, and refusals with their reason."""

    app: DrillHost
    role_fixed: str | None

    if TYPE_CHECKING:  # provided by MainScreen and Operator

        @property
        def seat(self) -> DrillSeat: ...
        def current_role(self) -> str: ...
        def switch_role(self, role: str) -> None: ...
        def command(self, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]: ...
        def held_roles(self) -> list[str]: ...

    def refuse(self, role: str, command: str, reason: str, step_id: str | None = None) -> None:
        """Show a refusal with its reason, and log it."""
        self.app.notify(reason, title="Refused", severity="error", timeout=8)
        self.deny(role, command, reason, step_id)

    async def acting_role(
        self, command: str, may: Callable[[str], bool], owner: str, why: Callable[[str], str], what: str
    ) -> str | None:
        """The role to send a command as: the acting role if it may and is held; otherwise another held role
        that may — asking first (logged as a note), except on a console bound with `--role`, which acts as a
        role handed to its person mid-drill without asking — or refuse with the reason when no held role may."""
        role = self.current_role()
        held = self.held_roles()
        if may(role) and role in held:
            return role
        able = [r for r in held if may(r)]
        reason = why(role) if not may(role) else f"you do not hold {role} (you hold {', '.join(held) or 'no role'})"
        if not able:
            self.refuse(role, command, f"this console acts as {role} (--role): {reason}" if self.role_fixed else reason)
            return None
        owner = owner if owner in able else able[0]
        if self.role_fixed is not None:
            return owner
        question = f"{reason}.\nAct as {owner} from now on? The switch is noted in the session log."
        if not await self.app.push_screen_wait(
            ConfirmScreen(f"Act as {owner}?", question, yes=f"Act as {owner}", no="Cancel")
        ):
            return None
        self.switch_role(owner)
        self.command(self.seat.note, owner, f"console switched from acting as {role} to {owner} to {what}")
        return owner

    async def step_actor(self, command: str, step: Step) -> str | None:
        """The role a step command is sent as: the acting role if it owns the step or may execute steps."""

        from drillconsole.playbook.models import Authority

        def may(role: str) -> bool:
            return role == step.owner or Authority.execute_steps in self.seat.playbook.roles[role].authority

        def why(role: str) -> str:
            return f"step {step.id} is owned by {step.owner}, and {role} lacks execute_steps authority"

        return await self.acting_role(command, may, step.owner, why, f"{command.replace('_', ' ')} {step.id}")

    async def authority_actor(self, command: str, authority: Authority, what: str) -> str | None:
        """The role a command needing `authority` is sent as (asking to switch to a holder if needed)."""
        holders = self.seat.playbook.roles_with(authority)
        if not holders:
            self.app.notify(f"no role of this playbook may {what}", title="Refused", severity="error")
            return None

        def may(role: str) -> bool:
            return authority in self.seat.playbook.roles[role].authority

        def why(role: str) -> str:
            return f"to {what} needs {authority.value} authority: {', '.join(holders)} has it, {role} does not"

        return await self.acting_role(command, may, holders[0], why, what)

    def deny(self, role: str, command: str, reason: str, step_id: str | None = None) -> None:
        """Log a refusal in the session log (`access.denied`); a drill that has ended logs nothing more."""
        with contextlib.suppress(CommandError):
            self.seat.deny(role, command, reason, step_id=step_id)
        self.app.refresh_now()
