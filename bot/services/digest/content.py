"""What a digest period held: leads, moves, reviews, checklists, updates, feedback, leads needing attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import LeadsSettings
from bot.db import Database
from bot.services import checklists, feedback, leads, updates
from bot.services.checklists import CompletedRun
from bot.services.feedback import FeedbackDigest
from bot.services.leads.service import LeadsService
from bot.services.updates import Update
from bot.services.wiki.publish import WikiTrouble, trouble


@dataclass(frozen=True)
class DigestContent:
    """Everything one digest reports, as the feature services returned it."""

    start: datetime
    end: datetime
    now: datetime
    new_leads: list[leads.Lead]
    moves: list[leads.LeadEvent]
    reviews: list[leads.ReviewState]
    checklists: list[checklists.CompletedRun]
    updates: list[updates.Update]
    feedback: feedback.FeedbackDigest
    flagged: list[leads.Lead]
    stale: list[leads.Lead]
    #: How many members hold the reviewers role (None: not known), for reviews that cannot reach quorum.
    reviewers: int | None = None
    #: What keeps the wiki's pages from being updated (nothing when no wiki is configured).
    wiki: WikiTrouble | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.new_leads
            or self.moves
            or self.reviews
            or self.checklists
            or self.updates
            or self.feedback.released
            or self.feedback.waiting
            or self.flagged
            or self.stale
            or self.wiki
        )


def is_move(event: leads.LeadEvent) -> bool:
    """Status changes (creation, notes, flags and single approvals are events too, but not moves)."""
    return event.kind == "status" and bool(event.to_status) and event.from_status != event.to_status


def is_reasoned_approval(event: leads.LeadEvent) -> bool:
    """An approval given with a written reason (over open high flags): the digest shows it with the moves."""
    return event.kind == "approve" and bool(event.note)


async def collect(
    db: Database,
    guild_id: int,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    stale_days: int,
    reviewers: int | None = None,
    wiki: bool = False,
) -> DigestContent:
    """Read the period ``[start, end)`` from every feature (reviews and *needs attention* as of ``now``;
    with ``wiki``, a wiki is configured, so what keeps its pages from being updated, if anything).

    :meth:`DigestService._collect` without a running bot (scripts, benchmarks, tests): the checklists read
    the partners' names through a leads service built for the call."""
    events = await leads.events_between(db, guild_id, start, end)
    attention = await leads.needs_attention(db, guild_id, now, stale_days)
    lookup = LeadsService(db, guild_id, LeadsSettings(), lambda: now)
    return await assemble(
        db, guild_id, start, end, now=now, events=events, attention=attention,
        new_leads=await leads.created_between(db, guild_id, start, end),
        checklists=await checklists.completed_between(db, guild_id, start, end, leads=lookup),
        updates=await updates.posted_between(db, guild_id, start, end),
        feedback=await feedback.digest_info(db, guild_id, start, end), reviewers=reviewers, wiki=wiki,
    )  # fmt: skip


async def assemble(
    db: Database,
    guild_id: int,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    events: list[leads.LeadEvent],
    attention: tuple[list[leads.Lead], list[leads.Lead]],
    new_leads: list[leads.Lead],
    checklists: list[CompletedRun],
    updates: list[Update],
    feedback: FeedbackDigest,
    reviewers: int | None,
    wiki: bool,
) -> DigestContent:
    """The digest of ``[start, end)`` from what the feature services read for it (the lead ``events`` of
    the period, the leads ``attention`` flagged and stale, the ``new_leads``, the ``checklists`` completed
    and the ``updates`` posted, the ``feedback``), with the reviews and wiki read here."""
    flagged, stale = attention
    return DigestContent(
        start=start,
        end=end,
        now=now,
        new_leads=new_leads,
        moves=[e for e in events if is_move(e) or is_reasoned_approval(e)],
        reviews=await leads.open_reviews(db, guild_id),
        checklists=checklists,
        updates=updates,
        feedback=feedback,
        flagged=flagged,
        stale=stale,
        reviewers=reviewers,
        wiki=await trouble(db, guild_id) if wiki else None,
    )
