"""The leads register of one guild as one object: :class:`LeadsService`, built once by the composition root
(:mod:`bot.compose`) with the database, the clock, the guild and its settings bound in.

It owns what the register keeps in memory: the duplicate check's name index (:class:`names.Names`, brought
up to date by the service after each of its writes that changes a name) and the recent reads
(:class:`queries.Kept`). Cogs call its methods (``leads.log(draft, owner_id=..., owner_access=...)``) and
never pass the database, the guild or the time themselves.

The modules it calls each do one step: ``model`` checks input, ``dedup`` finds names, ``register`` and
``pipeline`` write, ``queries`` and ``search`` read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import IO

from bot.clock import Clock
from bot.config import LeadsSettings, ReviewSettings
from bot.db import Database
from bot.services.access import Access
from bot.services.base import GuildService
from bot.services.leads import cards, feeds, model, names, pipeline, queries, register, review
from bot.services.leads.export import Export, ExportSummary, export_leads, write_export
from bot.services.leads.forms import KeptForms
from bot.services.leads.model import Flag, Lead, LeadDetail, LeadDraft, LeadEvent
from bot.services.leads.resolve import resolve_lead
from bot.services.leads.search import SearchHit, Suggestion, search_leads, suggest_leads


class LeadsService(GuildService[LeadsSettings]):
    """Log, read, move, annotate, edit and export the leads of one guild."""

    def __init__(self, db: Database, guild_id: int, settings: LeadsSettings, clock: Clock) -> None:
        super().__init__(db, guild_id, settings, clock)
        self.names = names.Names(db, guild_id, settings.legal_suffixes)
        self.kept = queries.Kept()
        #: What members typed into a refused `/lead add`, for the form to reopen with (memory only).
        self.forms = KeptForms()

    # -- checking what was typed ------------------------------------------------------------------
    def check_draft(self, draft: LeadDraft) -> LeadDraft:
        """``draft`` cleaned, or InvalidInput naming the first problem."""
        return model.check_draft(draft, self.settings.sectors)

    def check_form(self, draft: LeadDraft) -> LeadDraft:
        """:meth:`check_draft` for a draft that went through the form, whose summary may not be blank."""
        return model.check_form(draft, self.settings.sectors)

    def form_can_fix(self, draft: LeadDraft) -> bool:
        """Whether every problem of ``draft`` is in a field the `/lead add` form asks for."""
        return model.form_can_fix(draft, self.settings.sectors)

    def keep_form(self, draft: LeadDraft, *, owner_id: int) -> str:
        """Keep a refused form's draft for its owner; the token reopens it."""
        return self.forms.keep(draft, owner_id=owner_id, now=self.clock())

    def kept_form(self, token: str, *, owner_id: int) -> LeadDraft:
        return self.forms.get(token, owner_id=owner_id, now=self.clock())

    def drop_form(self, token: str) -> None:
        self.forms.drop(token)

    def prune_forms(self) -> int:
        return self.forms.prune(self.clock())

    # -- writing ----------------------------------------------------------------------------------
    async def log(
        self,
        draft: LeadDraft,
        *,
        owner_id: int,
        owner_access: Access | None = None,
        check_duplicates: bool = True,
    ) -> register.AddResult:
        """Check and save a new lead. With ``check_duplicates`` and a likely duplicate, nothing is saved
        and the duplicates come back instead ("Log anyway" calls again without the check). With
        ``owner_access`` only the duplicates the logger may see come back; the others are only counted
        (``hidden``)."""
        draft = self.check_draft(draft)
        if check_duplicates:
            duplicates = await self.duplicates(draft.partner)
            if duplicates:
                visible = [d for d in duplicates if owner_access is None or d.visible_to(owner_id, owner_access)]
                return register.AddResult(None, tuple(visible), hidden=len(duplicates) - len(visible))
        async with self.names.writing():
            inserted = await register.insert_lead(
                self.db, self.guild_id, draft, owner_id=owner_id, now=self.clock(), settings=self.settings
            )
            self.names.apply(inserted.names)
        return register.AddResult(inserted.lead, (), inserted.events)

    async def duplicates(self, partner: str) -> list[register.Duplicate]:
        """Existing leads whose name or alias is like ``partner``, most similar first (at most three)."""
        return await register.find_duplicates(self.db, self.names, partner, self.settings.duplicate_threshold)

    async def edit(self, lead_id: int, field: str, value: str, *, actor_id: int) -> LeadEvent:
        """Change one field of a lead (``-`` empties an optional one)."""
        async with self.names.writing():
            edited = await register.edit_lead(
                self.db,
                self.guild_id,
                lead_id,
                field,
                value,
                actor_id=actor_id,
                now=self.clock(),
                settings=self.settings,
            )
            self.names.apply(edited.names)
        return edited.event

    async def assign(self, lead_id: int, entity: str, *, actor_id: int) -> LeadEvent:
        return await register.assign_entity(
            self.db, self.guild_id, lead_id, entity, actor_id=actor_id, now=self.clock()
        )

    async def note(self, lead_id: int, text: str, *, actor_id: int | None, at: datetime | None = None) -> LeadEvent:
        """Add a note to the lead's history, written at ``at`` (now when not given)."""
        when = self.clock() if at is None else at
        return await pipeline.add_note(self.db, self.guild_id, lead_id, text, actor_id=actor_id, now=when)

    async def move(
        self,
        lead_id: int,
        to_status: str,
        *,
        actor_id: int | None,
        actor_access: Access,
        note: str | None,
        at: datetime | None = None,
    ) -> LeadEvent:
        """Move a lead along the pipeline (the moves of ``pipeline.TRANSITIONS`` only), at ``at`` (now when
        not given)."""
        when = self.clock() if at is None else at
        return await pipeline.transition(
            self.db, self.guild_id, lead_id, to_status, actor_id=actor_id, actor_access=actor_access,
            note=note, now=when,
        )  # fmt: skip

    async def set_flags_from(
        self, lead_id: int, prefix: str, flags: Iterable[Flag], *, actor_id: int | None, at: datetime | None = None
    ) -> list[LeadEvent]:
        """Make the lead's flags whose source starts with ``prefix`` exactly ``flags`` (a checklist's), at
        ``at`` (now when not given)."""
        when = self.clock() if at is None else at
        return await pipeline.set_flags_from(
            self.db, self.guild_id, lead_id, prefix, flags, actor_id=actor_id, now=when
        )

    # -- reading ----------------------------------------------------------------------------------
    async def get(self, lead_id: int) -> Lead:
        return await queries.get_lead(self.db, self.guild_id, lead_id)

    async def detail(self, lead_id: int, *, viewer_id: int, viewer_access: Access) -> LeadDetail:
        return await queries.lead_detail(
            self.db, self.guild_id, lead_id, viewer_id=viewer_id, viewer_access=viewer_access, kept=self.kept
        )

    async def list_page(
        self, filters: queries.LeadFilter, *, viewer_id: int, viewer_access: Access, page: int = 0
    ) -> queries.LeadPage:
        return await queries.list_leads(
            self.db, self.guild_id, filters, viewer_id=viewer_id, viewer_access=viewer_access, page=page,
            kept=self.kept,
        )  # fmt: skip

    async def search(self, query: str, *, viewer_id: int, viewer_access: Access) -> list[SearchHit]:
        return await search_leads(self.db, self.guild_id, query, viewer_id=viewer_id, viewer_access=viewer_access)

    async def suggest(self, text: str, *, viewer_id: int, viewer_access: Access) -> list[Suggestion]:
        return await suggest_leads(self.db, self.guild_id, text, viewer_id=viewer_id, viewer_access=viewer_access)

    async def resolve(self, text: str | int, *, viewer_id: int, viewer_access: Access) -> int:
        """The lead a ``lead`` option names: picked from the list, typed as an id, or typed as a name."""
        return await resolve_lead(
            self.db, self.guild_id, text, viewer_id=viewer_id, viewer_access=viewer_access,
            legal_suffixes=self.settings.legal_suffixes,
        )  # fmt: skip

    async def entities(self, text: str = "") -> list[str]:
        return await queries.known_entities(self.db, self.guild_id, text)

    async def export(self, fmt: str, *, status: str | None = None, limit: int | None = None) -> Export:
        """The leads as a file (``limit``: the most bytes it may take, else ExportTooBig)."""
        return await export_leads(self.db, self.guild_id, fmt, status=status, now=self.clock(), limit=limit)

    async def write_export(self, fmt: str, out: IO[bytes], *, status: str | None = None) -> ExportSummary:
        return await write_export(self.db, self.guild_id, fmt, out, status=status, now=self.clock())

    async def events_between(self, start: datetime, end: datetime) -> list[LeadEvent]:
        return await feeds.events_between(self.db, self.guild_id, start, end)

    async def created_between(self, start: datetime, end: datetime) -> list[Lead]:
        return await feeds.created_between(self.db, self.guild_id, start, end)

    async def needs_attention(self, at: datetime | None = None) -> tuple[list[Lead], list[Lead]]:
        """(leads waiting too long, stale leads) as of ``at`` (now when not given)."""
        when = self.clock() if at is None else at
        return await feeds.needs_attention(self.db, self.guild_id, when, self.settings.stale_days)

    # -- the channel cards ------------------------------------------------------------------------
    async def pending_cards(self) -> list[cards.CardJob]:
        return await cards.pending_cards(self.db, self.guild_id)

    async def card_job(self, lead_id: int) -> cards.CardJob | None:
        return await cards.card_job(self.db, self.guild_id, lead_id)

    async def card_done(self, lead_id: int, *, version: int, channel_id: int, message_id: int) -> None:
        await cards.card_done(
            self.db, self.guild_id, lead_id, version=version, channel_id=channel_id, message_id=message_id
        )

    async def card_lost(self, lead_id: int) -> None:
        await cards.card_lost(self.db, self.guild_id, lead_id)


