"""Reading runs, and recording what has reached Discord (thread, question post, summary, close notice)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from bot.db import Database, Row
from bot.errors import NotFound
from bot.services.checklists.model import Answer, ChecklistRun, from_ts
from bot.services.questionnaires import from_snapshot

_RUN_COLUMNS = (
    "id, guild_id, lead_id, snapshot, status, position, posted_position, step, thread_id, question_message_id, "
    "summary_message_id, lead_sync, closed_posted, started_by, started_at, completed_by, completed_at, "
    "cancelled_by, cancelled_at"
)


def _answer(row: Row) -> Answer:
    return Answer(
        question_id=row["question_id"],
        position=row["position"],
        value=None if row["value"] is None else json.loads(row["value"]),
        skipped=bool(row["skipped"]),
        answered_by=row["answered_by"],
        answered_at=datetime.fromtimestamp(row["answered_at"], UTC),
    )


async def load_runs(db: Database, where: str, params: tuple[Any, ...]) -> list[ChecklistRun]:
    rows = await db.fetchall(f"SELECT {_RUN_COLUMNS} FROM checklist_runs WHERE {where}", params)
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    answers: dict[int, dict[str, Answer]] = {i: {} for i in ids}
    marks = ",".join("?" * len(ids))
    for row in await db.fetchall(
        f"SELECT run_id, question_id, position, value, skipped, answered_by, answered_at "
        f"FROM checklist_answers WHERE run_id IN ({marks})",
        ids,
    ):
        answers[row["run_id"]][row["question_id"]] = _answer(row)
    return [
        ChecklistRun(
            id=row["id"],
            guild_id=row["guild_id"],
            lead_id=row["lead_id"],
            questionnaire=from_snapshot(row["snapshot"]),
            status=row["status"],
            position=row["position"],
            posted_position=row["posted_position"],
            step=row["step"],
            thread_id=row["thread_id"],
            question_message_id=row["question_message_id"],
            summary_message_id=row["summary_message_id"],
            lead_sync=row["lead_sync"],
            closed_posted=bool(row["closed_posted"]),
            started_by=row["started_by"],
            started_at=datetime.fromtimestamp(row["started_at"], UTC),
            completed_by=row["completed_by"],
            completed_at=from_ts(row["completed_at"]),
            cancelled_by=row["cancelled_by"],
            cancelled_at=from_ts(row["cancelled_at"]),
            answers=answers[row["id"]],
        )
        for row in rows
    ]


async def get_run(db: Database, guild_id: int, run_id: int) -> ChecklistRun:
    found = await load_runs(db, "id = ? AND guild_id = ?", (run_id, guild_id))
    if not found:
        raise NotFound("checklist.unknown_run", run=f"#{run_id}")
    return found[0]


async def run_for_thread(db: Database, guild_id: int, thread_id: int) -> ChecklistRun:
    """The run whose thread this is; NotFound when the channel is not a checklist thread."""
    found = await load_runs(db, "guild_id = ? AND thread_id = ? ORDER BY id DESC LIMIT 1", (guild_id, thread_id))
    if not found:
        raise NotFound("checklist.not_a_run_thread")
    return found[0]


async def runs_for_lead(db: Database, guild_id: int, lead_id: int) -> list[ChecklistRun]:
    """Every run about the lead, newest first."""
    return await load_runs(db, "guild_id = ? AND lead_id = ? ORDER BY id DESC", (guild_id, lead_id))


async def open_runs(db: Database, guild_id: int, *, limit: int = 25) -> list[ChecklistRun]:
    return await load_runs(db, "guild_id = ? AND status = 'open' ORDER BY id DESC LIMIT ?", (guild_id, limit))


async def pending_runs(db: Database, guild_id: int) -> list[ChecklistRun]:
    """Runs with something still to do on Discord or on the lead (for the cog's tick)."""
    return await load_runs(
        db,
        "guild_id = ? AND ((status = 'open' AND (thread_id IS NULL OR posted_position IS NULL "
        "OR posted_position != position)) "
        "OR (status = 'completed' AND (summary_message_id IS NULL OR lead_sync < 3)) "
        "OR (status = 'cancelled' AND closed_posted = 0)) ORDER BY id",
        (guild_id,),
    )


async def set_thread(db: Database, guild_id: int, run_id: int, thread_id: int | None) -> None:
    """Attach the run's thread; None forgets a thread that was deleted, so the next pass opens another."""
    await db.run_sync(_set_thread, guild_id, run_id, thread_id)


def _set_thread(conn: sqlite3.Connection, guild_id: int, run_id: int, thread_id: int | None) -> None:
    conn.execute(
        "UPDATE checklist_runs SET thread_id = ?, posted_position = NULL, question_message_id = NULL "
        "WHERE id = ? AND guild_id = ?",
        (thread_id, run_id, guild_id),
    )


async def mark_posted(db: Database, guild_id: int, run_id: int, position: int, message_id: int | None) -> bool:
    """Remember that the question at ``position`` is in the thread (unless the run moved on since)."""
    return await db.run_sync(_set_posted, guild_id, run_id, position, message_id)


def _set_posted(conn: sqlite3.Connection, guild_id: int, run_id: int, position: int, message_id: int | None) -> bool:
    cursor = conn.execute(
        "UPDATE checklist_runs SET posted_position = ?, question_message_id = ? "
        "WHERE id = ? AND guild_id = ? AND position = ?",
        (position, message_id, run_id, guild_id, position),
    )
    return cursor.rowcount == 1


async def mark_summary_posted(db: Database, guild_id: int, run_id: int, message_id: int) -> None:
    await db.run_sync(_set_summary_posted, guild_id, run_id, message_id)


def _set_summary_posted(conn: sqlite3.Connection, guild_id: int, run_id: int, message_id: int) -> None:
    conn.execute(
        "UPDATE checklist_runs SET summary_message_id = ? WHERE id = ? AND guild_id = ?",
        (message_id, run_id, guild_id),
    )


async def mark_closed_posted(db: Database, guild_id: int, run_id: int) -> None:
    await db.run_sync(_set_closed_posted, guild_id, run_id)


def _set_closed_posted(conn: sqlite3.Connection, guild_id: int, run_id: int) -> None:
    conn.execute("UPDATE checklist_runs SET closed_posted = 1 WHERE id = ? AND guild_id = ?", (run_id, guild_id))
