"""The digest of one guild as one object: :class:`DigestService`, built once by the composition root
(:mod:`bot.compose`) with the database, the clock, the guild, its digest settings and the services it
reads (leads, feedback, checklists, updates) bound in.

A digest pass reads the clock once: the period it plans and the time its run is recorded come from
that one reading (the leads service judges *needs attention* by its own). What only Discord knows comes
from the cog: the locale of posts, how many members hold the reviewers role, and how a rendered digest
is cut into messages (``parts``); the service stays free of discord.

The steps (``periods``, ``content``, ``render``, ``runs``) are looked up on :mod:`bot.services.digest`
when called, so whatever wraps one there (a test injecting a fault, a benchmark) sees the service's calls.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from bot.clock import Clock, next_second, sleep_until
from bot.config import DigestSettings
from bot.db import Database
from bot.errors import Conflict
from bot.services import digest as steps
from bot.services import schedule
from bot.services.base import GuildService
from bot.services.checklists.service import ChecklistService
from bot.services.digest.content import DigestContent, assemble
from bot.services.digest.periods import Period, Plan
from bot.services.digest.render import RenderedDigest
from bot.services.digest.runs import DigestRun
from bot.services.feedback.service import FeedbackService
from bot.services.leads.service import LeadsService
from bot.services.updates.service import UpdatesService

log = logging.getLogger(__name__)

#: Digests that release waiting feedback: only those the schedule makes (a manual /digest send would let
#: whoever sends it choose the moment of a release, and so narrow down when its items arrived).
RELEASES_FEEDBACK = frozenset({"scheduled", "catch_up"})

#: The messages of a rendered digest in a locale, as JSON-ready payloads (cut by the cog, which knows
#: Discord's limits).
Parts = Callable[[RenderedDigest, str], Sequence[dict[str, Any]]]
#: How many members hold the reviewers role (None: not known), asked only when a digest is built.
Reviewers = Callable[[], Awaitable[int | None]]


class DigestService(GuildService[DigestSettings]):
    """Plan, build, record and track the delivery of the digests of one guild."""

    def __init__(
        self,
        db: Database,
        guild_id: int,
        settings: DigestSettings,
        clock: Clock,
        leads: LeadsService,
        feedback: FeedbackService,
        checklists: ChecklistService,
        updates: UpdatesService,
        *,
        wiki: bool = False,
    ) -> None:
        super().__init__(db, guild_id, settings, clock)
        self.leads = leads
        self.feedback = feedback
        self.checklists = checklists
        self.updates = updates
        #: Whether a wiki is configured: the digest then says what keeps its pages from being updated.
        self.wiki = wiki

    # -- reading ----------------------------------------------------------------------------------
    async def pending_run(self) -> DigestRun | None:
        """The run still being delivered, if any (there is at most one)."""
        return await steps.pending_run(self.db, self.guild_id)

    async def get_run(self, run_id: int) -> DigestRun | None:
        return await steps.get_run(self.db, self.guild_id, run_id)

    async def next_digest(self) -> tuple[datetime, datetime]:
        """(where the next digest starts, when it is due). Raises :class:`schedule.ScheduleError`."""
        now = self.clock()
        start = await steps.period_start(
            self.db, self.guild_id, expression=self.settings.schedule, timezone=self.settings.timezone, now=now
        )
        return start, schedule.next_fire(self.settings.schedule, self.settings.timezone, max(start, now))

    async def preview(self, *, reviewers: Reviewers) -> DigestContent:
        """What ``/digest send`` would post now, read without recording anything."""
        now = self.clock()
        plan = await self._manual_plan(now)
        assert plan.deliver is not None
        return await self._collect(plan.deliver, now, await reviewers())

    def render(self, content: DigestContent, locale: str, *, kind: str = "scheduled") -> RenderedDigest:
        return steps.render(content, locale, kind=kind, guild_id=self.guild_id)

    # -- starting a run ---------------------------------------------------------------------------
    async def start_due(self, *, locale: str, reviewers: Reviewers, parts: Parts) -> DigestRun | None:
        """Record what the schedule owes now: missed periods close unposted; the due one releases waiting
        feedback, is read, rendered and recorded with every part before anything is sent. Returns the run
        to deliver, or None. Raises :class:`schedule.ScheduleError` for a schedule that cannot be used."""
        now = self.clock()
        plan = await steps.plan(
            self.db,
            self.guild_id,
            expression=self.settings.schedule,
            timezone=self.settings.timezone,
            catch_up=self.settings.catch_up,
            now=now,
        )
        if plan.skips and plan.deliver is None:
            log.info("digest: closing %s without posting", [p.kind for p in plan.skips])
        return await self._record(plan, now, locale=locale, reviewers=reviewers, parts=parts)

    async def run_to_send(self, *, locale: str, reviewers: Reviewers, parts: Parts) -> tuple[DigestRun | None, bool]:
        """For ``/digest send``: the run still being delivered and True; else a run just recorded for
        everything from the watermark up to this moment (None when another pass recorded it first) and
        False."""
        # Everything up to the moment of the send, same second included: the period ends at the next
        # whole second, and the digest is built once that second is over (at most a second's wait,
        # after the acknowledgement), so nothing of that second can still happen after it.
        now = next_second(self.clock())
        await sleep_until(self.clock, now)
        run = await self.pending_run()
        if run is not None:
            return run, True
        plan = await self._manual_plan(now)
        return await self._record(plan, now, locale=locale, reviewers=reviewers, parts=parts), False

    async def _manual_plan(self, now: datetime) -> Plan:
        return await steps.manual_plan(
            self.db, self.guild_id, expression=self.settings.schedule, timezone=self.settings.timezone, now=now
        )

    async def _record(
        self, plan: Plan, now: datetime, *, locale: str, reviewers: Reviewers, parts: Parts
    ) -> DigestRun | None:
        """Render the plan's period and record it (with its parts) before anything is sent."""
        try:
            if plan.deliver is None:
                return await steps.record(self.db, self.guild_id, plan, locale=locale, now=now)
            if plan.deliver.kind in RELEASES_FEEDBACK:
                await self.feedback.release(plan.deliver.end)
            content = await self._collect(plan.deliver, now, await reviewers())
            if content.empty and self.settings.skip_empty:
                return await steps.record(
                    self.db, self.guild_id, plan, locale=locale, now=now, skip_delivery="skipped_empty"
                )
            rendered = self.render(content, locale, kind=plan.deliver.kind)
            return await steps.record(
                self.db, self.guild_id, plan, parts=parts(rendered, locale), locale=locale, now=now
            )
        except Conflict:
            log.debug("digest: another pass recorded this period first")
            return None

    async def _collect(self, period: Period, now: datetime, reviewers: int | None) -> DigestContent:
        """Read ``period`` from every feature (reviews and *needs attention* as they are now)."""
        start, end = period.start, period.end
        events = await self.leads.events_between(start, end)
        attention = await self.leads.needs_attention(now)
        return await assemble(
            self.db, self.guild_id, start, end, now=now, events=events, attention=attention,
            new_leads=await self.leads.created_between(start, end),
            checklists=await self.checklists.completed_between(start, end),
            updates=await self.updates.posted_between(start, end),
            feedback=await self.feedback.digest_info(start, end), reviewers=reviewers, wiki=self.wiki,
        )  # fmt: skip

    # -- delivery ---------------------------------------------------------------------------------
    async def record_attempt(self, run_id: int, position: int) -> None:
        """Written just before a part is sent: from now on a resend first looks for it in the channel."""
        await steps.record_attempt(self.db, self.guild_id, run_id, position, now=self.clock())

    async def record_part_sent(self, run_id: int, position: int, *, message_id: int) -> bool:
        """Discord accepted part ``position`` as ``message_id``; returns whether the run is now delivered."""
        return await steps.record_part_sent(
            self.db, self.guild_id, run_id, position, message_id=message_id, now=self.clock()
        )

    async def record_failure(self, run_id: int, *, status: int) -> None:
        """A send failed with HTTP ``status`` (0: timeout or connection); the run stays pending."""
        await steps.record_failure(self.db, self.guild_id, run_id, status=status, now=self.clock())
