"""``/feedback give | retract | privacy | review``, the DM flow's Send / Cancel / topic, and the tick that
releases batches, forgets expired drafts and deletes items past retention.

Anonymity rules this file keeps: no member id, name, channel id, message id or exact time reaches the
database or a log line. The only per-member state is in memory and keyed by HMAC (``self.limit.key``).
"""

from __future__ import annotations

import asyncio
import functools
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.cogs.feedback import _logging
from bot.cogs.feedback._dm import handle_dm
from bot.cogs.feedback._views import (
    PERSISTENT_ITEMS,
    GiveModal,
    ReviewPager,
    preview_view,
    privacy_embed,
    review_pages,
    sent_message,
)
from bot.errors import NotAllowed, NotFound, PartnerBotError
from bot.i18n import t, tn
from bot.services import feedback
from bot.services.access import Access, require
from bot.services.ratelimit import DailyLimit
from bot.ui.respond import SEND_ERRORS, failure, respond

log = logging.getLogger(__name__)

TOPIC_CHOICES = [
    app_commands.Choice(name="General", value="general"),
    app_commands.Choice(name="The working group's process", value="process"),
    app_commands.Choice(name="A partnership", value="partnership"),
    app_commands.Choice(name="Other", value="other"),
]
ANYONE = {"access": int(Access.NONE)}
#: How long `/feedback give` in a DM waits for Discord to say whether the member belongs to the server
#: before it opens the form anyway (and checks when the form comes back).
FORM_CHECK_SECONDS = 1.5
#: Wrong retraction codes a member may try a day. A code is 80 random bits, so this is not about guessing:
#: each try reads every item's salted hash, and an unthrottled stream of them would keep the store busy.
WRONG_CODES_PER_DAY = 20


