"""Checklist runs: start, answer, skip, go back, complete and cancel; each run keeps its own snapshot."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.db import Database, Row
from bot.errors import Conflict, InvalidInput, NotFound
from bot.i18n import t
from bot.services import leads
from bot.services.access import Access
from bot.services.questionnaires import (
    SCALE,
    SEVERITIES,
    YESNO,
    Question,
    Questionnaire,
    from_snapshot,
    snapshot,
)

log = logging.getLogger(__name__)

TEXT_ANSWER_LIMIT = 1000
#: lead_sync stages of a completed run: the note, the flags, then the status change.
SYNC_NOTE, SYNC_FLAGS, SYNC_DONE = 1, 2, 3
FLAG_SOURCE = "checklist"


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


@dataclass(frozen=True)
class Answer:
    question_id: str
    position: int
    #: "yes"/"no", 1-5, an option value, a list of option values, or text; None when skipped.
    value: Any
    skipped: bool
    answered_by: int
    answered_at: datetime


@dataclass(frozen=True)
class RaisedFlag:
    question_id: str
    severity: str
    #: In the questionnaire's own language; render with ``Localized.flag_message`` for others.
    message: str


@dataclass(frozen=True)
class ChecklistRun:
    id: int
    guild_id: int
    lead_id: int
    questionnaire: Questionnaire
    status: str
    position: int
    posted_position: int | None
    step: int
    thread_id: int | None
    question_message_id: int | None
    summary_message_id: int | None
    lead_sync: int
    closed_posted: bool
    started_by: int
    started_at: datetime
    completed_by: int | None
    completed_at: datetime | None
    cancelled_by: int | None
    cancelled_at: datetime | None
    answers: dict[str, Answer]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def total(self) -> int:
        return len(self.questionnaire.questions)

    @property
    def current(self) -> Question | None:
        """The question being asked (None once the run is no longer open)."""
        if not self.is_open or self.position >= self.total:
            return None
        return self.questionnaire.questions[self.position]

    @property
    def needs_post(self) -> bool:
        return self.is_open and self.thread_id is not None and self.posted_position != self.position

    @property
    def answered_count(self) -> int:
        return sum(1 for a in self.answers.values() if not a.skipped)

    @property
    def skipped_count(self) -> int:
        return sum(1 for a in self.answers.values() if a.skipped)

    @property
    def participants(self) -> tuple[int, ...]:
        """Who started the run, then who answered, in order of their first answer."""
        ordered = sorted(self.answers.values(), key=lambda a: (a.answered_at, a.position))
        return tuple(dict.fromkeys([self.started_by, *(a.answered_by for a in ordered)]))

    def flags(self) -> list[RaisedFlag]:
        """Flags the answers raise, most severe first, in question order within a severity."""
        raised = []
        for question in self.questionnaire.questions:
            answer = self.answers.get(question.id)
            if question.flag is not None and answer is not None and flag_raised(question, answer.value):
                raised.append(RaisedFlag(question.id, question.flag.severity, question.flag.message))
        return sorted(raised, key=lambda f: SEVERITIES.index(f.severity))


@dataclass(frozen=True)
class StartOutcome:
    run: ChecklistRun
    lead: leads.Lead
    created: bool
    #: The lead's move to ``assessing`` (dispatch it as ``lead_event``), if there was one.
    event: leads.LeadEvent | None


@dataclass(frozen=True)
class Step:
    """What one press did: the run after it, the question it was about, and what comes next."""

    run: ChecklistRun
    question: Question
    answer: Answer | None
    went_back: bool = False

    @property
    def completed(self) -> bool:
        return self.run.status == "completed"


@dataclass(frozen=True)
class CompletedRun:
    run_id: int
    lead_id: int
    partner: str
    questionnaire_title: str
    completed_at: datetime
    flags: list[tuple[str, str]]


def flag_raised(question: Question, value: Any) -> bool:
    if question.flag is None or value is None:
        return False
    when = {str(w) for w in question.flag.when}
    if isinstance(value, list):
        return any(str(v) in when for v in value)
    return str(value) in when


def parse_run_id(text: str) -> int:
    """``#12`` or ``12``; anything else is an unknown run."""
    value = str(text).strip().lstrip("#")
    if not value.isdigit():
        raise NotFound("checklist.unknown_run", run=text)
    return int(value)


