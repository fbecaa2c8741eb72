"""Who may run a command or press a component, declared once where it is defined. The declaration is
the check: it refuses a caller below the level privately, naming the role needed, before the handler runs,
and it is what `/about` and the sandbox list (:func:`declared_access`), so the listing cannot say one thing
while the handler enforces another.

- Slash commands: ``@requires(level)`` above ``@app_commands.command``.
- Persistent components (:class:`bot.ui.views.GuardedDynamicItem`) and forms (:class:`bot.ui.views.BaseModal`):
  a class attribute ``access``, checked by the base class; a button of a short-lived view: its callback
  wrapped in :func:`gated`.

Either way the handler reads the caller's access with :func:`caller_access` instead of working it out again.
tests/test_permissions_declared.py checks that every command and persistent item declares a level.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.errors import NotAllowed, PartnerBotError
from bot.services.access import Access
from bot.ui.errors import report_error

if TYPE_CHECKING:
    from bot.app import PartnerBot

#: ``Interaction.extras`` key: the caller's access, left by the check that let the interaction through.
ACCESS_KEY = "pb_access"
#: The attribute of a :func:`requires` check holding its level (how a declaration is told from any check).
_LEVEL_ATTR = "__pb_requires__"

#: How a check learns the caller's access; None when it cannot be known in time (the handler checks later).
Lookup = Callable[[discord.Interaction], Awaitable[Access | None]]
#: The error a caller below the level is refused with.
Refusal = Callable[[discord.Interaction, Access], PartnerBotError]
#: A component's callback.
Press = Callable[[discord.Interaction], Coroutine[Any, Any, None]]

CommandT = TypeVar("CommandT", bound="app_commands.Command[Any, ..., Any]")


def _bot(interaction: discord.Interaction) -> PartnerBot:
    return interaction.client  # type: ignore[return-value]


async def in_server(interaction: discord.Interaction) -> Access:
    """The caller's access from the member the interaction carries (none outside the server)."""
    return _bot(interaction).access(interaction.user)


async def asked_in_dms(interaction: discord.Interaction) -> Access:
    """As :func:`in_server` in the server. In a DM Discord is asked for the membership, after acknowledging
    privately: that call can wait out a rate limit past the 3 seconds Discord gives a first response."""
    bot = _bot(interaction)
    if interaction.guild is not None:
        return bot.access(interaction.user)
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True)
    return await bot.fetch_access(interaction.user.id)


def needs_role(interaction: discord.Interaction, level: Access) -> PartnerBotError:
    """The usual refusal: "Only <role> can do that"."""
    return NotAllowed(f"error.needs_role.{level.name.lower()}")


def requires(
    level: Access, *, lookup: Lookup = in_server, refusal: Refusal = needs_role
) -> Callable[[CommandT], CommandT]:
    """Declare and enforce the access a slash command needs; goes above ``@app_commands.command``.

    The check runs before the command's options are read: a caller below ``level`` is answered privately
    with ``refusal`` (through :class:`bot.ui.errors.PartnerTree`'s error path) and the handler never runs.
    ``lookup`` says how the caller's access is found (:func:`asked_in_dms` for commands that work in DMs);
    when it returns None the check lets the command run and the handler must check once it can.
    """

    async def check(interaction: discord.Interaction) -> bool:
        have = await lookup(interaction)
        if have is None:
            return True
        interaction.extras[ACCESS_KEY] = have
        if have < level:
            error = refusal(interaction, level)
            # A check must fail with a CheckFailure for the tree to report it; bot.ui.errors.describe
            # answers with the domain error it was raised from.
            raise app_commands.CheckFailure(error.key) from error
        return True

    setattr(check, _LEVEL_ATTR, level)

    def decorate(command: CommandT) -> CommandT:
        if not isinstance(command, app_commands.Command):
            raise TypeError("@requires(...) goes above @app_commands.command(...)")
        if declared_access(command) is not None:
            raise TypeError(f"/{command.qualified_name} declares its access twice")
        command.add_check(check)
        return command

    return decorate


def declared_access(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> Access | None:
    """The level :func:`requires` declared (and enforces) on ``command``; None when it declares none."""
    for check in getattr(command, "checks", ()):
        level = getattr(check, _LEVEL_ATTR, None)
        if isinstance(level, Access):
            return level
    return None


def caller_access(interaction: discord.Interaction) -> Access:
    """The caller's access, as the check that let ``interaction`` through found it."""
    try:
        have = interaction.extras[ACCESS_KEY]
    except KeyError:
        raise RuntimeError("no access check ran for this interaction (see bot/ui/permissions.py)") from None
    return Access(have)


def gated(level: Access, press: Press) -> Press:
    """``press`` (a button's callback in a short-lived view) run only for a caller with ``level`` at the
    press: the role may have gone since the view was shown. The view's own checks (whose buttons they
    are) come first."""

    async def checked(interaction: discord.Interaction) -> None:
        if await admit(interaction, level):
            await press(interaction)

    setattr(checked, _LEVEL_ATTR, level)
    return checked


async def admit(interaction: discord.Interaction, level: Access) -> bool:
    """For a component or form that needs ``level``: record the caller's access for the handler; below
    ``level``, answer privately naming the role needed and return False (the handler must not run)."""
    have = _bot(interaction).access(interaction.user)
    interaction.extras[ACCESS_KEY] = have
    if have >= level:
        return True
    await report_error(interaction, needs_role(interaction, level))
    return False
