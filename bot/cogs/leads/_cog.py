"""``/lead add|show|list|search|move|note|assign|edit|export``, the review buttons' handlers, and the tick
that decides reviews whose time has come and posts cards Discord refused earlier."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PartnerBot
from bot.background import BackgroundLoop
from bot.cogs.leads._cards import Cards
from bot.cogs.leads._embeds import detail_embeds, list_embed, search_embed
from bot.cogs.leads._flow import LeadFlow
from bot.cogs.leads._views import AddLeadModal, EditFormButton, ListView, ReviewButton
from bot.errors import InvalidInput
from bot.i18n import t, term, tn
from bot.services import leads
from bot.services.access import Access
from bot.services.checklists.service import ChecklistService
from bot.services.choices import choice_name, choice_value, match_choice
from bot.services.leads.model import Direction, EditableField, ExportFormat, Level, Status, Tier
from bot.services.leads.service import LeadsService, ReviewService
from bot.ui.embeds import truncate
from bot.ui.permissions import caller_access, requires
from bot.ui.respond import respond

log = logging.getLogger(__name__)

# Options typed Status, Level, Direction, Tier, EditableField or ExportFormat (``Literal`` types of the
# register's vocabularies, bot/services/leads/model.py) get those words as their choices from discord.py.
#: Discord's default limit on what a bot uploads with one message (10 MiB; boosts do not raise a bot's):
#: https://discord.com/developers/docs/reference#uploading-files
FILE_LIMIT = 10 * 1024 * 1024


class LeadsCog(
    commands.GroupCog,
    name="Leads",
    group_name="lead",
    group_description="Log, find and follow possible partnerships",
):
    def __init__(
        self, bot: PartnerBot, service: LeadsService, review: ReviewService, checklists: ChecklistService
    ) -> None:
        self.bot = bot
        self.leads = service
        self.review = review
        self.checklists = checklists
        self.cards = Cards(bot, service, review, checklists)
        self.flow = LeadFlow(bot, service, review, self.cards)
        self._warm: asyncio.Task[object] | None = None
        self._drawn: OrderedDict[tuple[int, str, bool], tuple[leads.LeadDetail, list[discord.Embed]]] = OrderedDict()
        self.loop = BackgroundLoop(self, "leads")
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.register_persistent(ReviewButton)
        self.bot.register_persistent(EditFormButton)
        await self.review.configure()
        if self.bot.background:
            # Build the dedup name index now rather than during someone's first /lead add.
            self._warm = asyncio.create_task(self.leads.names.warm())
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()
        if self._warm is not None:
            self._warm.cancel()

    async def tick(self) -> None:
        """Approve leads whose review met its terms, then post or refresh every card still due."""
        self.leads.prune_forms()
        for event in await self.review.close_due():
            self.bot.dispatch("lead_event", event)
            await self.cards.review(event.lead_id)
            await self.cards.lead(event.lead_id)
        await self.cards.catch_up()

    @commands.Cog.listener()
    async def on_lead_event(self, event: leads.LeadEvent) -> None:
        """Any feature moved a lead: refresh its card, and open or close its review card."""
        if event.kind in ("flag", "unflag"):
            # A checklist answer raised or cleared a flag: the card and an open review card show it now.
            await self.cards.review(event.lead_id)
            await self.cards.lead(event.lead_id)
            return
        if event.kind != "status":
            return
        if "in_review" in (event.from_status, event.to_status):
            await self.cards.review(event.lead_id)
        await self.cards.lead(event.lead_id)

    # -- /lead add --------------------------------------------------------------------------------
    @requires(Access.MEMBER)
    @app_commands.command(name="add", description="Log a possible partnership")
    @app_commands.describe(
        partner="The partner's name (up to 100 characters)",
        level="Where the partnership would work",
        direction="External partner, or a movement body",
        sector="The partner's sector",
        tier="Who defines the goals (optional)",
        entity="The movement body that should own it (optional)",
        summary="What it is about (without it, a form asks for the details)",
        link="A web page about the partner (http or https)",
        contact="Who to talk to (seen by the working group only)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        partner: str,
        level: Level,
        direction: Direction,
        sector: str | None = None,
        tier: Tier | None = None,
        entity: str | None = None,
        summary: str | None = None,
        link: str | None = None,
        contact: str | None = None,
    ) -> None:
        draft = leads.LeadDraft(
            partner=partner, level=level, direction=direction, sector=sector, tier=tier, entity=entity,
            summary=summary, link=link, contact=contact,
        )  # fmt: skip
        # Refuse bad options now, before anyone types a whole form. A problem the form can fix (a bad link,
        # an overlong summary) keeps what was typed and offers the form filled with it.
        try:
            checked = self.leads.check_draft(draft)
        except InvalidInput as problem:
            if not self.leads.form_can_fix(draft):
                raise
            await self.flow.refuse_form(interaction, draft, problem)
            return
        draft = checked
        if draft.summary is None:
            await interaction.response.send_modal(AddLeadModal(draft, interaction.locale))
            return
        await self.flow.finish_add(interaction, draft)

    # -- reading ----------------------------------------------------------------------------------
    @requires(Access.MEMBER)
    @app_commands.command(name="show", description="Show a lead with its history and notes")
    @app_commands.describe(lead="The lead (L-42, 42 or a partner name)")
    async def show(self, interaction: discord.Interaction, lead: str) -> None:
        access = caller_access(interaction)
        lead_id = await self._lead_id(interaction, lead, access)
        detail = await self.leads.detail(lead_id, viewer_id=interaction.user.id, viewer_access=access)
        await respond(interaction, embeds=self._rendered(detail, str(interaction.locale), access))

    async def _lead_id(self, interaction: discord.Interaction, lead: str, access: Access) -> int:
        """The lead a ``lead`` option names: picked from the list, typed as an id, or typed as a name."""
        return await self.leads.resolve(lead, viewer_id=interaction.user.id, viewer_access=access)

    def _rendered(self, detail: leads.LeadDetail, locale: str, access: Access) -> list[discord.Embed]:
        """The embeds of ``detail``, drawn once for as long as the service hands back the same detail."""
        contact = access >= Access.WORKING_GROUP
        key = (detail.lead.id, locale, contact)
        hit = self._drawn.get(key)
        if hit is not None and hit[0] is detail:
            self._drawn.move_to_end(key)
            return hit[1]
        embeds = detail_embeds(detail, locale, contact=contact)
        self._drawn[key] = (detail, embeds)
        if len(self._drawn) > 256:
            self._drawn.popitem(last=False)
        return embeds

    @requires(Access.MEMBER)
    @app_commands.command(name="list", description="List leads, ten per page")
    @app_commands.describe(
        status="Only leads in this status",
        level="Only leads at this level",
        direction="Only external or internal leads",
        sector="Only leads in this sector",
        mine="Only the leads you logged",
    )
    async def list_(
        self,
        interaction: discord.Interaction,
        status: Status | None = None,
        level: Level | None = None,
        direction: Direction | None = None,
        sector: str | None = None,
        mine: bool = False,
    ) -> None:
        access = caller_access(interaction)
        if sector:  # as configured, whatever the case typed (or a long sector's shortened choice)
            sector = match_choice(sector, self.leads.settings.sectors) or sector.strip()
        filters = leads.LeadFilter(status=status, level=level, direction=direction, sector=sector, mine=mine)
        page = await self.leads.list_page(filters, viewer_id=interaction.user.id, viewer_access=access)
        view = ListView(interaction.user.id, filters, page, interaction.locale)
        await respond(interaction, embed=list_embed(page, str(interaction.locale)), view=view)

    @requires(Access.MEMBER)
    @app_commands.command(name="search", description="Search leads by words in names, summaries and notes")
    @app_commands.describe(query="Words to find (any script; all must match)")
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        access = caller_access(interaction)
        hits = await self.leads.search(query, viewer_id=interaction.user.id, viewer_access=access)
        await respond(interaction, embed=search_embed(query, hits, str(interaction.locale)))

    # -- changing ---------------------------------------------------------------------------------
    @requires(Access.MEMBER)  # which moves a role may make: the pipeline's rules (leads.transition)
    @app_commands.command(name="move", description="Move a lead along the pipeline")
    @app_commands.describe(
        lead="The lead (L-42, 42 or a partner name)",
        status="Where it goes next",
        note="Why (required for declined, completed and vetoed)",
    )
    async def move(self, interaction: discord.Interaction, lead: str, status: Status, note: str | None = None) -> None:
        access = caller_access(interaction)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await self.leads.move(lead_id, status, actor_id=interaction.user.id, actor_access=access, note=note)
        loc = interaction.locale
        from_status, to_status = (term(loc, "status", s or "") for s in (event.from_status, event.to_status))
        lines = [t(loc, "lead.moved", ref=event.ref, from_status=from_status, to_status=to_status)]
        if event.to_status == "in_review":
            lines += await self._review_warnings(lead_id, loc)
        # Listeners (the checklist closing an unfinished run) run after the warnings have been read.
        self.bot.dispatch("lead_event", event)
        await respond(interaction, "\n".join(lines))

    async def _review_warnings(self, lead_id: int, locale: object) -> list[str]:
        """What the mover of a lead into review should know: open high flags, an unfinished checklist.
        The move is allowed either way; the review card says the same."""
        warnings = []
        readiness = await self.checklists.review_readiness(lead_id)
        if readiness.high_flags:
            warnings.append(t(locale, "lead.moved.warn_flags", count=readiness.high_flags))
        run = readiness.unfinished_run
        if run is not None:
            answered = run.answered_count + run.skipped_count
            warned = tn(locale, "lead.moved.warn_checklist", run.total, run=run.id, answered=answered, total=run.total)
            warnings.append(warned)
        return warnings

    @requires(leads.NOTE_ACCESS)
    @app_commands.command(name="note", description="Add a note to a lead")
    @app_commands.describe(lead="The lead (L-42, 42 or a partner name)", text="The note (up to 1,000 characters)")
    async def note(self, interaction: discord.Interaction, lead: str, text: str) -> None:
        access = caller_access(interaction)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await self.leads.note(lead_id, text, actor_id=interaction.user.id)
        await respond(interaction, t(interaction.locale, "lead.noted", ref=event.ref))
        await self.cards.lead(event.lead_id)

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="assign", description="Name the movement body that should own a lead")
    @app_commands.describe(
        lead="The lead (L-42, 42 or a partner name)", entity="Affiliate, foundation or community group"
    )
    async def assign(self, interaction: discord.Interaction, lead: str, entity: str) -> None:
        access = caller_access(interaction)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await self.leads.assign(lead_id, entity, actor_id=interaction.user.id)
        await respond(interaction, t(interaction.locale, "lead.assigned", ref=event.ref, entity=event.note))
        await self.cards.lead(event.lead_id)

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="edit", description="Change one field of a lead")
    @app_commands.describe(
        lead="The lead (L-42, 42 or a partner name)",
        field="The field to change",
        value="The new value (- empties an optional field; aliases separated by commas)",
    )
    async def edit(self, interaction: discord.Interaction, lead: str, field: EditableField, value: str) -> None:
        access = caller_access(interaction)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await self.leads.edit(lead_id, field, value, actor_id=interaction.user.id)
        await respond(interaction, t(interaction.locale, "lead.edited", ref=event.ref, field=field))
        await self.cards.lead(event.lead_id)

    @requires(Access.WORKING_GROUP)
    @app_commands.command(name="export", description="Export leads as a file")
    @app_commands.describe(
        format="csv for spreadsheets, json with history, wikitext (public leads only) for a wiki page",
        status="Only leads in this status",
    )
    async def export(
        self, interaction: discord.Interaction, format: ExportFormat, status: Status | None = None
    ) -> None:
        # Answer within Discord's three seconds; the file is made off the event loop meanwhile.
        await interaction.response.defer(ephemeral=True, thinking=True)
        loc = interaction.locale
        try:
            export = await self.leads.export(format, status=status, limit=FILE_LIMIT)
        except leads.ExportTooBig as too_big:
            await respond(interaction, self._too_big(too_big, loc, status))
            return
        if format == "wikitext":  # made for publishing: public leads only
            text = tn(loc, "lead.exported_public", export.count)
            text += " " + tn(loc, "lead.exported_left_out", export.left_out)
        else:
            text = tn(loc, "lead.exported", export.count, format=format)
        if export.zipped:
            text += "\n" + t(loc, "lead.export_zipped", limit=leads.export.mib(FILE_LIMIT))
        await respond(interaction, text, file=discord.File(io.BytesIO(export.data), filename=export.filename))

    def _too_big(self, error: leads.ExportTooBig, locale: discord.Locale, status: str | None) -> str:
        """Why the export was refused, the status filters that would fit, and the command line."""
        lines = [tn(locale, "lead.export_too_big", error.count, **error.params)]
        if error.fits:
            statuses = ", ".join(f"{term(locale, 'status', s)} ({count})" for s, count in error.fits)
            lines.append(t(locale, "lead.export_fits", statuses=statuses))
        elif status is None:
            lines.append(t(locale, "lead.export_fits_none"))
        command = f"partnerbot export --format {error.fmt}"
        if status:
            command += f" --status {status}"
        extension = "wiki" if error.fmt == "wikitext" else error.fmt
        command += f" --out leads.{extension}"
        lines.append(t(locale, "lead.export_cli", command=command))
        return "\n".join(lines)

    # -- autocomplete -----------------------------------------------------------------------------
    @show.autocomplete("lead")
    @move.autocomplete("lead")
    @note.autocomplete("lead")
    @assign.autocomplete("lead")
    @edit.autocomplete("lead")
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

    @add.autocomplete("sector")
    @list_.autocomplete("sector")
    async def _sectors(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.casefold().strip()
        configured = self.leads.settings.sectors
        sectors = [s for s in configured if needle in s.casefold()]
        return [app_commands.Choice(name=choice_name(s), value=choice_value(s, configured)) for s in sectors[:25]]

    @add.autocomplete("entity")
    @assign.autocomplete("entity")
    async def _entities(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = await self.leads.entities(current)
        return [app_commands.Choice(name=truncate(e, 100), value=truncate(e, 100)) for e in found]
