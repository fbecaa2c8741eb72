"""The audience check's Discord side: read the private channels' overwrites from discord.py's cache
(and the few members they name), hand plain values to :mod:`bot.services.audience`, say what it found
in the log or in ``/about``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.i18n import t
from bot.services import audience
from bot.services.audience import Exposure, Problem
from bot.ui.embeds import Colour, escape, make_embed
from bot.ui.respond import SEND_ERRORS

if TYPE_CHECKING:
    from bot.app import PartnerBot

log = logging.getLogger(__name__)


async def find_exposures(bot: PartnerBot) -> list[Exposure] | None:
    """What is wrong with the private channels' audience; None when the bot is not (yet) in its server."""
    guild = bot.home_guild()
    me = guild.me if guild is not None else None
    if guild is None or me is None:
        return None
    bot_roles = {r.id for r in me.roles if not r.is_default()}
    bot_roles |= {r.id for r in guild.roles if r.tags is not None and r.tags.bot_id == me.id}
    server = audience.Server(
        id=guild.id,
        owner_id=guild.owner_id or 0,
        roles={r.id: audience.Role(r.id, r.name, r.permissions.value) for r in guild.roles},
        insiders=frozenset({bot.settings.roles.working_group, bot.settings.roles.reviewers, *bot_roles}),
        bot_id=me.id,
        bot_role_ids=frozenset(bot_roles),
    )
    channels = [_channel(guild, key, getattr(bot.settings.channels, key)) for key in audience.PRIVATE_CHANNELS]
    members = {}
    for channel in channels:
        for overwrite in channel.overwrites:
            if overwrite.member and overwrite.allow & audience.VIEW_CHANNEL and overwrite.target_id not in members:
                members[overwrite.target_id] = await _member(guild, overwrite.target_id)
    return audience.check(server, channels, members)


def _channel(guild: discord.Guild, key: str, channel_id: int) -> audience.Channel:
    channel = guild.get_channel(channel_id)
    if channel is None or isinstance(channel, discord.CategoryChannel):
        return audience.Channel(key, channel_id, None)
    overwrites = []
    for target, overwrite in channel.overwrites.items():
        allow, deny = overwrite.pair()
        is_role = isinstance(target, discord.Role) or getattr(target, "type", None) is discord.Role
        overwrites.append(audience.Overwrite(target.id, not is_role, allow.value, deny.value))
    return audience.Channel(key, channel_id, channel.name, tuple(overwrites))


async def _member(guild: discord.Guild, member_id: int) -> audience.Member:
    """The roles of a member an overwrite names: the bot has no member list, so it asks Discord."""
    member = guild.get_member(member_id)
    if member is None:
        try:
            member = await guild.fetch_member(member_id)
        except discord.NotFound:
            return audience.Member(member_id, str(member_id), None)
        except SEND_ERRORS:
            return audience.Member(member_id, str(member_id), frozenset())
    return audience.Member(member_id, member.name, frozenset(r.id for r in member.roles))


# -- saying it ------------------------------------------------------------------------------------------
_WHY = "it carries working-group-only content"


def log_exposures(found: list[Exposure] | None) -> None:
    """One WARNING line a problem."""
    if found is None:
        log.warning("channel privacy not checked: the bot is not in the configured server")
        return
    for e in found:
        where = f"#{e.channel.name} (channels.{e.channel.key})"
        if e.problem is Problem.MISSING:
            log.warning("channels.%s (%s): no such channel, or the bot cannot see it", e.channel.key, e.channel.id)
        elif e.problem is Problem.HIDDEN_FROM_BOT:
            log.warning("%s: the bot cannot see it", where)
        elif e.problem is Problem.EVERYONE:
            log.warning("%s can be read by @everyone; %s", where, _WHY)
        elif e.problem is Problem.ROLE:
            log.warning("%s can be read by the role %r (%s); %s", where, e.who_name, e.who_id, _WHY)
        else:
            log.warning(
                "%s can be read by the member %s (%s) through an overwrite of their own; %s",
                where,
                e.who_name,
                e.who_id,
                _WHY,
            )


def exposures_embed(locale: object, found: list[Exposure]) -> discord.Embed:
    """The ``/about`` section the working group sees when something is wrong."""
    lines = []
    for e in found:
        params = {"channel": escape(e.channel.name or ""), "setting": f"channels.{e.channel.key}"}
        if e.problem is Problem.MISSING:
            lines.append(t(locale, "about.audience.missing", setting=params["setting"]))
        elif e.problem in (Problem.ROLE, Problem.MEMBER):
            lines.append(t(locale, f"about.audience.{e.problem.value}", who=escape(e.who_name), **params))
        else:
            lines.append(t(locale, f"about.audience.{e.problem.value}", **params))
    body = "\n".join(f"• {line}" for line in lines)
    return make_embed(
        t(locale, "about.audience.title"),
        f"{body}\n\n{t(locale, 'about.audience.why')}",
        colour=Colour.WARNING,
    )
