"""Changing a run: start, answer, skip, go back, cancel. Each change is one conditional transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime
from typing import Any

from bot.db import Database
from bot.errors import Conflict, InvalidInput
from bot.i18n import t, term
from bot.services.access import Access
from bot.services.checklists.model import (
    ChecklistRun,
    StartOutcome,
    Step,
    current_question,
    refuse_closed,
    to_ts,
    validate_value,
)
from bot.services.checklists.store import get_run, load_runs, runs_for_lead
from bot.services.leads.model import CLOSED_STATUSES
from bot.services.leads.service import LeadsService
from bot.services.questionnaires import Questionnaire, snapshot

log = logging.getLogger(__name__)


async def _open_run(db: Database, guild_id: int, lead_id: int, questionnaire_id: str) -> ChecklistRun | None:
    found = await load_runs(
        db,
        "guild_id = ? AND lead_id = ? AND questionnaire_id = ? AND status = 'open'",
        (guild_id, lead_id, questionnaire_id),
    )
    return found[0] if found else None


async def start_run(
    db: Database,
    guild_id: int,
    lead_id: int,
    questionnaire: Questionnaire,
    *,
    leads: LeadsService,
    actor_id: int,
    actor_access: Access,
    now: datetime,
    locale: str = "en",
) -> StartOutcome:
    """Open a run (or find the one already open for this lead and questionnaire) and move a
    ``logged`` lead to ``assessing`` through ``leads`` (the guild's leads service), both at ``now``.
    The thread is attached afterwards with :func:`set_thread`."""
    lead = await leads.get(lead_id)
    if lead.status in CLOSED_STATUSES:
        # A completed, vetoed, declined or withdrawn lead has nothing left to decide.
        raise Conflict("checklist.lead_closed", ref=lead.ref, status=term(locale, "status", lead.status))
    existing = await _open_run(db, guild_id, lead_id, questionnaire.id)
    if existing is not None:
        return StartOutcome(existing, lead, created=False, event=None)
    try:
        run_id = await db.run_sync(
            _insert_run,
            (
                guild_id,
                lead_id,
                questionnaire.id,
                questionnaire.version,
                questionnaire.title,
                snapshot(questionnaire),
                actor_id,
                to_ts(now),
                to_ts(now),
            ),
        )
    except sqlite3.IntegrityError:
        # Another start for the same lead and questionnaire committed first.
        existing = await _open_run(db, guild_id, lead_id, questionnaire.id)
        if existing is None:
            raise
        return StartOutcome(existing, lead, created=False, event=None)
    event = None
    if lead.status == "logged":
        try:
            event = await leads.move(
                lead_id,
                "assessing",
                actor_id=actor_id,
                actor_access=actor_access,
                note=t(locale, "checklist.note.started", title=questionnaire.title),
                at=now,
            )
        except Conflict:
            log.info("lead %s left logged before its checklist could move it", lead_id)
    return StartOutcome(await get_run(db, guild_id, run_id), lead, created=True, event=event)


def _insert_run(conn: sqlite3.Connection, values: tuple[Any, ...]) -> int:
    cursor = conn.execute(
        "INSERT INTO checklist_runs (guild_id, lead_id, questionnaire_id, questionnaire_version, "
        "questionnaire_title, snapshot, started_by, started_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        values,
    )
    return int(cursor.lastrowid or 0)


async def _advance(
    db: Database,
    run: ChecklistRun,
    index: int,
    value: Any,
    *,
    skipped: bool,
    actor_id: int,
    now: datetime,
) -> None:
    """Record the answer at ``index`` and move on, in one transaction. The UPDATE only matches while
    the run still waits on ``index``: of two presses at once, the second matches nothing."""
    question = run.questionnaire.questions[index]
    stored = None if skipped else json.dumps(value, ensure_ascii=False)
    await db.run_sync(_record_answer, run, index, question.id, stored, skipped, actor_id, to_ts(now))


def _record_answer(
    conn: sqlite3.Connection,
    run: ChecklistRun,
    index: int,
    question_id: str,
    value: str | None,
    skipped: bool,
    actor_id: int,
    ts: int,
) -> None:
    """:func:`_advance`'s write: move the run past ``index`` (Conflict when it no longer waits there),
    then store the answer."""
    following = index + 1
    done = following >= run.total
    cursor = conn.execute(
        "UPDATE checklist_runs SET position = ?, updated_at = ?, step = step + 1, "
        "status = CASE WHEN ? THEN 'completed' ELSE status END, "
        "completed_by = CASE WHEN ? THEN ? ELSE completed_by END, "
        "completed_at = CASE WHEN ? THEN ? ELSE completed_at END "
        "WHERE id = ? AND guild_id = ? AND status = 'open' AND position = ?",
        (following, ts, done, done, actor_id, done, ts, run.id, run.guild_id, index),
    )
    if cursor.rowcount != 1:
        raise Conflict("checklist.already_answered")
    conn.execute(
        "INSERT INTO checklist_answers (run_id, guild_id, question_id, position, value, skipped, "
        "answered_by, answered_at) VALUES (?,?,?,?,?,?,?,?) "
        "ON CONFLICT (run_id, question_id) DO UPDATE SET value = excluded.value, "
        "skipped = excluded.skipped, answered_by = excluded.answered_by, "
        "answered_at = excluded.answered_at",
        (run.id, run.guild_id, question_id, index, value, int(skipped), actor_id, ts),
    )


async def answer(
    db: Database, guild_id: int, run_id: int, question_id: str, value: Any, *, actor_id: int, now: datetime
) -> Step:
    """Answer the question being asked. Conflict when the run moved on or closed, InvalidInput when
    the value does not fit the question (nothing is written in either case)."""
    run = await get_run(db, guild_id, run_id)
    index, question = current_question(run, question_id)
    stored = validate_value(question, value)
    await _advance(db, run, index, stored, skipped=False, actor_id=actor_id, now=now)
    after = await get_run(db, guild_id, run_id)
    return Step(after, question, after.answers.get(question.id))


async def skip(db: Database, guild_id: int, run_id: int, question_id: str, *, actor_id: int, now: datetime) -> Step:
    run = await get_run(db, guild_id, run_id)
    index, question = current_question(run, question_id)
    if question.required:
        raise InvalidInput("checklist.required")
    await _advance(db, run, index, None, skipped=True, actor_id=actor_id, now=now)
    after = await get_run(db, guild_id, run_id)
    return Step(after, question, after.answers.get(question.id))


async def back(db: Database, guild_id: int, run_id: int, question_id: str, *, now: datetime) -> Step:
    """Ask the previous question again; its answer stays until someone gives a new one."""
    run = await get_run(db, guild_id, run_id)
    index, question = current_question(run, question_id)
    if index == 0:
        raise InvalidInput("checklist.no_previous")
    await db.run_sync(_step_back, guild_id, run.id, index, to_ts(now))
    return Step(await get_run(db, guild_id, run_id), question, None, went_back=True)


def _step_back(conn: sqlite3.Connection, guild_id: int, run_id: int, index: int, ts: int) -> None:
    """Move the run from ``index`` back one question; Conflict when it no longer waits on ``index``."""
    cursor = conn.execute(
        "UPDATE checklist_runs SET position = ?, updated_at = ?, step = step + 1 "
        "WHERE id = ? AND guild_id = ? AND status = 'open' AND position = ?",
        (index - 1, ts, run_id, guild_id, index),
    )
    if cursor.rowcount != 1:
        raise Conflict("checklist.already_answered")


async def cancel_run(db: Database, guild_id: int, run_id: int, *, actor_id: int | None, now: datetime) -> ChecklistRun:
    """Close an open run for good; its thread is told and archived by the caller. ``actor_id`` is None
    when no one pressed anything (the lead itself was closed)."""
    refuse_closed(await get_run(db, guild_id, run_id))
    if not await db.run_sync(_cancel, guild_id, run_id, actor_id, to_ts(now)):
        # Completed or cancelled since the read above (the UPDATE wrote nothing; a run never reopens,
        # so reading it after the write finds the same state as reading it inside).
        refuse_closed(await get_run(db, guild_id, run_id))
    return await get_run(db, guild_id, run_id)


def _cancel(conn: sqlite3.Connection, guild_id: int, run_id: int, actor_id: int | None, ts: int) -> bool:
    """Cancel the run if it is still open; False when it is not (nothing written)."""
    cursor = conn.execute(
        "UPDATE checklist_runs SET status = 'cancelled', cancelled_by = ?, cancelled_at = ?, "
        "updated_at = ? WHERE id = ? AND guild_id = ? AND status = 'open'",
        (actor_id, ts, ts, run_id, guild_id),
    )
    return cursor.rowcount == 1


async def cancel_runs_of_closed_lead(
    db: Database, guild_id: int, lead_id: int, *, actor_id: int | None, now: datetime
) -> list[ChecklistRun]:
    """Cancel the open runs of a lead that has just been closed (completed, vetoed, declined, withdrawn):
    answers would decide nothing any more. Returns the runs cancelled; their threads are told by the caller."""
    cancelled = []
    for run in await runs_for_lead(db, guild_id, lead_id):
        if run.status != "open":
            continue
        try:
            cancelled.append(await cancel_run(db, guild_id, run.id, actor_id=actor_id, now=now))
        except Conflict:
            continue  # completed or cancelled meanwhile
    return cancelled
