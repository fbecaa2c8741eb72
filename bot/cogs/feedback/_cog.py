"""``/feedback give | retract | privacy | review``, the DM flow's Send / Cancel / topic, and the tick that
releases batches, forgets expired drafts and deletes items past retention.

Anonymity rules this file keeps: no member id, name, channel id, message id or exact time reaches the
database or a log line. The only per-member state is the feedback service's, in memory and keyed by HMAC.
"""

from __future__ import annotations

import functools
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.cogs.feedback import _logging
from bot.cogs.feedback._dm import handle_dm, retract_reply
from bot.cogs.feedback._members import access_before_form, refuse_non_member, require_member
from bot.cogs.feedback._views import (
    PERSISTENT_ITEMS,
    GiveModal,
    ReviewPager,
    preview_view,
    privacy_embed,
    review_pages,
    sent_message,
)
from bot.errors import NotFound, PartnerBotError
from bot.i18n import t, tn
from bot.services.access import Access
from bot.services.feedback.service import FeedbackService
from bot.services.feedback_drafts import TOPICS
from bot.ui.permissions import asked_in_dms, requires
from bot.ui.respond import SEND_ERRORS, failure, respond

log = logging.getLogger(__name__)

#: How each topic (the service's ``TOPICS``, in its order) is offered; the catalogs translate the names.
TOPIC_NAMES = dict(zip(TOPICS, ("General", "The working group's process", "A partnership", "Other"), strict=True))
TOPIC_CHOICES = [app_commands.Choice(name=TOPIC_NAMES[topic], value=topic) for topic in TOPICS]


