"""Base views: short-lived views owned by their invoker, modals and persistent DynamicItems that all
refuse text the bot cannot store (:func:`bot.ui.guard.refuse_unstorable`) before a callback runs, and
report errors through :func:`bot.ui.errors.report_error`. Every view, modal and DynamicItem of the bot
derives from one of them (a structural test checks)."""

from __future__ import annotations

import logging
import secrets
from typing import Any, ClassVar, TypeVar

import discord

from bot.i18n import t
from bot.services.access import Access
from bot.ui.errors import report_error
from bot.ui.guard import refuse_unstorable
from bot.ui.permissions import admit
from bot.ui.respond import SEND_ERRORS

log = logging.getLogger(__name__)

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])

#: Every custom_id the bot makes starts with this, and must fit Discord's 100-character limit.
CUSTOM_ID_PREFIX = "pb:"
CUSTOM_ID_LIMIT = 100


class OwnedView(discord.ui.View):
    """A short-lived view that only ``owner_id`` may press; it disables itself when it times out."""

    def __init__(self, owner_id: int, *, timeout: float | None = 600, locale: object = None) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.locale = locale
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if await refuse_unstorable(interaction):
            return False
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                t(interaction.locale, "error.not_your_buttons"),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return False
        return True

    def disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        self.disable_all()
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except SEND_ERRORS:
                pass  # the buttons stay on; a press is answered "these buttons have expired"

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: Any, /) -> None:
        await report_error(interaction, error)


class BaseModal(discord.ui.Modal):
    """A modal whose errors are answered like a command's. A form that needs a level when it comes back
    declares it as ``access`` (see bot/ui/permissions.py); None: whatever opened it was checked."""

    access: ClassVar[Access | None] = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if await refuse_unstorable(interaction):
            return False
        return self.access is None or await admit(interaction, self.access)

    # discord.py's Modal narrows BaseView.on_error's signature itself; we match Modal's.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await report_error(interaction, error)


class GuardedDynamicItem(discord.ui.DynamicItem[ItemT], template=r"pb:abstract-base-never-registered"):
    """A persistent component. Subclasses give their own ``template``, declare who may press it as
    ``access`` (checked here before :meth:`run`; see bot/ui/permissions.py) and implement :meth:`run`;
    errors reach the user, not the void (discord.py only logs exceptions from a DynamicItem callback).
    """

    #: Who may press it. Every subclass declares one (tests/test_permissions_declared.py checks).
    access: ClassVar[Access]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(getattr(cls, "access", None), Access):
            raise TypeError(f"{cls.__qualname__} must declare who may press it: access = Access.<level>")

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if await refuse_unstorable(interaction):
            return False
        return await admit(interaction, self.access)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await self.run(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def run(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def custom_id(*parts: object) -> str:
    """``pb:<part>:<part>...``, checked against Discord's 100-character limit."""
    value = CUSTOM_ID_PREFIX + ":".join(str(p) for p in parts)
    if len(value) > CUSTOM_ID_LIMIT:
        raise ValueError(f"custom_id over {CUSTOM_ID_LIMIT} characters: {value!r}")
    return value


def instance_id(*parts: object) -> str:
    """A :func:`custom_id` ending in a random part, unique to one instance. discord.py keeps open modals by
    custom_id alone, so a form two members may have open at once needs one of these. The random part is
    not derived from anything, so the id says nothing about who opened the form."""
    return custom_id(*parts, secrets.token_hex(8))
