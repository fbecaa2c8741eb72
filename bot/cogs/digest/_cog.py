"""``/digest preview|send|next`` and the tick that delivers scheduled digests exactly once."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.clock import next_second, sleep_until
from bot.cogs.digest._views import build_parts, message_kwargs, next_text, problem_text
from bot.errors import Conflict
from bot.i18n import t
from bot.services import digest as digest_service
from bot.services import feedback, schedule
from bot.services.access import Access, require
from bot.services.digest import DigestRun, Plan
from bot.ui.posting import find_own, same_embed
from bot.ui.respond import NO_PINGS, SEND_ERRORS, respond

log = logging.getLogger(__name__)

WG = {"access": int(Access.WORKING_GROUP)}

#: Digests that release waiting feedback: only those the schedule makes (a manual /digest send would let
#: whoever sends it choose the moment of a release, and so narrow down when its items arrived).
RELEASES_FEEDBACK = frozenset({"scheduled", "catch_up"})

#: Preview messages sent privately at most (a longer digest says how many more parts it has).
PREVIEW_PARTS = 5


class DigestCog(commands.GroupCog, group_name="digest", group_description="The working group's digest"):
    def __init__(self, bot: PartnerBot) -> None:
        self.bot = bot
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
            run = await digest_service.pending_run(self.bot.db, self.bot.settings.guild_id)
            if run is None:
                run = await self._start_due()
            if run is not None:
                await self._deliver(run)

    async def _start_due(self) -> DigestRun | None:
        cfg = self.bot.settings.digest
        now = self.bot.clock()
        try:
            plan = await digest_service.plan(
                self.bot.db,
                self.bot.settings.guild_id,
                expression=cfg.schedule,
                timezone=cfg.timezone,
                catch_up=cfg.catch_up,
                now=now,
            )
        except schedule.ScheduleError as exc:
            if self._schedule_problem != str(exc):
                self._schedule_problem = str(exc)
                log.error("digest schedule unusable: %s", exc)
            return None
        if plan.skips and plan.deliver is None:
            log.info("digest: closing %s without posting", [p.kind for p in plan.skips])
        return await self._record(plan, now)

    async def _record(self, plan: Plan, now: datetime) -> DigestRun | None:
        """Render the plan's period and record it (with its parts) before anything is sent."""
        guild_id = self.bot.settings.guild_id
        locale = self.bot.guild_locale()
        try:
            if plan.deliver is None:
                return await digest_service.record(self.bot.db, guild_id, plan, locale=locale, now=now)
            if plan.deliver.kind in RELEASES_FEEDBACK:
                await feedback.release(
                    self.bot.db,
                    guild_id,
                    at=plan.deliver.end,
                    min_batch=self.bot.settings.feedback.min_batch,
                    authors=self.bot.feedback_authors,
                )
            content = await digest_service.collect(
                self.bot.db,
                guild_id,
                plan.deliver.start,
                plan.deliver.end,
                now=now,
                stale_days=self.bot.settings.leads.stale_days,
                reviewers=await self.bot.reviewer_count(),
                wiki=self.bot.settings.wiki is not None,
            )
            if content.empty and self.bot.settings.digest.skip_empty:
                return await digest_service.record(
                    self.bot.db, guild_id, plan, locale=locale, now=now, skip_delivery="skipped_empty"
                )
            rendered = digest_service.render(content, locale, kind=plan.deliver.kind, guild_id=guild_id)
            parts = build_parts(rendered, locale)
            return await digest_service.record(self.bot.db, guild_id, plan, parts=parts, locale=locale, now=now)
        except Conflict:
            log.debug("digest: another pass recorded this period first")
            return None

    async def _deliver(self, run: DigestRun) -> bool:
        """Send every unsent part in order, recording each message id as soon as Discord accepted it."""
        db, guild_id = self.bot.db, run.guild_id
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
                    await digest_service.record_part_sent(
                        db, guild_id, run.id, part.position, message_id=found, now=self.bot.clock()
                    )
                    previous = found
                    continue
            await digest_service.record_attempt(db, guild_id, run.id, part.position, now=self.bot.clock())
            part = await self._latest(run, part)
            try:
                message = await channel.send(
                    **message_kwargs(part.payload), nonce=part.nonce, allowed_mentions=NO_PINGS
                )
            except SEND_ERRORS as exc:
                await self._failed(run, exc)
                return False
            await digest_service.record_part_sent(
                db, guild_id, run.id, part.position, message_id=message.id, now=self.bot.clock()
            )
            previous = message.id
        if self._problem is not None:
            log.info("digest channel accepts posts again; run %s delivered", run.id)
            self._problem = None
        return True

    async def _latest(self, run: DigestRun, part: digest_service.DigestPart) -> digest_service.DigestPart:
        """``part`` as stored now: a feedback item retracted since the run was read is withdrawn from it
        (:func:`bot.services.digest.scrub_feedback`), and the post must not bring it back."""
        fresh = await digest_service.get_run(self.bot.db, run.guild_id, run.id)
        found = [p for p in fresh.parts if p.position == part.position] if fresh is not None else []
        return found[0] if found else part

    async def _already_sent(
        self,
        channel: discord.abc.Messageable,
        run: DigestRun,
        part: digest_service.DigestPart,
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
        await digest_service.record_failure(self.bot.db, run.guild_id, run.id, status=status, now=self.bot.clock())
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
    @app_commands.command(name="preview", description="Show privately what the next digest would say", extras=WG)
    @app_commands.guild_only()
    async def preview(self, interaction: discord.Interaction) -> None:
        require(self.bot.access(interaction.user), Access.WORKING_GROUP)
        await interaction.response.defer(ephemeral=True, thinking=True)
        cfg, guild_id, now = self.bot.settings.digest, self.bot.settings.guild_id, self.bot.clock()
        plan = await digest_service.manual_plan(
            self.bot.db, guild_id, expression=cfg.schedule, timezone=cfg.timezone, now=now
        )
        assert plan.deliver is not None
        content = await digest_service.collect(
            self.bot.db,
            guild_id,
            plan.deliver.start,
            plan.deliver.end,
            now=now,
            stale_days=self.bot.settings.leads.stale_days,
            reviewers=await self.bot.reviewer_count(),
            wiki=self.bot.settings.wiki is not None,
        )
        locale = str(interaction.locale.value)
        parts = build_parts(digest_service.render(content, locale, guild_id=guild_id), locale)
        for number, payload in enumerate(parts[:PREVIEW_PARTS], 1):
            intro = t(locale, "digest.preview_intro", number=number, total=len(parts))
            kwargs = message_kwargs(payload)
            text = f"{intro}\n{kwargs['content'] or ''}".strip()
            await respond(interaction, text, embeds=kwargs["embeds"])

    @app_commands.command(name="send", description="Post the digest now; the next one starts from here", extras=WG)
    @app_commands.guild_only()
    async def send(self, interaction: discord.Interaction) -> None:
        require(self.bot.access(interaction.user), Access.WORKING_GROUP)
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel = f"<#{self.bot.settings.channels.digest}>"
        async with self._lock:
            # Everything up to the moment of the send, same second included: the period ends at the next
            # whole second, and the digest is built once that second is over (at most a second's wait,
            # after the acknowledgement), so nothing of that second can still happen after it.
            now = next_second(self.bot.clock())
            await sleep_until(self.bot.clock, now)
            guild_id = self.bot.settings.guild_id
            run = await digest_service.pending_run(self.bot.db, guild_id)
            key = "digest.pending_delivered"
            if run is None:
                cfg = self.bot.settings.digest
                plan = await digest_service.manual_plan(
                    self.bot.db, guild_id, expression=cfg.schedule, timezone=cfg.timezone, now=now
                )
                run = await self._record(plan, now)
                key = "digest.sent"
                if run is None:
                    await respond(interaction, t(interaction.locale, "digest.sent_nothing"))
                    return
            delivered = await self._deliver(run)
            run = await digest_service.get_run(self.bot.db, guild_id, run.id) or run
        if delivered:
            await respond(interaction, t(interaction.locale, key, channel=channel, parts=len(run.parts)))
        else:
            problem = problem_text(run.last_error, interaction.locale)
            await respond(interaction, t(interaction.locale, "digest.send_failed", channel=channel, problem=problem))

    @app_commands.command(name="next", description="When the next digest is due", extras=WG)
    @app_commands.guild_only()
    async def next_(self, interaction: discord.Interaction) -> None:
        require(self.bot.access(interaction.user), Access.WORKING_GROUP)
        cfg, guild_id, now = self.bot.settings.digest, self.bot.settings.guild_id, self.bot.clock()
        try:
            start = await digest_service.period_start(
                self.bot.db, guild_id, expression=cfg.schedule, timezone=cfg.timezone, now=now
            )
            due = schedule.next_fire(cfg.schedule, cfg.timezone, max(start, now))
        except schedule.ScheduleError as exc:
            await respond(interaction, t(interaction.locale, "digest.schedule_invalid", problem=str(exc)))
            return
        pending = await digest_service.pending_run(self.bot.db, guild_id)
        text = next_text(
            due=due,
            start=start,
            timezone=cfg.timezone,
            locale=interaction.locale,
            pending=pending,
            channel_id=self.bot.settings.channels.digest,
        )
        await respond(interaction, text)
