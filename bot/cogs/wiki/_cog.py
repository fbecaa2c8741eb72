"""``/publish now`` and ``/publish status``; the tick publishes on the schedule and after changes.

When it publishes: at ``wiki.schedule`` (cron in ``wiki.timezone``), ``wiki.debounce_minutes`` after the
first change to a lead since the last run (changes in a row go out together), and on ``/publish now``.
A change that leaves both pages' text as the bot last wrote it does not reach the wiki at all. One run at
a time; a wiki that is down or refuses costs a log line and a line in the digest, never the bot.
"""

from __future__ import annotations

import logging
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.config import WikiSettings
from bot.i18n import t
from bot.services.access import Access
from bot.services.wiki import PageReport, RunReport, Status, WikiError, WikiService, titles
from bot.services.wiki.content import Names
from bot.ui.embeds import Colour, make_embed
from bot.ui.permissions import requires
from bot.ui.respond import SEND_ERRORS, failure, respond

log = logging.getLogger(__name__)

#: Diff lines shown in Discord after /publish now (``partnerbot publish --dry-run`` prints them all).
DIFF_SHOWN = 30


class WikiCog(commands.GroupCog, group_name="publish", group_description="The register on the wiki"):
    def __init__(self, bot: PartnerBot, wiki: WikiService) -> None:
        self.bot = bot
        self.wiki = wiki
        self.loop = BackgroundLoop(self, "wiki")
        super().__init__()

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()

    async def names(self) -> Names:
        """Reviewers' display names, when ``wiki.name_reviewers`` is on: from the member cache, else asked
        of Discord (the bot has no privileged members intent); someone who left is "a former member"."""
        if not self.wiki.settings.name_reviewers:
            return None
        wanted = await self.wiki.reviewer_ids()
        guild = self.bot.home_guild()
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
                    raise WikiError(f"Discord did not say who the reviewers are ({failure(error)})") from None
            if member is not None:
                found[member_id] = member.display_name
        former = t(self.wiki.locale, "wiki.former_member")
        return lambda member_id: found.get(member_id, former)

    async def tick(self) -> None:
        reason = await self.wiki.due()
        if reason == "schedule" or (reason == "change" and await self._changed()):
            await self.run(reason=reason)

    async def _changed(self) -> bool:
        """Whether either page's block differs from what the bot last wrote (no wiki call needed)."""
        try:
            names = await self.names()
        except WikiError:
            return False
        return await self.wiki.changed(names)

    async def run(self, *, reason: str, overwrite: bool = False) -> RunReport:
        report = await self.wiki.publish(self.names, overwrite=overwrite)
        if report.failure:
            log.warning("publishing on the wiki failed (%s): %s", reason, report.failure)
        else:
            written = ", ".join(p.title for p in report.written) or "nothing"
            log.info("published on the wiki (%s): %s written", reason, written)
        return report

    # -- commands -----------------------------------------------------------------------------------
    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="now", description="Write the register and decisions to the wiki now")
    @app_commands.describe(overwrite="Replace the bot's part of a page even if someone edited it by hand")
    @app_commands.guild_only()
    async def now(self, interaction: discord.Interaction, overwrite: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.run(reason="/publish now", overwrite=overwrite)
        await respond(interaction, embed=report_embed(interaction.locale, report))

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="status", description="When the wiki pages were last written, and any problem")
    @app_commands.guild_only()
    async def status(self, interaction: discord.Interaction) -> None:
        state = await self.wiki.status()
        await respond(interaction, embed=status_embed(interaction.locale, self.wiki.settings, state))


def _when(value: datetime | None, locale: object) -> str:
    return f"<t:{int(value.timestamp())}:f>" if value is not None else t(locale, "publish.never")


def _page_line(locale: object, report: PageReport) -> str:
    return t(locale, f"publish.outcome.{report.outcome}", title=report.title, changes=report.changes)


def report_embed(locale: object, report: RunReport) -> discord.Embed:
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


def status_embed(locale: object, settings: WikiSettings, state: Status) -> discord.Embed:
    lines = [t(locale, "publish.status.wiki", url=settings.api_url)]
    by_key = {p.key: p for p in state.pages}
    for key, title in titles(settings).items():
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