# -- reading ----------------------------------------------------------------------------------------

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


async def _runs(db: Database, where: str, params: tuple[Any, ...]) -> list[ChecklistRun]:
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
            completed_at=_dt(row["completed_at"]),
            cancelled_by=row["cancelled_by"],
            cancelled_at=_dt(row["cancelled_at"]),
            answers=answers[row["id"]],
        )
        for row in rows
    ]


async def get_run(db: Database, guild_id: int, run_id: int) -> ChecklistRun:
    found = await _runs(db, "id = ? AND guild_id = ?", (run_id, guild_id))
    if not found:
        raise NotFound("checklist.unknown_run", run=f"#{run_id}")
    return found[0]


async def run_for_thread(db: Database, guild_id: int, thread_id: int) -> ChecklistRun:
    """The run whose thread this is; NotFound when the channel is not a checklist thread."""
    found = await _runs(db, "guild_id = ? AND thread_id = ? ORDER BY id DESC LIMIT 1", (guild_id, thread_id))
    if not found:
        raise NotFound("checklist.not_a_run_thread")
    return found[0]


async def runs_for_lead(db: Database, guild_id: int, lead_id: int) -> list[ChecklistRun]:
    """Every run about the lead, newest first."""
    return await _runs(db, "guild_id = ? AND lead_id = ? ORDER BY id DESC", (guild_id, lead_id))


async def open_runs(db: Database, guild_id: int, *, limit: int = 25) -> list[ChecklistRun]:
    return await _runs(db, "guild_id = ? AND status = 'open' ORDER BY id DESC LIMIT ?", (guild_id, limit))


async def pending_runs(db: Database, guild_id: int) -> list[ChecklistRun]:
    """Runs with something still to do on Discord or on the lead (for the cog's tick)."""
    return await _runs(
        db,
        "guild_id = ? AND ((status = 'open' AND (thread_id IS NULL OR posted_position IS NULL "
        "OR posted_position != position)) "
        "OR (status = 'completed' AND (summary_message_id IS NULL OR lead_sync < 3)) "
        "OR (status = 'cancelled' AND closed_posted = 0)) ORDER BY id",
        (guild_id,),
    )


async def completed_between(db: Database, guild_id: int, start: datetime, end: datetime) -> list[CompletedRun]:
    """Runs completed in [start, end), oldest first, with their flags (for the digest)."""
    runs = await _runs(
        db,
        "guild_id = ? AND status = 'completed' AND completed_at >= ? AND completed_at < ? ORDER BY completed_at, id",
        (guild_id, _ts(start), _ts(end)),
    )
    partners: dict[int, str] = {}
    result = []
    for run in runs:
        if run.lead_id not in partners:
            try:
                partners[run.lead_id] = (await leads.get_lead(db, guild_id, run.lead_id)).partner
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


# -- starting ---------------------------------------------------------------------------------------


