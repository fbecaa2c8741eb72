"""Moving a run forward on Discord. Answers are committed first; then :meth:`ChecklistFlow.sync` makes
the thread match the database (thread, current question, summary, the lead's update, cancellation).
The same pass runs after a press and from the cog's tick, so whatever Discord refused is done later."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

import discord

from bot.app import PartnerBot
from bot.cogs.checklists._embeds import intro_embed, question_embed, recorded_embed, summary_embeds
from bot.cogs.checklists._views import TextAnswerModal, question_view
from bot.errors import PartnerBotError
from bot.i18n import t, term
from bot.services import checklists
from bot.services.checklists import ChecklistRun, Step
from bot.services.checklists.service import ChecklistService
from bot.services.leads.service import LeadsService
from bot.ui.embeds import group_embeds, truncate
from bot.ui.posting import find_own, post_once, same_embed
from bot.ui.respond import NO_PINGS, SEND_ERRORS, respond

log = logging.getLogger(__name__)

#: Discord refuses posts to an archived thread with this code.
THREAD_ARCHIVED = 50083


class ChecklistFlow:
    def __init__(self, bot: PartnerBot, checklists: ChecklistService, leads: LeadsService) -> None:
        self.bot = bot
        self.checklists = checklists
        self.leads = leads
        #: One pass per run at a time, so a press and the tick never post the same question twice.
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    # -- presses ----------------------------------------------------------------------------------
    async def press(
        self, interaction: discord.Interaction, run_id: int, question_id: str, action: str, value: Any = None
    ) -> None:
        """Record an answer, skip or step back, show it on the pressed message, then move the run on. (Who
        may: the pressed button, select or form declares it; bot/cogs/checklists/_views.py.)"""
        actor = interaction.user.id
        step: Step
        if action == "back":
            step = await self.checklists.back(run_id, question_id)
        elif action == "skip":
            step = await self.checklists.skip(run_id, question_id, actor_id=actor)
        else:
            step = await self.checklists.answer(run_id, question_id, value, actor_id=actor)
        # Committed. What follows only shows it; a Discord failure here is repaired by sync/tick. The press
        # is acknowledged first: any other call to Discord (reopening the thread) could wait out a rate
        # limit past the 3 seconds Discord gives the first response.
        await self._show(interaction, step)
        channel = interaction.channel
        if step.went_back and isinstance(channel, discord.Thread):
            await self._supersede(channel, step.run, pressed=interaction.message)
        if isinstance(channel, discord.Thread) and channel.archived:
            try:
                await channel.edit(archived=False)
            except SEND_ERRORS:
                log.warning("could not reopen the thread of checklist run %s", run_id)
        await self.sync(run_id)

    async def open_text_answer(self, interaction: discord.Interaction, run_id: int, question_id: str) -> None:
        run = await self.checklists.get(run_id)
        position, _ = checklists.current_question(run, question_id)
        await interaction.response.send_modal(TextAnswerModal(self, run, position, interaction.locale))

    async def _show(self, interaction: discord.Interaction, step: Step) -> None:
        locale = self.bot.guild_locale()
        position = step.run.questionnaire.index_of(step.question.id)
        embed = recorded_embed(
            step.run,
            position,
            locale,
            actor_id=interaction.user.id,
            answer=step.answer,
            went_back=step.went_back,
        )
        try:
            if interaction.message is not None:
                await interaction.response.edit_message(embed=embed, view=None)
            else:
                await interaction.response.defer()
        except SEND_ERRORS:
            log.warning("could not show the answer to run %s on its message", step.run.id)
            await self._tell_saved(interaction, step)

    async def _supersede(self, thread: discord.Thread, run: ChecklistRun, *, pressed: discord.Message | None) -> None:
        """After *Back*, the earlier message of the question asked again says that its answer no longer
        stands as shown (the new answer is given on the new message)."""
        if pressed is None:
            return
        locale = self.bot.guild_locale()
        title = question_embed(run, run.position, locale).title

        def earlier_copy(message: discord.Message) -> bool:
            # Older than the pressed message: the question asked again is posted after it (perhaps
            # already, by a background pass), and that copy must keep its buttons.
            return message.id < pressed.id and bool(message.embeds) and message.embeds[0].title == title

        earlier = await find_own(self.bot, thread, after=None, matches=earlier_copy)
        if earlier is None:
            return
        embed = earlier.embeds[0]
        embed.description = f"{embed.description or ''}\n\n{t(locale, 'checklist.superseded')}"
        try:
            await earlier.edit(embed=embed, view=None)
        except SEND_ERRORS as error:
            log.info("could not mark question %s of run %s as asked again (%s)", run.position + 1, run.id, error)

    async def _tell_saved(self, interaction: discord.Interaction, step: Step) -> None:
        """The pressed message could not show what was recorded: tell the member privately instead."""
        number = step.run.questionnaire.index_of(step.question.id) + 1
        text = t(interaction.locale, "checklist.saved_not_shown", number=number)
        try:
            await respond(interaction, text)
        except SEND_ERRORS:
            log.warning("could not tell the member that the answer to run %s was saved", step.run.id)

    # -- making Discord match the database --------------------------------------------------------
    async def sync(self, run_id: int) -> None:
        async with self._locks[run_id]:
            run = await self.checklists.get(run_id)
            try:
                if run.is_open:
                    if run.thread_id is None:
                        run = await self._open_thread(run)
                    if run.needs_post:
                        await self._post_question(run)
                elif run.status == "completed":
                    if run.summary_message_id is None:
                        await self._post_summary(run)
                elif not run.closed_posted:
                    await self._close(run)
            except SEND_ERRORS as error:
                log.warning("checklist run %s: Discord refused (%s); the next tick retries", run.id, error)
            # The lead's update needs no Discord, so a refused post does not hold it back.
            if run.status == "open" or (run.status == "cancelled" and run.cancelled_by is not None):
                # A run someone cancelled no longer speaks for the lead: its flags come off. One closed
                # because the lead moved on keeps what it found.
                await self._sync_flags(run)
            elif run.status == "completed":
                await self._sync_lead(run)

    async def _thread(self, run: ChecklistRun) -> discord.Thread | None:
        """The run's thread, unarchived. None (and the run detached) if the thread was deleted."""
        assert run.thread_id is not None
        try:
            channel = self.bot.get_channel(run.thread_id) or await self.bot.fetch_channel(run.thread_id)
        except discord.NotFound:
            log.warning("thread of checklist run %s is gone; a new one will be opened", run.id)
            await self.checklists.set_thread(run.id, None)
            return None
        assert isinstance(channel, discord.Thread)
        if channel.archived:
            channel = await channel.edit(archived=False)
        return channel

    async def _send(self, run: ChecklistRun, **kwargs: Any) -> discord.Message | None:
        """Send into the run's thread; reopen it and try again if Discord archived it meanwhile."""
        thread = await self._thread(run)
        if thread is None:
            return None
        try:
            return await thread.send(allowed_mentions=NO_PINGS, **kwargs)
        except discord.HTTPException as error:
            if error.code != THREAD_ARCHIVED:
                raise
            await thread.edit(archived=False)
            return await thread.send(allowed_mentions=NO_PINGS, **kwargs)

    async def _open_thread(self, run: ChecklistRun) -> ChecklistRun:
        locale = self.bot.guild_locale()
        lead = await self.leads.get(run.lead_id)
        channel = await self.bot.channel("checklists")
        assert isinstance(channel, discord.TextChannel)
        name = t(locale, "checklist.thread_name", ref=lead.ref, partner=lead.partner)
        thread = await channel.create_thread(
            name=truncate(name, 100),
            type=discord.ChannelType.public_thread,
            auto_archive_duration=10080,  # a week: assessments take days
        )
        await self.checklists.set_thread(run.id, thread.id)
        try:
            await thread.add_user(discord.Object(run.started_by))
            await thread.send(embed=intro_embed(run, lead, locale), allowed_mentions=NO_PINGS)
        except SEND_ERRORS:
            log.warning("could not welcome the starter of checklist run %s", run.id)
        return await self.checklists.get(run.id)

    async def _post_once(
        self, run: ChecklistRun, key: str, *, after: int | None, embeds: list[discord.Embed], **kwargs: Any
    ) -> discord.Message | None:
        """Post into the run's thread once, however late a restart comes between sending and recording."""
        thread = await self._thread(run)
        if thread is None:
            return None
        return await post_once(
            self.bot,
            thread,
            key,
            lambda: self._send(run, embeds=embeds, nonce=key, **kwargs),
            matches=same_embed(embeds[0]),
            after=after,
        )

    async def _post_question(self, run: ChecklistRun) -> None:
        locale = self.bot.guild_locale()
        key = f"pb-cl-{run.id}-{run.step}"
        embed = question_embed(run, run.position, locale)
        view = question_view(run, locale)
        # An earlier copy of this step comes after the previous question's message (after Back, the same
        # question was asked before it, and that copy does not count).
        message = await self._post_once(run, key, after=run.question_message_id, embeds=[embed], view=view)
        if message is not None:
            await self.checklists.question_posted(run.id, run.position, message.id, key=key)

    async def _post_summary(self, run: ChecklistRun) -> None:
        locale = self.bot.guild_locale()
        lead = await self.leads.get(run.lead_id)
        first: discord.Message | None = None
        keys: list[str] = []
        previous = run.question_message_id
        for index, embeds in enumerate(group_embeds(summary_embeds(run, lead, locale))):
            key = f"pb-cls-{run.id}-{index}"
            message = await self._post_once(run, key, after=previous, embeds=embeds)
            if message is None:
                return
            keys.append(key)
            first, previous = first or message, message.id
        if first is not None:
            await self.checklists.summary_posted(run.id, first.id, keys=keys)

    async def _sync_flags(self, run: ChecklistRun) -> None:
        """The lead carries the flags the answers raise as they stand (its card follows)."""
        events = await self.checklists.sync_flags(run, locale=self.bot.guild_locale())
        for event in events:
            self.bot.dispatch("lead_event", event)

    async def _sync_lead(self, run: ChecklistRun) -> None:
        try:
            event = await self.checklists.sync_lead(run, locale=self.bot.guild_locale())
        except PartnerBotError as error:
            log.warning("checklist run %s could not update lead %s: %s", run.id, run.lead_id, error)
            return
        if event is not None:
            self.bot.dispatch("lead_event", event)

    async def _closed_notice(self, run: ChecklistRun, locale: str) -> str:
        if run.cancelled_by is not None:
            return t(locale, "checklist.cancelled_notice", user=f"<@{run.cancelled_by}>")
        # No one cancelled it: the lead was closed (see ChecklistsCog.on_lead_event).
        lead = await self.leads.get(run.lead_id)
        return t(locale, "checklist.closed_with_lead", ref=lead.ref, status=term(locale, "status", lead.status))

    async def _close(self, run: ChecklistRun) -> None:
        """Tell a cancelled run's thread, take the buttons off its question, archive it."""
        locale = self.bot.guild_locale()
        if run.thread_id is not None:
            thread = await self._thread(run)
            if thread is not None:
                if run.question_message_id is not None:
                    try:
                        await thread.get_partial_message(run.question_message_id).edit(view=None)
                    except SEND_ERRORS:
                        log.info("question message of cancelled run %s could not be edited", run.id)
                await thread.send(await self._closed_notice(run, locale), allowed_mentions=NO_PINGS)
                await thread.edit(archived=True)
        await self.checklists.closed_posted(run.id)
