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
from bot.services.checklists.service import ChecklistService
from bot.services.leads import Lead
from bot.services.leads.service import LeadsService, ReviewService
from bot.ui.respond import NO_PINGS, SEND_ERRORS, failure

if TYPE_CHECKING:
    from bot.app import PartnerBot

log = logging.getLogger(__name__)

#: A lead's version when it has just been logged (migration 0002: bumped by every change).
FIRST_VERSION = 1


class Cards:
    def __init__(
        self, bot: PartnerBot, leads: LeadsService, review: ReviewService, checklists: ChecklistService
    ) -> None:
        self.bot = bot
        self._leads = leads
        self._review = review
        self._checklists = checklists
        # One card write at a time per lead, so a listener and the tick never post the same card twice.
        self._locks: defaultdict[tuple[str, int], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def _channel(self) -> discord.abc.Messageable | None:
        try:
            return await self.bot.channel("leads")
        except SEND_ERRORS as error:
            log.warning("leads channel unavailable (%s); cards wait for the next tick", failure(error))
            return None

    async def lead(self, lead_id: int, *, new: Lead | None = None) -> None:
        """Post or refresh the lead's card if it is due. ``new``: the lead just logged, as it was written;
        its card is drawn from it while nothing has changed it since (version 1), without loading it."""
        async with self._locks[("lead", lead_id)]:
            job = await self._leads.card_job(lead_id)
            if job is None:
                return
            channel = await self._channel()
            if channel is None:
                return
            fresh = new is not None and new.id == lead_id and job.version == FIRST_VERSION
            lead = new if fresh and new is not None else await self._leads.get(lead_id)
            embed = lead_card(lead, self.bot.guild_locale())
            try:
                if job.message_id is not None and isinstance(channel, discord.TextChannel | discord.Thread):
                    message = await channel.get_partial_message(job.message_id).edit(embed=embed)
                else:
                    message = await channel.send(embed=embed, allowed_mentions=NO_PINGS)
            except discord.NotFound:
                if job.message_id is not None:
                    await self._leads.card_lost(lead_id)
                return
            except SEND_ERRORS as error:
                log.warning("card for L-%s not sent (%s); retrying on the next tick", lead_id, failure(error))
                return
            await self._leads.card_done(
                lead_id, version=job.version, channel_id=message.channel.id,
                message_id=message.id,
            )  # fmt: skip

    async def review(self, lead_id: int) -> None:
        """Post or refresh the lead's review card if it is due."""
        async with self._locks[("review", lead_id)]:
            job = await self._review.card_job(lead_id)
            if job is None:
                return
            state = await self._review.state(lead_id)
            channel = await self._channel()
            if state is None or channel is None:
                return
            locale = self.bot.guild_locale()
            readiness = await self._checklists.review_readiness(lead_id)
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
                    await self._review.card_lost(job.review_id)
                return
            except SEND_ERRORS as error:
                log.warning("review card for L-%s not sent (%s); retrying on the next tick", lead_id, failure(error))
                return
            await self._review.card_done(
                job.review_id, version=job.version, channel_id=message.channel.id,
                message_id=message.id,
            )  # fmt: skip

    async def catch_up(self) -> None:
        """Every card still due (the tick's job)."""
        for job in await self._leads.pending_cards():
            await self.lead(job.lead_id)
        for review in await self._review.pending_cards():
            await self.review(review.lead_id)
