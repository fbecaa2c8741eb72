"""Who may give feedback: members of the configured server. A DM carries no member, so Discord is asked,
within the time the first response allows; a refusal names the server rather than a role."""

from __future__ import annotations

import asyncio

import discord

from bot.app import PartnerBot
from bot.errors import NotAllowed
from bot.i18n import t
from bot.services.access import Access
from bot.ui.respond import SEND_ERRORS

#: How long `/feedback give` in a DM waits for Discord to say whether the member belongs to the server
#: before it opens the form anyway (and checks when the form comes back).
FORM_CHECK_SECONDS = 1.5


def not_member(bot: PartnerBot, locale: object) -> NotAllowed:
    """The refusal of feedback from someone who is not a member of the server (named)."""
    guild = bot.home_guild()
    server = guild.name if guild is not None else t(locale, "feedback.server_fallback")
    return NotAllowed("feedback.not_member", server=server)


def refuse_non_member(interaction: discord.Interaction, level: Access) -> NotAllowed:
    """`/feedback give`'s refusal: it names the server rather than a role."""
    bot: PartnerBot = interaction.client  # type: ignore[assignment]
    return not_member(bot, interaction.locale)


async def access_before_form(interaction: discord.Interaction) -> Access | None:
    """The member's access, if it can be known in time. The form has to be the first response, within
    Discord's 3 seconds; in a DM, Discord is asked for the membership for at most
    :data:`FORM_CHECK_SECONDS` (a rate limit can make it wait longer). None: not known yet, so it is
    checked when the form comes back."""
    bot: PartnerBot = interaction.client  # type: ignore[assignment]
    if interaction.guild is not None:
        return bot.access(interaction.user)
    known = bot.cached_access(interaction.user.id)
    if known is not None:
        return known
    try:
        return await asyncio.wait_for(bot.fetch_access(interaction.user.id), FORM_CHECK_SECONDS)
    except (TimeoutError, *SEND_ERRORS):
        return None


def require_member(bot: PartnerBot, access: Access, locale: object) -> None:
    """For what no command check covers: a DM, and a form sent before the membership was known."""
    if access < Access.MEMBER:
        raise not_member(bot, locale)