# -- without a running bot (scripts, seeding, tests): a service of its own, built for the call ------


async def find_duplicates(
    db: Database, guild_id: int, partner: str, settings: LeadsSettings
) -> list[register.Duplicate]:
    """:meth:`LeadsService.duplicates`, with a name index built for the call."""
    return await LeadsService(db, guild_id, settings, _no_clock).duplicates(partner)


async def log_lead(
    db: Database,
    guild_id: int,
    draft: LeadDraft,
    *,
    owner_id: int,
    now: datetime,
    settings: LeadsSettings,
    check_duplicates: bool = True,
    owner_access: Access | None = None,
) -> register.AddResult:
    """:meth:`LeadsService.log` at ``now``, with a name index built for the call."""
    service = LeadsService(db, guild_id, settings, lambda: now)
    return await service.log(draft, owner_id=owner_id, owner_access=owner_access, check_duplicates=check_duplicates)


class ReviewService(GuildService[ReviewSettings]):
    """The review of leads in ``in_review`` for one guild: votes, closing due reviews, review cards."""

    async def configure(self) -> None:
        """Store the configured quorum and minimum hours (reviews opened from now on use them)."""
        await pipeline.configure_review(
            self.db, self.guild_id, quorum=self.settings.quorum, min_hours=self.settings.min_hours
        )

    async def state(self, lead_id: int) -> review.ReviewState | None:
        return await review.review_state(self.db, self.guild_id, lead_id)

    async def check_can_vote(self, lead_id: int, *, reviewer_id: int, access: Access) -> None:
        await review.check_can_vote(self.db, self.guild_id, lead_id, reviewer_id=reviewer_id, access=access)

    async def vote(
        self, lead_id: int, vote: str, *, reviewer_id: int, reviewer_access: Access, rationale: str | None = None
    ) -> review.VoteResult:
        return await review.cast_vote(
            self.db, self.guild_id, lead_id, vote, reviewer_id=reviewer_id, reviewer_access=reviewer_access,
            now=self.clock(), rationale=rationale,
        )  # fmt: skip

    async def close_due(self) -> list[LeadEvent]:
        """Approve the leads whose review met its terms by now."""
        return await review.close_due_reviews(self.db, self.guild_id, self.clock())

    async def pending_cards(self) -> list[review.ReviewCardJob]:
        return await review.pending_review_cards(self.db, self.guild_id)

    async def card_job(self, lead_id: int) -> review.ReviewCardJob | None:
        return await review.review_card_job(self.db, self.guild_id, lead_id)

    async def card_done(self, review_id: int, *, version: int, channel_id: int, message_id: int) -> None:
        await review.review_card_done(
            self.db, self.guild_id, review_id, version=version, channel_id=channel_id, message_id=message_id
        )

    async def card_lost(self, review_id: int) -> None:
        await review.review_card_lost(self.db, self.guild_id, review_id)


def _no_clock() -> datetime:
    raise RuntimeError("this service was built for a lookup, which needs no time")
