"""``/lead add|show|list|search|move|note|assign|edit|export``, the review buttons' handlers, and the tick
that decides reviews whose time has come and posts cards Discord refused earlier."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from typing import Literal

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
from bot.services import checklists, leads
from bot.services.access import Access, require
from bot.services.choices import choice_name, choice_value, match_choice
from bot.services.leads import dedup
from bot.services.leads.resolve import resolve_lead
from bot.ui.embeds import truncate
from bot.ui.respond import respond

log = logging.getLogger(__name__)

WORKING_GROUP = {"access": int(Access.WORKING_GROUP)}
Status = Literal[
    "logged", "assessing", "in_review", "approved", "negotiating", "active", "completed", "vetoed", "declined",
    "paused", "withdrawn",
]  # fmt: skip
Level = Literal["global", "regional", "national", "local"]
Direction = Literal["external", "internal"]
Tier = Literal["contributory", "collaborative", "co-creative"]
EditableField = Literal[
    "partner", "aliases", "summary", "offer", "ask", "contact", "link", "level", "direction", "sector", "tier",
    "visibility",
]  # fmt: skip
ExportFormat = Literal["csv", "json", "wikitext"]
#: Discord's default limit on what a bot uploads with one message (10 MiB; boosts do not raise a bot's):
#: https://discord.com/developers/docs/reference#uploading-files
FILE_LIMIT = 10 * 1024 * 1024


class LeadsCog(
    commands.GroupCog,
    name="Leads",
    group_name="lead",
    group_description="Log, find and follow possible partnerships",
):
    def __init__(self, bot: PartnerBot) -> None:
        self.bot = bot
        self.cards = Cards(bot)
        self.flow = LeadFlow(bot, self.cards)
        self._warm: asyncio.Task[object] | None = None
        self._drawn: OrderedDict[tuple[int, str, bool], tuple[leads.LeadDetail, list[discord.Embed]]] = OrderedDict()
        self.loop = BackgroundLoop(self, "leads")
        super().__init__()

    @property
    def guild_id(self) -> int:
        return self.bot.settings.guild_id

    async def cog_load(self) -> None:
        self.bot.register_persistent(ReviewButton)
        self.bot.register_persistent(EditFormButton)
        review = self.bot.settings.review
        await leads.configure_review(self.bot.db, self.guild_id, quorum=review.quorum, min_hours=review.min_hours)
        if self.bot.background:
            # Build the dedup name index now rather than during someone's first /lead add.
            suffixes = self.bot.settings.leads.legal_suffixes
            self._warm = asyncio.create_task(dedup.name_index(self.bot.db, self.guild_id, suffixes))
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()
        if self._warm is not None:
            self._warm.cancel()

    async def tick(self) -> None:
        """Approve leads whose review met its terms, then post or refresh every card still due."""
        self.flow.forms.prune(self.bot.clock())
        for event in await leads.close_due_reviews(self.bot.db, self.guild_id, self.bot.clock()):
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
        require(self.bot.access(interaction.user), Access.MEMBER)
        draft = leads.LeadDraft(
            partner=partner, level=level, direction=direction, sector=sector, tier=tier, entity=entity,
            summary=summary, link=link, contact=contact,
        )  # fmt: skip
        # Refuse bad options now, before anyone types a whole form. A problem the form can fix (a bad link,
        # an overlong summary) keeps what was typed and offers the form filled with it.
        sectors = self.bot.settings.leads.sectors
        try:
            checked = leads.model.check_draft(draft, sectors)
        except InvalidInput as problem:
            if not leads.model.form_can_fix(draft, sectors):
                raise
            await self.flow.refuse_form(interaction, draft, problem)
            return
        draft = checked
        if draft.summary is None:
            await interaction.response.send_modal(AddLeadModal(draft, interaction.locale))
            return
        await self.flow.finish_add(interaction, draft)

    # -- reading ----------------------------------------------------------------------------------
    @app_commands.command(name="show", description="Show a lead with its history and notes")
    @app_commands.describe(lead="The lead (L-42, 42 or a partner name)")
    async def show(self, interaction: discord.Interaction, lead: str) -> None:
        access = self.bot.access(interaction.user)
        require(access, Access.MEMBER)
        lead_id = await self._lead_id(interaction, lead, access)
        detail = await leads.lead_detail(
            self.bot.db, self.guild_id, lead_id, viewer_id=interaction.user.id, viewer_access=access
        )
        await respond(interaction, embeds=self._rendered(detail, str(interaction.locale), access))

    async def _lead_id(self, interaction: discord.Interaction, lead: str, access: Access) -> int:
        """The lead a ``lead`` option names: picked from the list, typed as an id, or typed as a name."""
        return await resolve_lead(
            self.bot.db, self.guild_id, lead, viewer_id=interaction.user.id, viewer_access=access,
            legal_suffixes=self.bot.settings.leads.legal_suffixes,
        )  # fmt: skip

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
        access = self.bot.access(interaction.user)
        require(access, Access.MEMBER)
        if sector:  # as configured, whatever the case typed (or a long sector's shortened choice)
            sector = match_choice(sector, self.bot.settings.leads.sectors) or sector.strip()
        filters = leads.LeadFilter(status=status, level=level, direction=direction, sector=sector, mine=mine)
        page = await leads.list_leads(
            self.bot.db, self.guild_id, filters, viewer_id=interaction.user.id, viewer_access=access
        )
        view = ListView(interaction.user.id, filters, page, interaction.locale)
        await respond(interaction, embed=list_embed(page, str(interaction.locale)), view=view)

    @app_commands.command(name="search", description="Search leads by words in names, summaries and notes")
    @app_commands.describe(query="Words to find (any script; all must match)")
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        access = self.bot.access(interaction.user)
        require(access, Access.MEMBER)
        hits = await leads.search_leads(
            self.bot.db, self.guild_id, query, viewer_id=interaction.user.id, viewer_access=access
        )
        await respond(interaction, embed=search_embed(query, hits, str(interaction.locale)))

    # -- changing ---------------------------------------------------------------------------------
    @app_commands.command(name="move", description="Move a lead along the pipeline")
    @app_commands.describe(
        lead="The lead (L-42, 42 or a partner name)",
        status="Where it goes next",
        note="Why (required for declined, completed and vetoed)",
    )
    async def move(self, interaction: discord.Interaction, lead: str, status: Status, note: str | None = None) -> None:
        access = self.bot.access(interaction.user)
        require(access, Access.MEMBER)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await leads.transition(
            self.bot.db, self.guild_id, lead_id, status, actor_id=interaction.user.id,
            actor_access=access, note=note, now=self.bot.clock(),
        )  # fmt: skip
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
        readiness = await checklists.review_readiness(self.bot.db, self.guild_id, lead_id)
        if readiness.high_flags:
            warnings.append(t(locale, "lead.moved.warn_flags", count=readiness.high_flags))
        run = readiness.unfinished_run
        if run is not None:
            answered = run.answered_count + run.skipped_count
            warned = tn(locale, "lead.moved.warn_checklist", run.total, run=run.id, answered=answered, total=run.total)
            warnings.append(warned)
        return warnings

    @app_commands.command(name="note", description="Add a note to a lead", extras=WORKING_GROUP)
    @app_commands.describe(lead="The lead (L-42, 42 or a partner name)", text="The note (up to 1,000 characters)")
    async def note(self, interaction: discord.Interaction, lead: str, text: str) -> None:
        access = self.bot.access(interaction.user)
        require(access, leads.NOTE_ACCESS)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await leads.add_note(
            self.bot.db, self.guild_id, lead_id, text, actor_id=interaction.user.id,
            now=self.bot.clock(),
        )  # fmt: skip
        await respond(interaction, t(interaction.locale, "lead.noted", ref=event.ref))
        await self.cards.lead(event.lead_id)

    @app_commands.command(
        name="assign", description="Name the movement body that should own a lead", extras=WORKING_GROUP
    )
    @app_commands.describe(
        lead="The lead (L-42, 42 or a partner name)", entity="Affiliate, foundation or community group"
    )
    async def assign(self, interaction: discord.Interaction, lead: str, entity: str) -> None:
        access = self.bot.access(interaction.user)
        require(access, Access.WORKING_GROUP)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await leads.assign_entity(
            self.bot.db, self.guild_id, lead_id, entity, actor_id=interaction.user.id,
            now=self.bot.clock(),
        )  # fmt: skip
        await respond(interaction, t(interaction.locale, "lead.assigned", ref=event.ref, entity=event.note))
        await self.cards.lead(event.lead_id)

    @app_commands.command(name="edit", description="Change one field of a lead", extras=WORKING_GROUP)
    @app_commands.describe(
        lead="The lead (L-42, 42 or a partner name)",
        field="The field to change",
        value="The new value (- empties an optional field; aliases separated by commas)",
    )
    async def edit(self, interaction: discord.Interaction, lead: str, field: EditableField, value: str) -> None:
        access = self.bot.access(interaction.user)
        require(access, Access.WORKING_GROUP)
        lead_id = await self._lead_id(interaction, lead, access)
        event = await leads.edit_lead(
            self.bot.db, self.guild_id, lead_id, field, value, actor_id=interaction.user.id,
            now=self.bot.clock(), settings=self.bot.settings.leads,
        )  # fmt: skip
        await respond(interaction, t(interaction.locale, "lead.edited", ref=event.ref, field=field))
        await self.cards.lead(event.lead_id)

    @app_commands.command(name="export", description="Export leads as a file", extras=WORKING_GROUP)
    @app_commands.describe(
        format="csv for spreadsheets, json with history, wikitext (public leads only) for a wiki page",
        status="Only leads in this status",
    )
    async def export(
        self, interaction: discord.Interaction, format: ExportFormat, status: Status | None = None
    ) -> None:
        require(self.bot.access(interaction.user), Access.WORKING_GROUP)
        # Answer within Discord's three seconds; the file is made off the event loop meanwhile.
        await interaction.response.defer(ephemeral=True, thinking=True)
        loc = interaction.locale
        try:
            export = await leads.export_leads(
                self.bot.db, self.guild_id, format, status=status, now=self.bot.clock(), limit=FILE_LIMIT
            )
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
        found = await leads.suggest_leads(
            self.bot.db, self.guild_id, current, viewer_id=interaction.user.id,
            viewer_access=self.bot.access(interaction.user),
        )  # fmt: skip
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
        configured = self.bot.settings.leads.sectors
        sectors = [s for s in configured if needle in s.casefold()]
        return [app_commands.Choice(name=choice_name(s), value=choice_value(s, configured)) for s in sectors[:25]]

    @add.autocomplete("entity")
    @assign.autocomplete("entity")
    async def _entities(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = await leads.known_entities(self.bot.db, self.guild_id, current)
        return [app_commands.Choice(name=truncate(e, 100), value=truncate(e, 100)) for e in found]