@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
class FeedbackCog(
    commands.GroupCog,
    name="feedback",
    group_name="feedback",
    group_description="Anonymous feedback to the working group",
):
    def __init__(self, bot: PartnerBot) -> None:
        self.bot = bot
        self.settings = bot.settings.feedback
        #: Submissions per member per day, in memory under HMAC with a secret drawn now, never written.
        self.limit = DailyLimit(self.settings.per_day)
        #: Wrong retraction codes per member per day, the same way (see :meth:`retract_reply`).
        self.wrong_codes = DailyLimit(WRONG_CODES_PER_DAY)
        self.drafts = feedback.Drafts()
        #: Keyed hashes of members whose DM the bot could not answer (DMs closed): told in the server.
        self.dm_failed: set[bytes] = set()
        self._wal_dirty = False
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
        now = self.bot.clock()
        guild_id = self.bot.settings.guild_id
        self.drafts.prune(now)
        purged = await feedback.purge_expired(
            self.bot.db, guild_id, now=now, retention_days=self.settings.retention_days
        )
        if self._wal_dirty or not purged.wiped:
            self._wal_dirty = not await feedback.checkpoint(self.bot.db)

    # -- shared steps -------------------------------------------------------------------------------
    async def access_of(self, interaction: discord.Interaction) -> Access:
        """The member's access. In a DM Discord has to be asked, so the interaction is acknowledged first
        (privately): that call can wait out a rate limit past the 3 seconds for a first response."""
        if interaction.guild is not None:
            return self.bot.access(interaction.user)
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True)
        return await self.bot.fetch_access(interaction.user.id)

    async def _access_before_form(self, interaction: discord.Interaction) -> Access | None:
        """The member's access, if it can be known in time. The form has to be the first response, within
        Discord's 3 seconds; in a DM, Discord is asked for the membership for at most
        :data:`FORM_CHECK_SECONDS` (a rate limit can make it wait longer). None: not known yet, so it is
        checked when the form comes back."""
        if interaction.guild is not None:
            return self.bot.access(interaction.user)
        known = self.bot.cached_access(interaction.user.id)
        if known is not None:
            return known
        try:
            return await asyncio.wait_for(self.bot.fetch_access(interaction.user.id), FORM_CHECK_SECONDS)
        except (TimeoutError, *SEND_ERRORS):
            return None

    def require_member(self, access: Access, locale: object) -> None:
        if access < Access.MEMBER:
            guild = self.bot.get_guild(self.bot.settings.guild_id)
            server = guild.name if guild is not None else t(locale, "feedback.server_fallback")
            raise NotAllowed("feedback.not_member", server=server)

    async def store(self, member_id: int, topic: str, text: str) -> feedback.Submitted:
        """Count the submission against the member's daily limit, then store it (never their id)."""
        now = self.bot.clock()
        self.limit.take(member_id, now=now)
        try:
            submitted = await feedback.submit(
                self.bot.db, self.bot.settings.guild_id, topic, text, now=now, max_length=self.settings.max_length
            )
        except BaseException:
            self.limit.give_back(member_id, now=now)
            raise
        # An item stored a moment before this line counts as no member if a release reads it meanwhile.
        self.bot.feedback_authors.note(submitted.item_id, self.limit.key(member_id))
        return submitted

    async def retract_reply(self, code: str, locale: object, member_id: int) -> str:
        """The answer to a retraction code. Wrong codes are counted per member, in memory under the keyed
        hash: :data:`WRONG_CODES_PER_DAY` a day, then refused until the next UTC day."""
        now = self.bot.clock()
        if self.wrong_codes.remaining(member_id, now=now) <= 0:
            return t(locale, "feedback.retract_throttled")
        # Counted before the wait (with nothing in between), so tries made at once cannot all slip under
        # the limit; given back unless the code turned out wrong.
        self.wrong_codes.take(member_id, now=now)
        try:
            result = await feedback.retract(
                self.bot.db,
                self.bot.settings.guild_id,
                code,
                now=now,
                retention_days=self.settings.retention_days,
            )
        except PartnerBotError as error:
            if not isinstance(error, NotFound):
                self.wrong_codes.give_back(member_id, now=now)
            return t(locale, error.key, **error.params)
        except BaseException:
            self.wrong_codes.give_back(member_id, now=now)
            raise
        self.wrong_codes.give_back(member_id, now=now)
        self.bot.feedback_authors.forget(result.item_id)
        self._wal_dirty = self._wal_dirty or not result.wiped
        return t(locale, "feedback.retracted.released" if result.was_released else "feedback.retracted")

    def notice(self, interaction: discord.Interaction) -> str | None:
        """In the server, once: "I could not answer your DM" for a member whose DMs were closed."""
        if interaction.guild is None or not self.dm_failed:
            return None
        key = self.limit.key(interaction.user.id)
        if key not in self.dm_failed:
            return None
        self.dm_failed.discard(key)
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
            await handle_dm(self, message)
        except SEND_ERRORS as error:
            log.warning("could not handle a feedback DM (%s)", failure(error))
        except Exception:
            log.exception("unexpected error while handling a feedback DM")

    async def choose_topic(self, interaction: discord.Interaction, token: str, topic: str) -> None:
        owner = self.limit.key(interaction.user.id)
        try:
            draft = self.drafts.set_topic(token, owner, topic, now=self.bot.clock())
        except NotFound as error:
            await self._close_preview(interaction, t(interaction.locale, error.key))
            return
        await interaction.response.edit_message(view=preview_view(token, draft.topic, interaction.locale))

    async def cancel_draft(self, interaction: discord.Interaction, token: str) -> None:
        owner = self.limit.key(interaction.user.id)
        try:
            self.drafts.pop(token, owner, now=self.bot.clock())
        except NotFound as error:
            await self._close_preview(interaction, t(interaction.locale, error.key))
            return
        await self._close_preview(interaction, t(interaction.locale, "feedback.cancelled"))

    async def send_draft(self, interaction: discord.Interaction, token: str) -> None:
        locale = interaction.locale
        owner = self.limit.key(interaction.user.id)
        try:
            # Membership was checked when the DM arrived; a draft lives 15 minutes at most.
            draft = self.drafts.pop(token, owner, now=self.bot.clock())
            result = await self._store_draft(token, draft, interaction.user.id)
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

    async def _store_draft(self, token: str, draft: feedback.Draft, member_id: int) -> feedback.Submitted:
        try:
            return await self.store(member_id, draft.topic, draft.text.text)
        except PartnerBotError:
            raise
        except Exception:
            self.drafts.restore(token, draft)  # nothing was stored: the member may press Send again
            raise

    async def _close_preview(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.edit_message(content=text, embed=None, view=None)

    # -- slash commands -----------------------------------------------------------------------------
    @app_commands.command(name="give", description="Send anonymous feedback through a private form")
    @app_commands.describe(topic="What the feedback is about")
    @app_commands.choices(topic=TOPIC_CHOICES)
    async def give(self, interaction: discord.Interaction, topic: app_commands.Choice[str]) -> None:
        known = await self._access_before_form(interaction)
        if known is not None:
            self.require_member(known, interaction.locale)
        self.limit.check(interaction.user.id, now=self.bot.clock())
        done = functools.partial(self._given, topic.value)
        await interaction.response.send_modal(GiveModal(interaction.locale, self.settings.max_length, done))

    async def _given(self, topic: str, interaction: discord.Interaction, text: str) -> None:
        self.require_member(await self.access_of(interaction), interaction.locale)
        result = await self.store(interaction.user.id, topic, text)
        content, embed = sent_message(interaction.locale, result, self.settings, show_text=True)
        await respond(interaction, self._with_notice(interaction, content), embed=embed)

    @app_commands.command(
        name="retract", description="Withdraw feedback you sent, using its retraction code", extras=ANYONE
    )
    @app_commands.describe(code="The retraction code you were given, like 7K3M-Q9TX-2BHD-W4RE")
    async def retract(self, interaction: discord.Interaction, code: str) -> None:
        reply = await self.retract_reply(code, interaction.locale, interaction.user.id)
        await respond(interaction, self._with_notice(interaction, reply))

    @app_commands.command(name="privacy", description="What is and is not kept about anonymous feedback", extras=ANYONE)
    async def privacy(self, interaction: discord.Interaction) -> None:
        embed = privacy_embed(interaction.locale, self.settings)
        await respond(interaction, self._with_notice(interaction, None), embed=embed)

    @app_commands.command(
        name="review",
        description="Released anonymous feedback, newest batch first (working group)",
        extras={"access": int(Access.WORKING_GROUP)},
    )
    async def review(self, interaction: discord.Interaction) -> None:
        require(await self.access_of(interaction), Access.WORKING_GROUP)
        locale = interaction.locale
        guild_id = self.bot.settings.guild_id
        batches = await feedback.released_batches(self.bot.db, guild_id)
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
