"""``/digest preview|send|next`` and the tick that delivers scheduled digests exactly once."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.cogs.digest._views import build_parts, message_kwargs, next_text, problem_text
from bot.i18n import t
from bot.services import schedule
from bot.services.access import Access
from bot.services.digest import DigestPart, DigestRun
from bot.services.digest.service import DigestService
from bot.ui.permissions import requires
from bot.ui.posting import find_own, same_embed
from bot.ui.respond import NO_PINGS, SEND_ERRORS, respond

log = logging.getLogger(__name__)

#: Preview messages sent privately at most (a longer digest says how many more parts it has).
PREVIEW_PARTS = 5


class DigestCog(commands.GroupCog, group_name="digest", group_description="The working group's digest"):
    def __init__(self, bot: PartnerBot, digest: DigestService) -> None:
        self.bot = bot
        self.digest = digest
        #: One delivery at a time: the tick and `/digest send` never send the same part twice.
        self._lock = asyncio.Lock()
        #: The failure last logged (HTTP status, 0 for a timeout), so a failing channel is logged once.
        self._problem: int | None = None
        self._schedule_problem: str | None = None
        self.loop = BackgroundLoop(self, "digest")
        super().__init__()

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()

    # -- the state machine's driver -----------------------------------------------------------------
    async def tick(self) -> None:
        """Finish the run in flight, or start the one the schedule owes; then deliver it."""
        if not self.bot.is_ready():
            return  # catch-up waits until the bot can see its channels
        async with self._lock:
            run = await self.digest.pending_run()
            if run is None:
                run = await self._start_due()
            if run is not None:
                await self._deliver(run)

    async def _start_due(self) -> DigestRun | None:
        try:
            return await self.digest.start_due(
                locale=self.bot.guild_locale(), reviewers=self.bot.reviewer_count, parts=build_parts
            )
        except schedule.ScheduleError as exc:
            if self._schedule_problem != str(exc):
                self._schedule_problem = str(exc)
                log.error("digest schedule unusable: %s", exc)
            return None

    async def _deliver(self, run: DigestRun) -> bool:
        """Send every unsent part in order, recording each message id as soon as Discord accepted it."""
        try:
            channel = await self.bot.channel("digest")
        except SEND_ERRORS as exc:
            await self._failed(run, exc)
            return False
        previous = max(run.message_ids, default=None)
        for part in run.unsent:
            if part.attempted_at is not None:
                found = await self._already_sent(channel, run, part, previous)
                if found is not None:
                    log.info("digest run %s part %s was accepted before a restart", run.id, part.position)
                    await self.digest.record_part_sent(run.id, part.position, message_id=found)
                    previous = found
                    continue
            await self.digest.record_attempt(run.id, part.position)
            part = await self._latest(run, part)
            try:
                message = await channel.send(
                    **message_kwargs(part.payload), nonce=part.nonce, allowed_mentions=NO_PINGS
                )
            except SEND_ERRORS as exc:
                await self._failed(run, exc)
                return False
            await self.digest.record_part_sent(run.id, part.position, message_id=message.id)
            previous = message.id
        if self._problem is not None:
            log.info("digest channel accepts posts again; run %s delivered", run.id)
            self._problem = None
        return True

    async def _latest(self, run: DigestRun, part: DigestPart) -> DigestPart:
        """``part`` as stored now: a feedback item retracted since the run was read is withdrawn from it
        (:func:`bot.services.digest.scrub_feedback`), and the post must not bring it back."""
        fresh = await self.digest.get_run(run.id)
        found = [p for p in fresh.parts if p.position == part.position] if fresh is not None else []
        return found[0] if found else part

    async def _already_sent(
        self,
        channel: discord.abc.Messageable,
        run: DigestRun,
        part: DigestPart,
        previous: int | None,
    ) -> int | None:
        """The id of the bot's message carrying ``part`` if an earlier attempt reached Discord.

        Covers a crash (or a timeout) after Discord accepted the message but before its id was recorded,
        beyond the few minutes in which Discord itself drops a repeated nonce. Looks after the previous part
        when there is one; otherwise among the channel's latest messages.
        """
        embeds = part.payload.get("embeds") or []
        first = discord.Embed.from_dict(embeds[0]) if embeds else None

        def matches(message: discord.Message) -> bool:
            if part.content:
                return message.content == part.content
            return first is not None and same_embed(first)(message)

        found = await find_own(self.bot, channel, after=previous, matches=matches)
        return found.id if found is not None else None

    async def _failed(self, run: DigestRun, exc: BaseException) -> None:
        status = exc.status if isinstance(exc, discord.HTTPException) else 0
        await self.digest.record_failure(run.id, status=status)
        if self._problem != status:
            self._problem = status
            log.warning(
                "digest run %s: cannot post in the digest channel (%s: %s); retrying every minute",
                run.id,
                problem_text(status, "en"),
                exc,
            )
        else:
            log.debug("digest run %s still failing (%s)", run.id, status)

    # -- commands ---------------------------------------------------------------------------------
    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="preview", description="Show privately what the next digest would say")
    @app_commands.guild_only()
    async def preview(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        content = await self.digest.preview(reviewers=self.bot.reviewer_count)
        locale = str(interaction.locale.value)
        parts = build_parts(self.digest.render(content, locale), locale)
        for number, payload in enumerate(parts[:PREVIEW_PARTS], 1):
            intro = t(locale, "digest.preview_intro", number=number, total=len(parts))
            kwargs = message_kwargs(payload)
            text = f"{intro}\n{kwargs['content'] or ''}".strip()
            await respond(interaction, text, embeds=kwargs["embeds"])

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="send", description="Post the digest now; the next one starts from here")
    @app_commands.guild_only()
    async def send(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel = f"<#{self.bot.settings.channels.digest}>"
        async with self._lock:
            run, pending = await self.digest.run_to_send(
                locale=self.bot.guild_locale(), reviewers=self.bot.reviewer_count, parts=build_parts
            )
            if run is None:
                await respond(interaction, t(interaction.locale, "digest.sent_nothing"))
                return
            delivered = await self._deliver(run)
            run = await self.digest.get_run(run.id) or run
        key = "digest.pending_delivered" if pending else "digest.sent"
        if delivered:
            await respond(interaction, t(interaction.locale, key, channel=channel, parts=len(run.parts)))
        else:
            problem = problem_text(run.last_error, interaction.locale)
            await respond(interaction, t(interaction.locale, "digest.send_failed", channel=channel, problem=problem))

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="next", description="When the next digest is due")
    @app_commands.guild_only()
    async def next_(self, interaction: discord.Interaction) -> None:
        try:
            start, due = await self.digest.next_digest()
        except schedule.ScheduleError as exc:
            await respond(interaction, t(interaction.locale, "digest.schedule_invalid", problem=str(exc)))
            return
        pending = await self.digest.pending_run()
        text = next_text(
            due=due,
            start=start,
            timezone=self.digest.settings.timezone,
            locale=interaction.locale,
            pending=pending,
            channel_id=self.bot.settings.channels.digest,
        )
        await respond(interaction, text)
