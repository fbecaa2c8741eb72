"""``/publish now`` and ``/publish status``; the tick publishes on the schedule and after changes.

When it publishes: at ``wiki.schedule`` (cron in ``wiki.timezone``), ``wiki.debounce_minutes`` after the
first change to a lead since the last run (changes in a row go out together), and on ``/publish now``.
A change that leaves both pages' text as the bot last wrote it does not reach the wiki at all. One run at
a time; a wiki that is down or refuses costs a log line and a line in the digest, never the bot.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.config import WikiSettings
from bot.i18n import t
from bot.services import wiki
from bot.services.access import Access, require
from bot.ui.embeds import Colour, make_embed
from bot.ui.respond import SEND_ERRORS, failure, respond

log = logging.getLogger(__name__)

WG = {"access": int(Access.WORKING_GROUP)}
#: Diff lines shown in Discord after /publish now (``partnerbot publish --dry-run`` prints them all).
DIFF_SHOWN = 30


class WikiCog(commands.GroupCog, group_name="publish", group_description="The register on the wiki"):
    def __init__(self, bot: PartnerBot, settings: WikiSettings) -> None:
        self.bot = bot
        self.settings = settings
        self._lock = asyncio.Lock()
        #: The latest lead event seen, and since when a change waits to be published (memory only).
        self._mark: int | None = None
        self._pending_since: datetime | None = None
        self.loop = BackgroundLoop(self, "wiki")
        super().__init__()

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()

    @property
    def locale(self) -> str:
        """The pages' language: ``wiki.locale``, else the config's ``locale``, else English (not the
        server's own language, which ``partnerbot publish`` cannot know: both must write the same text)."""
        return self.settings.locale or self.bot.settings.locale or "en"

    async def names(self) -> wiki.content.Names:
        """Reviewers' display names, when ``wiki.name_reviewers`` is on: from the member cache, else asked
        of Discord (the bot has no privileged members intent); someone who left is "a former member"."""
        if not self.settings.name_reviewers:
            return None
        guild_id = self.bot.settings.guild_id
        wanted = {r for d in await wiki.content.decisions(self.bot.db, guild_id) for r in d.reviewers}
        guild = self.bot.get_guild(guild_id)
        found: dict[int, str] = {}
        for member_id in wanted:
            member = guild.get_member(member_id) if guild is not None else None
            if member is None and guild is not None:
                try:
                    member = await guild.fetch_member(member_id)
                except discord.NotFound:
                    member = None  # left the server
                except SEND_ERRORS as error:
                    # Not "a former member" on a public page because Discord was slow: no run this time.
                    raise wiki.WikiError(f"Discord did not say who the reviewers are ({failure(error)})") from None
            if member is not None:
                found[member_id] = member.display_name
        former = t(self.locale, "wiki.former_member")
        return lambda member_id: found.get(member_id, former)

    async def tick(self) -> None:
        now, guild_id = self.bot.clock(), self.bot.settings.guild_id
        mark = await wiki.change_mark(self.bot.db, guild_id)
        if self._mark is not None and mark != self._mark and self._pending_since is None:
            self._pending_since = now
        self._mark = mark
        if await self._schedule_due(now):
            await self.run(now, reason="schedule")
        elif self._pending_since is not None and now - self._pending_since >= self._debounce:
            if await self._changed():
                await self.run(now, reason="change")
            self._pending_since = None

    @property
    def _debounce(self) -> timedelta:
        return timedelta(minutes=self.settings.debounce_minutes)

    async def _schedule_due(self, now: datetime) -> bool:
        return await wiki.schedule_due(self.bot.db, self.bot.settings.guild_id, self.settings, now=now)

    async def _changed(self) -> bool:
        """Whether either page's block differs from what the bot last wrote (no wiki call needed)."""
        try:
            names = await self.names()
        except wiki.WikiError:
            return False
        return await wiki.pages_changed(self.bot.db, self.bot.settings.guild_id, self.locale, names)

    async def run(self, now: datetime, *, reason: str, overwrite: bool = False) -> wiki.RunReport:
        async with self._lock:
            try:
                names = await self.names()
            except wiki.WikiError as error:
                report = wiki.RunReport(pages=(), failure=str(error), dry_run=False)
            else:
                report = await wiki.publish(
                    self.bot.db,
                    self.bot.settings.guild_id,
                    self.settings,
                    locale=self.locale,
                    now=now,
                    names=names,
                    overwrite=overwrite,
                )
        if report.failure:
            log.warning("publishing on the wiki failed (%s): %s", reason, report.failure)
        else:
            written = ", ".join(p.title for p in report.written) or "nothing"
            log.info("published on the wiki (%s): %s written", reason, written)
        return report

    # -- commands -----------------------------------------------------------------------------------
    @app_commands.command(name="now", description="Write the register and decisions to the wiki now", extras=WG)
    @app_commands.describe(overwrite="Replace the bot's part of a page even if someone edited it by hand")
    @app_commands.guild_only()
    async def now(self, interaction: discord.Interaction, overwrite: bool = False) -> None:
        require(self.bot.access(interaction.user), Access.WORKING_GROUP)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.run(self.bot.clock(), reason="/publish now", overwrite=overwrite)
        await respond(interaction, embed=report_embed(interaction.locale, report))

    @app_commands.command(
        name="status", description="When the wiki pages were last written, and any problem", extras=WG
    )
    @app_commands.guild_only()
    async def status(self, interaction: discord.Interaction) -> None:
        require(self.bot.access(interaction.user), Access.WORKING_GROUP)
        state = await wiki.status(self.bot.db, self.bot.settings.guild_id)
        await respond(interaction, embed=status_embed(interaction.locale, self.settings, state))


def _when(value: datetime | None, locale: object) -> str:
    return f"<t:{int(value.timestamp())}:f>" if value is not None else t(locale, "publish.never")


def _page_line(locale: object, report: wiki.PageReport) -> str:
    return t(locale, f"publish.outcome.{report.outcome}", title=report.title, changes=report.changes)


def report_embed(locale: object, report: wiki.RunReport) -> discord.Embed:
    if report.failure:
        return make_embed(
            t(locale, "publish.failed_title"), t(locale, "publish.failed", reason=report.failure), colour=Colour.DANGER
        )
    lines = [_page_line(locale, p) for p in report.pages]
    diffs = "\n".join(p.diff for p in report.written if p.diff)
    if diffs:
        shown = diffs.splitlines()[:DIFF_SHOWN]
        lines.append("```diff\n" + "\n".join(line[:150] for line in shown).replace("```", "ˋˋˋ") + "\n```")
    return make_embed(t(locale, "publish.done_title"), "\n".join(lines)[:4000], colour=Colour.SUCCESS)


def status_embed(locale: object, settings: WikiSettings, state: wiki.Status) -> discord.Embed:
    lines = [t(locale, "publish.status.wiki", url=settings.api_url)]
    by_key = {p.key: p for p in state.pages}
    for key, title in wiki.titles(settings).items():
        page = by_key.get(key)
        written = _when(page.written_at if page else None, locale)
        lines.append(t(locale, "publish.status.page", title=title, written=written))
        if page is not None and page.changes:
            lines.append(t(locale, "publish.status.changes", changes=page.changes))
        if page is not None and page.problem in ("hand_edited", "damaged"):
            lines.append(t(locale, f"publish.status.{page.problem}", title=title))
    if state.failing_since is not None:
        lines.append(
            t(locale, "publish.status.failing", since=_when(state.failing_since, locale), reason=state.failure)
        )
    lines.append(t(locale, "publish.status.last_run", when=_when(state.last_run_at, locale)))
    colour = Colour.DANGER if state.failing_since is not None else Colour.INFO
    return make_embed(t(locale, "publish.status.title"), "\n".join(lines)[:4000], colour=colour)
