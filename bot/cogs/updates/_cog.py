"""``/update post`` and ``/update list``; the tick posts updates (and opens threads) Discord refused."""

from __future__ import annotations

import logging

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.cogs.updates._views import UpdateModal, list_embed, thread_name, update_embed
from bot.i18n import t
from bot.services.access import Access
from bot.services.choices import choice_name, choice_value
from bot.services.updates import Update, UpdatesService
from bot.ui.permissions import requires
from bot.ui.posting import post_once, same_embed
from bot.ui.respond import NO_PINGS, SEND_ERRORS, respond

log = logging.getLogger(__name__)

#: Discord's error code when a message already has a thread (one opened before a crash).
THREAD_EXISTS = 160004


class UpdatesCog(commands.GroupCog, group_name="update", group_description="Working-group updates"):
    def __init__(self, bot: PartnerBot, updates: UpdatesService) -> None:
        self.bot = bot
        self.updates = updates
        self.loop = BackgroundLoop(self, "updates")
        super().__init__()

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()

    async def tick(self) -> None:
        """Post every update still waiting for Discord; open any discussion thread still missing."""
        for update in await self.updates.unposted():
            if not await self.publish(update):
                break  # the channel is failing; the rest wait for the next tick, in order
        if self.updates.discussion_threads:
            for update in await self.updates.missing_threads():
                await self.open_thread(update, None)

    async def publish(self, update: Update) -> bool:
        """Post ``update`` to the announcements channel (and its thread). False when Discord refused."""
        async with self.updates.posting:
            current = await self.updates.get(update.id)
            if current.posted:
                return True
            return await self._publish(current)

    async def _publish(self, update: Update) -> bool:
        key = self.updates.post_key(update.id)
        embed = update_embed(update, self.bot.guild_locale())
        try:
            channel = await self.bot.channel("announcements")
            # The nonce makes Discord drop a repeat within minutes; post_once finds one made before a
            # later restart (the embed's footer names the update).
            message = await post_once(
                self.bot,
                channel,
                key,
                lambda: channel.send(embed=embed, nonce=key, allowed_mentions=NO_PINGS),
                matches=same_embed(embed),
            )
        except SEND_ERRORS as exc:
            self._log_failure(update.id, "post", exc)
            return False
        assert message is not None
        await self.updates.mark_posted(update.id, channel_id=message.channel.id, message_id=message.id)
        if self.updates.discussion_threads:
            await self.open_thread(update, message)
        return True

    async def open_thread(self, update: Update, message: discord.Message | None) -> bool:
        """Open the discussion thread under the update's post, so people outside the group can answer."""
        if message is None:
            if update.channel_id is None or update.message_id is None:
                return False
            channel = self.bot.get_channel(update.channel_id)
            if not isinstance(channel, discord.TextChannel):
                return False
            target: discord.Message | discord.PartialMessage = channel.get_partial_message(update.message_id)
        else:
            target = message
        try:
            thread = await target.create_thread(name=thread_name(update), auto_archive_duration=10080)
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                # A thread started from a message shares the message's id.
                await self.updates.mark_thread(update.id, thread_id=target.id)
                return True
            self._log_failure(update.id, "thread", exc)
            return False
        except (TimeoutError, aiohttp.ClientError) as exc:
            self._log_failure(update.id, "thread", exc)
            return False
        await self.updates.mark_thread(update.id, thread_id=thread.id)
        try:
            await thread.send(t(self.bot.guild_locale(), "update.thread_intro"), allowed_mentions=NO_PINGS)
        except SEND_ERRORS:
            log.info("could not post the intro in the thread of update %s", update.id)
        return True

    def _log_failure(self, update_id: int, what: str, exc: BaseException) -> None:
        if not self.updates.first_failure(update_id, what):
            log.debug("update %s: %s still failing: %s", update_id, what, exc)
            return
        log.warning("update %s: %s failed (%s); retrying every minute", update_id, what, exc)

    # -- commands ---------------------------------------------------------------------------------
    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="post", description="Post a working-group update to the announcements channel")
    @app_commands.describe(area="The area the update is about")
    @app_commands.guild_only()
    async def post(self, interaction: discord.Interaction, area: str | None = None) -> None:
        chosen = self.updates.check_area(area)

        async def submit(modal_interaction: discord.Interaction, title: str, body: str, link: str) -> None:
            await self.submit(modal_interaction, area=chosen, title=title, body=body, link=link)

        await interaction.response.send_modal(UpdateModal(locale=interaction.locale, area=chosen, submit=submit))

    @post.autocomplete("area")
    async def _area(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        typed = current.casefold().strip()
        areas = self.updates.areas
        return [
            app_commands.Choice(name=choice_name(area), value=choice_value(area, areas))
            for area in areas
            if typed in area.casefold()
        ][:25]

    async def submit(
        self, interaction: discord.Interaction, *, area: str | None, title: str, body: str, link: str
    ) -> None:
        """The modal was sent (by the working group: :class:`UpdateModal` checks): store the update
        (refusing bad input), then post it."""
        update = await self.updates.create(title=title, body=body, link=link, area=area, author_id=interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel = f"<#{self.bot.settings.channels.announcements}>"
        if await self.publish(update):
            update = await self.updates.get(update.id)
            key = "update.posted_thread" if update.thread_id else "update.posted"
            await respond(interaction, t(interaction.locale, key, id=update.id, channel=channel))
        else:
            await respond(interaction, t(interaction.locale, "update.post_pending", id=update.id, channel=channel))

    @requires(Access.MEMBER)
    @app_commands.command(name="list", description="Show the latest working-group updates")
    @app_commands.describe(limit="How many updates to show (1-25)")
    @app_commands.guild_only()
    async def list_(self, interaction: discord.Interaction, limit: app_commands.Range[int, 1, 25] = 10) -> None:
        found = await self.updates.latest(limit)
        await respond(interaction, embed=list_embed(found, interaction.locale))