@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
class FeedbackCog(
    commands.GroupCog,
    name="feedback",
    group_name="feedback",
    group_description="Anonymous feedback to the working group",
):
    def __init__(self, bot: PartnerBot, feedback: FeedbackService) -> None:
        self.bot = bot
        self.feedback = feedback
        self.settings = feedback.settings
        self.loop = BackgroundLoop(self, "feedback")
        super().__init__()

    async def cog_load(self) -> None:
        _logging.install()
        self.bot.register_persistent(*PERSISTENT_ITEMS)
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()
        _logging.uninstall()

    async def tick(self) -> None:
        """Forget expired drafts, delete items past retention, finish a wipe. (Batches are released by the
        scheduled digest: bot/cogs/digest.)"""
        await self.feedback.tidy()

    # -- shared steps -------------------------------------------------------------------------------
    def notice(self, interaction: discord.Interaction) -> str | None:
        """In the server, once: "I could not answer your DM" for a member whose DMs were closed."""
        if interaction.guild is None or not self.feedback.take_dm_closed(interaction.user.id):
            return None
        return t(interaction.locale, "feedback.dm_closed")

    def _with_notice(self, interaction: discord.Interaction, text: str | None) -> str | None:
        notice = self.notice(interaction)
        return "\n\n".join(p for p in (notice, text) if p) or None

    # -- the DM flow --------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None or message.author.bot or not isinstance(message.channel, discord.DMChannel):
            return
        try:
            await handle_dm(message, self.feedback, self.bot)
        except SEND_ERRORS as error:
            log.warning("could not handle a feedback DM (%s)", failure(error))
        except Exception:
            log.exception("unexpected error while handling a feedback DM")

    async def choose_topic(self, interaction: discord.Interaction, token: str, topic: str) -> None:
        try:
            draft = self.feedback.choose_topic(token, interaction.user.id, topic)
        except NotFound as error:
            await self._close_preview(interaction, t(interaction.locale, error.key))
            return
        await interaction.response.edit_message(view=preview_view(token, draft.topic, interaction.locale))

    async def cancel_draft(self, interaction: discord.Interaction, token: str) -> None:
        try:
            self.feedback.drop_draft(token, interaction.user.id)
        except NotFound as error:
            await self._close_preview(interaction, t(interaction.locale, error.key))
            return
        await self._close_preview(interaction, t(interaction.locale, "feedback.cancelled"))

    async def send_draft(self, interaction: discord.Interaction, token: str) -> None:
        locale = interaction.locale
        try:
            result = await self.feedback.send_draft(token, interaction.user.id)
        except PartnerBotError as error:
            await self._close_preview(interaction, t(locale, error.key, **error.params))
            return
        content, embed = sent_message(locale, result, self.settings, show_text=False)
        try:
            await interaction.response.edit_message(content=content, embed=embed, view=None)
        except SEND_ERRORS as error:
            # Stored: the code must reach the member some other way, or it could never be retracted.
            log.warning("could not show a stored item's code on its preview (%s)", type(error).__name__)
            await self._show_code_instead(interaction, content, embed)

    async def _show_code_instead(self, interaction: discord.Interaction, content: str, embed: discord.Embed) -> None:
        """A private answer carrying the retraction code; a new DM if even that is refused."""
        try:
            await respond(interaction, content, embed=embed)
            return
        except SEND_ERRORS as error:
            log.warning("could not answer with a stored item's code (%s); trying a DM", type(error).__name__)
        try:
            await interaction.user.send(content, embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except SEND_ERRORS as error:
            log.warning("could not send a stored item's code at all (%s)", type(error).__name__)

    async def _close_preview(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.edit_message(content=text, embed=None, view=None)

    # -- slash commands -----------------------------------------------------------------------------
    # Members; when the membership cannot be known before the form must open, it is checked in _given.
    @requires(Access.MEMBER, lookup=access_before_form, refusal=refuse_non_member)
    @app_commands.command(name="give", description="Send anonymous feedback through a private form")
    @app_commands.describe(topic="What the feedback is about")
    @app_commands.choices(topic=TOPIC_CHOICES)
    async def give(self, interaction: discord.Interaction, topic: app_commands.Choice[str]) -> None:
        self.feedback.check_limit(interaction.user.id)
        done = functools.partial(self._given, topic.value)
        await interaction.response.send_modal(GiveModal(interaction.locale, self.settings.max_length, done))

    async def _given(self, topic: str, interaction: discord.Interaction, text: str) -> None:
        require_member(self.bot, await asked_in_dms(interaction), interaction.locale)
        result = await self.feedback.submit(interaction.user.id, topic, text)
        content, embed = sent_message(interaction.locale, result, self.settings, show_text=True)
        await respond(interaction, self._with_notice(interaction, content), embed=embed)

    @requires(Access.NONE)
    @app_commands.command(name="retract", description="Withdraw feedback you sent, using its retraction code")
    @app_commands.describe(code="The retraction code you were given, like 7K3M-Q9TX-2BHD-W4RE")
    async def retract(self, interaction: discord.Interaction, code: str) -> None:
        reply = await retract_reply(self.feedback, code, interaction.locale, interaction.user.id)
        await respond(interaction, self._with_notice(interaction, reply))

    @requires(Access.NONE)
    @app_commands.command(name="privacy", description="What is and is not kept about anonymous feedback")
    async def privacy(self, interaction: discord.Interaction) -> None:
        embed = privacy_embed(interaction.locale, self.settings)
        await respond(interaction, self._with_notice(interaction, None), embed=embed)

    @requires(Access.WORKING_GROUP, lookup=asked_in_dms)
    @app_commands.command(name="review", description="Released anonymous feedback, newest batch first (working group)")
    async def review(self, interaction: discord.Interaction) -> None:
        locale = interaction.locale
        batches = await self.feedback.released_batches()
        # Never how many items wait: watching that count move is how one member's item would be singled out.
        counts = {"min_batch": self.settings.min_batch}
        if not batches:
            empty = tn(locale, "feedback.review.empty", self.settings.min_batch, **counts)
            await respond(interaction, self._with_notice(interaction, empty))
            return
        pages = review_pages(locale, batches)
        header = (
            self._with_notice(interaction, tn(locale, "feedback.review.header", self.settings.min_batch, **counts))
            or ""
        )
        if len(pages) == 1:
            await respond(interaction, header, embeds=pages[0])
            return
        pager = ReviewPager(interaction.user.id, locale, header, pages)
        await respond(interaction, pager.content(), embeds=pages[0], view=pager)
