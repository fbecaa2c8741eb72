"""Cards in the leads channel: a lead's card and its review card, posted after the database commit and
edited when the lead changes. The database says which cards are due (see migration 0002), so a card
Discord refused is posted by the next tick instead of being lost."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

import discord

from bot.cogs.leads._embeds import lead_card, review_embed
from bot.cogs.leads._views import review_view
from bot.services import checklists, leads
from bot.ui.respond import NO_PINGS, SEND_ERRORS, failure

if TYPE_CHECKING:
    from bot.app import PartnerBot

log = logging.getLogger(__name__)


class Cards:
    def __init__(self, bot: PartnerBot) -> None:
        self.bot = bot
        # One card write at a time per lead, so a listener and the tick never post the same card twice.
        self._locks: defaultdict[tuple[str, int], asyncio.Lock] = defaultdict(asyncio.Lock)

    @property
    def guild_id(self) -> int:
        return self.bot.settings.guild_id

    async def _channel(self) -> discord.abc.Messageable | None:
        try:
            return await self.bot.channel("leads")
        except SEND_ERRORS as error:
            log.warning("leads channel unavailable (%s); cards wait for the next tick", failure(error))
            return None

    async def lead(self, lead_id: int) -> None:
        """Post or refresh the lead's card if it is due."""
        async with self._locks[("lead", lead_id)]:
            job = await leads.card_job(self.bot.db, self.guild_id, lead_id)
            if job is None:
                return
            channel = await self._channel()
            if channel is None:
                return
            lead = await leads.get_lead(self.bot.db, self.guild_id, lead_id)
            embed = lead_card(lead, self.bot.guild_locale())
            try:
                if job.message_id is not None and isinstance(channel, discord.TextChannel | discord.Thread):
                    message = await channel.get_partial_message(job.message_id).edit(embed=embed)
                else:
                    message = await channel.send(embed=embed, allowed_mentions=NO_PINGS)
            except discord.NotFound:
                if job.message_id is not None:
                    await leads.card_lost(self.bot.db, self.guild_id, lead_id)
                return
            except SEND_ERRORS as error:
                log.warning("card for L-%s not sent (%s); retrying on the next tick", lead_id, failure(error))
                return
            await leads.card_done(
                self.bot.db, self.guild_id, lead_id, version=job.version, channel_id=message.channel.id,
                message_id=message.id,
            )  # fmt: skip

    async def review(self, lead_id: int) -> None:
        """Post or refresh the lead's review card if it is due."""
        async with self._locks[("review", lead_id)]:
            job = await leads.review_card_job(self.bot.db, self.guild_id, lead_id)
            if job is None:
                return
            state = await leads.review_state(self.bot.db, self.guild_id, lead_id)
            channel = await self._channel()
            if state is None or channel is None:
                return
            locale = self.bot.guild_locale()
            readiness = await checklists.review_readiness(self.bot.db, self.guild_id, lead_id)
            reviewers = await self.bot.reviewer_count()
            embed = review_embed(state, locale, reviewers=reviewers, checklist=readiness.latest_run)
            view = review_view(state, locale)
            try:
                if job.message_id is not None and isinstance(channel, discord.TextChannel | discord.Thread):
                    message = await channel.get_partial_message(job.message_id).edit(embed=embed, view=view)
                else:
                    message = await channel.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
            except discord.NotFound:
                if job.message_id is not None:
                    await leads.review_card_lost(self.bot.db, self.guild_id, job.review_id)
                return
            except SEND_ERRORS as error:
                log.warning("review card for L-%s not sent (%s); retrying on the next tick", lead_id, failure(error))
                return
            await leads.review_card_done(
                self.bot.db, self.guild_id, job.review_id, version=job.version, channel_id=message.channel.id,
                message_id=message.id,
            )  # fmt: skip

    async def catch_up(self) -> None:
        """Every card still due (the tick's job)."""
        for job in await leads.pending_cards(self.bot.db, self.guild_id):
            await self.lead(job.lead_id)
        for review in await leads.pending_review_cards(self.bot.db, self.guild_id):
            await self.review(review.lead_id)
