"""A completed run's effects: its note, flags and status move on the lead, and the digest's feed."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.errors import Conflict, NotFound
from bot.i18n import BULLET, language_of, t, tn
from bot.services.access import Access
from bot.services.checklists.model import (
    FLAG_SOURCE,
    SYNC_DONE,
    SYNC_FLAGS,
    SYNC_NOTE,
    ChecklistRun,
    CompletedRun,
    to_ts,
)
from bot.services.checklists.store import load_runs, runs_for_lead
from bot.services.leads.model import Flag, LeadEvent
from bot.services.leads.service import LeadsService

log = logging.getLogger(__name__)


async def completed_between(
    db: Database, guild_id: int, start: datetime, end: datetime, *, leads: LeadsService
) -> list[CompletedRun]:
    """Runs completed in [start, end), oldest first, with their flags (for the digest); the partners' names
    are read through ``leads``."""
    runs = await load_runs(
        db,
        "guild_id = ? AND status = 'completed' AND completed_at >= ? AND completed_at < ? ORDER BY completed_at, id",
        (guild_id, to_ts(start), to_ts(end)),
    )
    partners: dict[int, str] = {}
    result = []
    for run in runs:
        if run.lead_id not in partners:
            try:
                partners[run.lead_id] = (await leads.get(run.lead_id)).partner
            except NotFound:
                partners[run.lead_id] = f"L-{run.lead_id}"
        assert run.completed_at is not None
        result.append(
            CompletedRun(
                run_id=run.id,
                lead_id=run.lead_id,
                partner=partners[run.lead_id],
                questionnaire_title=run.questionnaire.title,
                completed_at=run.completed_at,
                flags=[(f.severity, f.message) for f in run.flags()],
            )
        )
    return result


def summary_note(run: ChecklistRun, locale: str) -> str:
    """The completed run as a note on the lead's history (plain text, at most 1,000 characters)."""
    loc = run.questionnaire.localized(locale)
    lines = [
        t(
            locale,
            "checklist.note.completed",
            title=loc.title,
            run=f"#{run.id}",
            answered=tn(locale, "checklist.count.answered", run.answered_count),
            skipped=tn(locale, "checklist.count.skipped", run.skipped_count),
        )
    ]
    by_id = {q.id: q for q in run.questionnaire.questions}
    colon = "\u202f: " if language_of(locale) == "fr" else ": "
    for flag in run.flags():
        severity = t(locale, f"checklist.severity.{flag.severity}")
        lines.append(f"{BULLET} {severity}{colon}{loc.flag_message(by_id[flag.question_id])}")
    text = "\n".join(lines)
    return text if len(text) <= 1000 else text[:999] + "…"


def lead_flags(run: ChecklistRun, locale: str) -> list[Flag]:
    """The flags the run's answers raise as they stand, as they go on the lead: what the flag says, which
    question raised it, and who gave that answer."""
    loc = run.questionnaire.localized(locale)
    by_id = {q.id: q for q in run.questionnaire.questions}
    flags = []
    for raised in run.flags():
        answer = run.answers[raised.question_id]
        number = run.questionnaire.index_of(raised.question_id) + 1
        message = t(
            locale, "checklist.flag_on_lead", message=loc.flag_message(by_id[raised.question_id]), number=number
        )
        flags.append(Flag(f"{FLAG_SOURCE}:{run.id}:{raised.question_id}", raised.severity, message, answer.answered_by))
    return flags


async def sync_flags(
    run: ChecklistRun, *, leads: LeadsService, locale: str, at: datetime | None = None
) -> list[LeadEvent]:
    """Put on the lead the flags the run's answers raise right now, and take off those a changed answer no
    longer raises (from the moment of the answer, not only when the run is finished; a cancelled run's all
    come off). Written through ``leads`` at ``at`` (the leads service's now when not given)."""
    raised = [] if run.status == "cancelled" else lead_flags(run, locale)
    return await leads.set_flags_from(run.lead_id, f"{FLAG_SOURCE}:{run.id}:", raised, actor_id=None, at=at)


async def _set_sync(db: Database, run: ChecklistRun, stage: int) -> None:
    await db.run_sync(_record_sync_stage, run.id, stage)


def _record_sync_stage(conn: sqlite3.Connection, run_id: int, stage: int) -> None:
    conn.execute("UPDATE checklist_runs SET lead_sync = ? WHERE id = ?", (stage, run_id))


async def sync_lead(
    db: Database, run: ChecklistRun, *, leads: LeadsService, on_complete: str, locale: str, now: datetime
) -> LeadEvent | None:
    """Carry a completed run onto its lead through ``leads``: the summary as a note, high flags, then (when
    configured) the move to ``in_review``, all three at the one moment ``now`` (so the lead's history shows
    them together, in that order). Each stage is recorded, so a retry after a failure does not repeat one.
    Returns the move's event, for the caller to dispatch as ``lead_event``."""
    if run.status != "completed" or run.lead_sync >= SYNC_DONE:
        return None
    actor = run.completed_by or run.started_by
    if run.lead_sync < SYNC_NOTE:
        await leads.note(run.lead_id, summary_note(run, locale), actor_id=actor, at=now)
        await _set_sync(db, run, SYNC_NOTE)
    if run.lead_sync < SYNC_FLAGS:
        await sync_flags(run, leads=leads, locale=locale, at=now)
        await _set_sync(db, run, SYNC_FLAGS)
    event = None
    if on_complete == "in_review":
        try:
            event = await leads.move(
                run.lead_id,
                "in_review",
                actor_id=actor,
                actor_access=Access.WORKING_GROUP,
                note=t(locale, "checklist.note.review", title=run.questionnaire.localized(locale).title),
                at=now,
            )
        except Conflict:
            log.info("lead %s could not move to in_review after run %s", run.lead_id, run.id)
    await _set_sync(db, run, SYNC_DONE)
    return event


@dataclass(frozen=True)
class ReviewReadiness:
    """What a review of the lead should know: its open high flags and its latest checklist run."""

    high_flags: int
    latest_run: ChecklistRun | None

    @property
    def unfinished_run(self) -> ChecklistRun | None:
        """The latest run, if it is still open (a lead that goes to review now leaves it unfinished)."""
        run = self.latest_run
        return run if run is not None and run.status == "open" else None


async def review_readiness(db: Database, guild_id: int, lead_id: int, *, leads: LeadsService) -> ReviewReadiness:
    """The lead's open high flags (read through ``leads``) and latest checklist run, for the review card and
    the mover's warnings."""
    lead = await leads.get(lead_id)
    runs = await runs_for_lead(db, guild_id, lead_id)
    high = sum(1 for flag in lead.flags if flag.severity == "high")
    return ReviewReadiness(high_flags=high, latest_run=runs[0] if runs else None)