async def _open_run(db: Database, guild_id: int, lead_id: int, questionnaire_id: str) -> ChecklistRun | None:
    found = await _runs(
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
    actor_id: int,
    actor_access: Access,
    now: datetime,
    locale: str = "en",
) -> StartOutcome:
    """Open a run (or find the one already open for this lead and questionnaire) and move a
    ``logged`` lead to ``assessing``. The thread is attached afterwards with :func:`set_thread`."""
    lead = await leads.get_lead(db, guild_id, lead_id)
    existing = await _open_run(db, guild_id, lead_id, questionnaire.id)
    if existing is not None:
        return StartOutcome(existing, lead, created=False, event=None)
    try:
        async with db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO checklist_runs (guild_id, lead_id, questionnaire_id, questionnaire_version, "
                "questionnaire_title, snapshot, started_by, started_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    guild_id,
                    lead_id,
                    questionnaire.id,
                    questionnaire.version,
                    questionnaire.title,
                    snapshot(questionnaire),
                    actor_id,
                    _ts(now),
                    _ts(now),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
    except sqlite3.IntegrityError:
        # Another start for the same lead and questionnaire committed first.
        existing = await _open_run(db, guild_id, lead_id, questionnaire.id)
        if existing is None:
            raise
        return StartOutcome(existing, lead, created=False, event=None)
    event = None
    if lead.status == "logged":
        try:
            event = await leads.transition(
                db,
                guild_id,
                lead_id,
                "assessing",
                actor_id=actor_id,
                actor_access=actor_access,
                note=t(locale, "checklist.note.started", title=questionnaire.title),
                now=now,
            )
        except Conflict:
            log.info("lead %s left logged before its checklist could move it", lead_id)
    return StartOutcome(await get_run(db, guild_id, run_id), lead, created=True, event=event)


async def set_thread(db: Database, guild_id: int, run_id: int, thread_id: int | None) -> None:
    """Attach the run's thread; None forgets a thread that was deleted, so the next pass opens another."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE checklist_runs SET thread_id = ?, posted_position = NULL, question_message_id = NULL "
            "WHERE id = ? AND guild_id = ?",
            (thread_id, run_id, guild_id),
        )


# -- answering --------------------------------------------------------------------------------------


def _refuse_closed(run: ChecklistRun) -> None:
    if run.status == "cancelled":
        raise Conflict("checklist.run_cancelled", run=f"#{run.id}")
    if run.status == "completed":
        raise Conflict("checklist.run_completed", run=f"#{run.id}")


def current_question(run: ChecklistRun, question_id: str) -> tuple[int, Question]:
    """The question ``question_id`` if it is the one being asked; otherwise the refusal that fits."""
    _refuse_closed(run)
    try:
        index = run.questionnaire.index_of(question_id)
    except KeyError:
        raise Conflict("checklist.already_answered") from None
    if index != run.position:
        raise Conflict("checklist.already_answered")
    return index, run.questionnaire.questions[index]


def validate_value(question: Question, raw: Any) -> Any:
    """The stored form of an answer to ``question``; InvalidInput when it does not fit."""
    values = raw if isinstance(raw, list | tuple) else [raw]
    if question.type == "text":
        text = str(raw if not isinstance(raw, list | tuple) else " ".join(map(str, raw))).strip()
        if not text:
            raise InvalidInput("checklist.text_empty")
        if len(text) > TEXT_ANSWER_LIMIT:
            raise InvalidInput("checklist.text_too_long", limit=TEXT_ANSWER_LIMIT, length=len(text))
        return text
    if question.type == "multi":
        chosen = list(dict.fromkeys(str(v) for v in values))
        if chosen and all(v in question.option_values() for v in chosen):
            return [v for v in question.option_values() if v in chosen]
        raise InvalidInput("checklist.bad_answer")
    if len(values) == 1:
        value = values[0]
        if question.type == "yesno" and value in YESNO:
            return value
        if question.type == "scale" and str(value).isdigit() and int(value) in SCALE:
            return int(value)
        if question.type == "choice" and str(value) in question.option_values():
            return str(value)
    raise InvalidInput("checklist.bad_answer")


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
    following = index + 1
    done = following >= run.total
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE checklist_runs SET position = ?, updated_at = ?, step = step + 1, "
            "status = CASE WHEN ? THEN 'completed' ELSE status END, "
            "completed_by = CASE WHEN ? THEN ? ELSE completed_by END, "
            "completed_at = CASE WHEN ? THEN ? ELSE completed_at END "
            "WHERE id = ? AND guild_id = ? AND status = 'open' AND position = ?",
            (following, _ts(now), done, done, actor_id, done, _ts(now), run.id, run.guild_id, index),
        )
        if cursor.rowcount != 1:
            raise Conflict("checklist.already_answered")
        await conn.execute(
            "INSERT INTO checklist_answers (run_id, guild_id, question_id, position, value, skipped, "
            "answered_by, answered_at) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (run_id, question_id) DO UPDATE SET value = excluded.value, "
            "skipped = excluded.skipped, answered_by = excluded.answered_by, "
            "answered_at = excluded.answered_at",
            (
                run.id,
                run.guild_id,
                question.id,
                index,
                None if skipped else json.dumps(value, ensure_ascii=False),
                int(skipped),
                actor_id,
                _ts(now),
            ),
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
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE checklist_runs SET position = ?, updated_at = ?, step = step + 1 "
            "WHERE id = ? AND guild_id = ? AND status = 'open' AND position = ?",
            (index - 1, _ts(now), run.id, guild_id, index),
        )
        if cursor.rowcount != 1:
            raise Conflict("checklist.already_answered")
    return Step(await get_run(db, guild_id, run_id), question, None, went_back=True)


async def mark_posted(db: Database, guild_id: int, run_id: int, position: int, message_id: int | None) -> bool:
    """Remember that the question at ``position`` is in the thread (unless the run moved on since)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE checklist_runs SET posted_position = ?, question_message_id = ? "
            "WHERE id = ? AND guild_id = ? AND position = ?",
            (position, message_id, run_id, guild_id, position),
        )
        return cursor.rowcount == 1


