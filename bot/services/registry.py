"""Every feature's service, built once by the composition root (:mod:`bot.compose`) with the database, the
clock, the guild and its settings bound in. A cog is handed the services it uses and calls their methods;
it never passes the database, the guild or the time itself."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.services.checklists.service import ChecklistService
from bot.services.digest.service import DigestService
from bot.services.feedback.service import FeedbackService
from bot.services.leads.service import LeadsService, ReviewService
from bot.services.outbox import Outbox
from bot.services.updates.service import UpdatesService
from bot.services.wiki.service import WikiService


@dataclass(frozen=True)
class Services:
    leads: LeadsService
    review: ReviewService
    checklists: ChecklistService
    updates: UpdatesService
    feedback: FeedbackService
    digest: DigestService
    #: Posts the bot has tried to make (see :func:`bot.ui.posting.post_once`).
    outbox: Outbox
    #: Only when ``wiki:`` is configured.
    wiki: WikiService | None


def build_services(db: Database, settings: Settings, clock: Clock) -> Services:
    guild_id = settings.guild_id
    leads = LeadsService(db, guild_id, settings.leads, clock)
    feedback = FeedbackService(db, guild_id, settings.feedback, clock)
    outbox = Outbox(db, guild_id, clock)
    checklists = ChecklistService(
        db, guild_id, settings.checklists, clock, leads, outbox, questionnaire_folder=settings.questionnaires
    )
    updates = UpdatesService(db, guild_id, settings.updates, clock, outbox)
    return Services(
        leads=leads,
        review=ReviewService(db, guild_id, settings.review, clock),
        checklists=checklists,
        updates=updates,
        feedback=feedback,
        digest=DigestService(
            db, guild_id, settings.digest, clock, leads, feedback, checklists, updates, wiki=settings.wiki is not None
        ),
        outbox=outbox,
        wiki=(
            WikiService(db, guild_id, settings.wiki, clock, fallback_locale=settings.locale)
            if settings.wiki is not None
            else None
        ),
    )
