"""``/checklist start|status|results|cancel``, and the tick that finishes what Discord refused."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.cogs.checklists._embeds import runs_embed, status_embed, summary_embeds
from bot.cogs.checklists._flow import ChecklistFlow
from bot.cogs.checklists._views import ChecklistButton, ChecklistSelect
from bot.i18n import t, term
from bot.services import checklists, leads
from bot.services.access import Access
from bot.services.checklists.service import ChecklistService
from bot.services.leads.service import LeadsService
from bot.ui.embeds import group_embeds, truncate
from bot.ui.permissions import caller_access, requires
from bot.ui.respond import respond

log = logging.getLogger(__name__)


class ChecklistsCog(
    commands.GroupCog,
    name="Checklists",
    group_name="checklist",
    group_description="Assessment checklists answered together in a thread",
):
    def __init__(self, bot: PartnerBot, checklists: ChecklistService, leads: LeadsService) -> None:
        self.bot = bot
        self.checklists = checklists
        self.leads = leads
        self.flow = ChecklistFlow(bot, checklists, leads)
        self.loop = BackgroundLoop(self, "checklists")
        super().__init__()

    async def cog_load(self) -> None:
        # A broken questionnaire stops the start with every problem named (ConfigError).
        self.checklists.load_questionnaires()
        self.bot.register_persistent(ChecklistButton, ChecklistSelect)
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()

    async def tick(self) -> None:
        """Open missing threads, post questions and summaries not yet posted, finish leads' updates."""
        for run in await self.checklists.pending():
            await self.flow.sync(run.id)

    @commands.Cog.listener()
    async def on_lead_event(self, event: leads.LeadEvent) -> None:
        """A lead that is closed takes its open checklist runs with it: their answers would decide nothing. So
        does a lead that leaves assessment for review unfinished: the review decides without the rest."""
        if event.kind != "status":
            return
        to_review = (event.from_status, event.to_status) == ("assessing", "in_review")
        if event.to_status not in leads.CLOSED_STATUSES and not to_review:
            return
        for run in await self.checklists.cancel_with_lead(event.lead_id):
            await self.flow.sync(run.id)

    async def _lead_id(self, interaction: discord.Interaction, lead: str, access: Access) -> int:
        """The lead a ``lead`` option names: picked from the list, typed as an id, or typed as a name."""
        return await self.leads.resolve(lead, viewer_id=interaction.user.id, viewer_access=access)

    # -- commands ---------------------------------------------------------------------------------
    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="start", description="Start a checklist about a lead in a new thread")
    @app_commands.describe(
        lead="The lead to assess (L-42, 42 or a partner name)",
        questionnaire="Which questionnaire (default: the partnership assessment)",
    )
    async def start(self, interaction: discord.Interaction, lead: str, questionnaire: str | None = None) -> None:
        access = caller_access(interaction)
        lead_id = await self._lead_id(interaction, lead, access)
        chosen = self.checklists.questionnaire(questionnaire)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.checklists.start(
            lead_id, chosen, actor_id=interaction.user.id, actor_access=access, locale=self.bot.guild_locale()
        )
        if outcome.event is not None:
            self.bot.dispatch("lead_event", outcome.event)
        if outcome.created:
            await self.flow.sync(outcome.run.id)
        run = await self.checklists.get(outcome.run.id)
        title = chosen.localized(interaction.locale).title
        ref = outcome.lead.ref
        if run.thread_id is None:
            text = t(interaction.locale, "checklist.thread_pending", run=f"#{run.id}", ref=ref)
        elif outcome.created:
            text = t(interaction.locale, "checklist.started", title=title, ref=ref, thread=f"<#{run.thread_id}>")
        else:
            text = t(interaction.locale, "checklist.already_open", title=title, ref=ref, thread=f"<#{run.thread_id}>")
        await respond(interaction, text)

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="status", description="Progress of the checklist in this thread")
    async def status(self, interaction: discord.Interaction) -> None:
        run = await self.checklists.for_thread(interaction.channel_id or 0)
        lead = await self.leads.get(run.lead_id)
        await respond(interaction, embed=status_embed(run, lead, str(interaction.locale.value)))

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="results", description="The latest checklist summary of a lead, and its earlier runs")
    @app_commands.describe(lead="The lead (L-42, 42 or a partner name)")
    async def results(self, interaction: discord.Interaction, lead: str) -> None:
        access = caller_access(interaction)
        found = await self.leads.get(await self._lead_id(interaction, lead, access))
        runs = await self.checklists.for_lead(found.id)
        locale = str(interaction.locale.value)
        if not runs:
            await respond(interaction, t(locale, "checklist.results.none", ref=found.ref))
            return
        latest = next((r for r in runs if r.status == "completed"), None)
        embeds = summary_embeds(latest, found, locale) if latest is not None else []
        for group in group_embeds([*embeds, runs_embed(runs, found, locale)]):
            await respond(interaction, embeds=group)

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="cancel", description="Cancel an open checklist run; its thread is told and archived")
    @app_commands.describe(run="The open run to cancel (#12)")
    async def cancel(self, interaction: discord.Interaction, run: str) -> None:
        cancelled = await self.checklists.cancel(checklists.parse_run_id(run), actor_id=interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.flow.sync(cancelled.id)
        await respond(interaction, t(interaction.locale, "checklist.cancelled", run=f"#{cancelled.id}"))

    # -- autocomplete -----------------------------------------------------------------------------
    @start.autocomplete("lead")
    @results.autocomplete("lead")
    async def _leads(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = await self.leads.suggest(
            current, viewer_id=interaction.user.id, viewer_access=self.bot.access(interaction.user)
        )
        loc = interaction.locale
        return [
            app_commands.Choice(
                name=truncate(f"{s.ref} · {s.partner} ({term(loc, 'status', s.status)})", 100), value=s.ref
            )
            for s in found[:25]
        ]

    @start.autocomplete("questionnaire")
    async def _questionnaires(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.casefold()
        choices = []
        for qid, questionnaire in sorted(self.checklists.questionnaires.items()):
            title = questionnaire.localized(interaction.locale).title
            if needle in qid.casefold() or needle in title.casefold():
                name = truncate(f"{title} (v{questionnaire.version})", 100)
                choices.append(app_commands.Choice(name=name, value=qid))
        return choices[:25]

    @cancel.autocomplete("run")
    async def _runs(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if self.bot.access(interaction.user) < Access.WORKING_GROUP:
            return []
        choices = []
        for run in await self.checklists.open_runs():
            lead = await self.leads.get(run.lead_id)
            name = t(
                interaction.locale,
                "checklist.run_choice",
                run=f"#{run.id}",
                ref=lead.ref,
                partner=lead.partner,
                title=run.questionnaire.localized(interaction.locale).title,
            )
            if current.strip().lstrip("#").casefold() in name.casefold():
                choices.append(app_commands.Choice(name=truncate(name, 100), value=str(run.id)))
        return choices[:25]