async def mark_summary_posted(db: Database, guild_id: int, run_id: int, message_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE checklist_runs SET summary_message_id = ? WHERE id = ? AND guild_id = ?",
            (message_id, run_id, guild_id),
        )


async def mark_closed_posted(db: Database, guild_id: int, run_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE checklist_runs SET closed_posted = 1 WHERE id = ? AND guild_id = ?", (run_id, guild_id)
        )


# -- finishing --------------------------------------------------------------------------------------


def summary_note(run: ChecklistRun, locale: str) -> str:
    """The completed run as a note on the lead's history (plain text, at most 1,000 characters)."""
    loc = run.questionnaire.localized(locale)
    lines = [
        t(
            locale,
            "checklist.note.completed",
            title=loc.title,
            run=f"#{run.id}",
            answered=run.answered_count,
            skipped=run.skipped_count,
        )
    ]
    by_id = {q.id: q for q in run.questionnaire.questions}
    for flag in run.flags():
        severity = t(locale, f"checklist.severity.{flag.severity}")
        lines.append(f"- {severity}: {loc.flag_message(by_id[flag.question_id])}")
    text = "\n".join(lines)
    return text if len(text) <= 1000 else text[:999] + "…"


async def _set_sync(db: Database, run: ChecklistRun, stage: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE checklist_runs SET lead_sync = ? WHERE id = ?", (stage, run.id))


async def sync_lead(
    db: Database, run: ChecklistRun, *, on_complete: str, locale: str, now: datetime
) -> leads.LeadEvent | None:
    """Carry a completed run onto its lead: the summary as a note, high flags, then (when configured)
    the move to ``in_review``. Each stage is recorded, so a retry after a failure does not repeat one.
    Returns the move's event, for the caller to dispatch as ``lead_event``."""
    if run.status != "completed" or run.lead_sync >= SYNC_DONE:
        return None
    actor = run.completed_by or run.started_by
    if run.lead_sync < SYNC_NOTE:
        await leads.add_note(db, run.guild_id, run.lead_id, summary_note(run, locale), actor_id=actor, now=now)
        await _set_sync(db, run, SYNC_NOTE)
    if run.lead_sync < SYNC_FLAGS:
        by_id = {q.id: q for q in run.questionnaire.questions}
        high = [
            leads.Flag(FLAG_SOURCE, "high", run.questionnaire.localized(locale).flag_message(by_id[f.question_id]))
            for f in run.flags()
            if f.severity == "high"
        ]
        if high:
            await leads.add_flags(db, run.guild_id, run.lead_id, high, actor_id=actor, now=now)
        await _set_sync(db, run, SYNC_FLAGS)
    event = None
    if on_complete == "in_review":
        try:
            event = await leads.transition(
                db,
                run.guild_id,
                run.lead_id,
                "in_review",
                actor_id=actor,
                actor_access=Access.WORKING_GROUP,
                note=t(locale, "checklist.note.review", title=run.questionnaire.localized(locale).title),
                now=now,
            )
        except Conflict:
            log.info("lead %s could not move to in_review after run %s", run.lead_id, run.id)
    await _set_sync(db, run, SYNC_DONE)
    return event


async def cancel_run(db: Database, guild_id: int, run_id: int, *, actor_id: int, now: datetime) -> ChecklistRun:
    """Close an open run for good; its thread is told and archived by the caller."""
    _refuse_closed(await get_run(db, guild_id, run_id))
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE checklist_runs SET status = 'cancelled', cancelled_by = ?, cancelled_at = ?, "
            "updated_at = ? WHERE id = ? AND guild_id = ? AND status = 'open'",
            (actor_id, _ts(now), _ts(now), run_id, guild_id),
        )
        if cursor.rowcount != 1:  # completed or cancelled since the read above
            _refuse_closed(await get_run(db, guild_id, run_id))
    return await get_run(db, guild_id, run_id)
