"""The pipeline: the one transition table every status change goes through (commands, checklists, review
outcomes), and the events, notes and flags that record every change."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.services.access import Access
from bot.services.leads.model import (
    NOTE_MAX,
    RATIONALE_MIN,
    STATUSES,
    Flag,
    LeadEvent,
    StatusWords,
    check_note,
    clean_text,
    ref,
    to_ts,
)
from bot.services.leads.steps import check_visible, insert_flags, lead_row, record_event, touch

DEFAULT_QUORUM = 2
DEFAULT_MIN_HOURS = 72.0
QUORUM_KEY = "leads.review.quorum"
MIN_HOURS_KEY = "leads.review.min_hours"


@dataclass(frozen=True)
class Move:
    """One legal step. ``note`` is optional, required, or rationale (required, at least 20 characters)."""

    target: str
    access: Access = Access.WORKING_GROUP
    owner_may: bool = False
    note: str = "optional"
    by_review: bool = False


_DECLINE = Move("declined", note="required")
_WITHDRAW = Move("withdrawn", owner_may=True)

#: status -> the moves out of it. docs/design.md section 1, "Pipeline".
TRANSITIONS: Mapping[str, tuple[Move, ...]] = {
    "logged": (Move("assessing"), _DECLINE, _WITHDRAW),
    "assessing": (Move("in_review"), _DECLINE, _WITHDRAW),
    "in_review": (
        Move("approved", access=Access.REVIEWER, by_review=True),
        Move("vetoed", access=Access.REVIEWER, note="rationale"),
        _DECLINE,
        _WITHDRAW,
    ),
    "approved": (Move("negotiating"), _DECLINE, _WITHDRAW),
    "negotiating": (Move("active"), Move("paused"), _DECLINE, _WITHDRAW),
    "active": (Move("completed", note="required"), Move("paused"), _DECLINE, _WITHDRAW),
    "paused": (Move("negotiating"), Move("active"), _DECLINE, _WITHDRAW),
    "completed": (),
    "vetoed": (),
    "declined": (),
    "withdrawn": (),
}


def find_move(status: str, target: str) -> Move | None:
    return next((m for m in TRANSITIONS.get(status, ()) if m.target == target), None)


def may_make(move: Move, access: Access, is_owner: bool) -> bool:
    return not move.by_review and (access >= move.access or (move.owner_may and is_owner))


def legal_targets(status: str, access: Access = Access.REVIEWER, is_owner: bool = True) -> list[str]:
    """Where a lead in ``status`` can be moved by someone with ``access`` (review outcomes excluded)."""
    return [m.target for m in TRANSITIONS.get(status, ()) if may_make(m, access, is_owner)]


# -- review terms ---------------------------------------------------------------------------------


async def configure_review(db: Database, guild_id: int, *, quorum: int, min_hours: float) -> None:
    """Record the configured review terms; each review takes them when it opens (the leads cog calls
    this at start, so services that move leads into review need no settings)."""
    await db.run_sync(_store_review_terms, guild_id, quorum, min_hours)


def _store_review_terms(conn: sqlite3.Connection, guild_id: int, quorum: int, min_hours: float) -> None:
    for key, value in ((QUORUM_KEY, str(int(quorum))), (MIN_HOURS_KEY, repr(float(min_hours)))):
        conn.execute(
            "INSERT INTO guild_state (guild_id, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
            (guild_id, key, value),
        )


def _review_terms(conn: sqlite3.Connection, guild_id: int) -> tuple[int, float]:
    values = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT key, value FROM guild_state WHERE guild_id = ? AND key IN (?, ?)",
            (guild_id, QUORUM_KEY, MIN_HOURS_KEY),
        ).fetchall()
    }
    return int(values.get(QUORUM_KEY, DEFAULT_QUORUM)), float(values.get(MIN_HOURS_KEY, DEFAULT_MIN_HOURS))


#: Statuses whose required note has its own refusal message (``lead.note_required.<status>``).
_NOTE_KEYS = frozenset({"declined", "completed"})


def check_move(
    row: sqlite3.Row, to_status: str, *, actor_id: int | None, actor_access: Access, note: str | None
) -> tuple[Move, str | None]:
    """The move and its cleaned note, or the reason it is refused."""
    status = row["status"]
    is_owner = actor_id is not None and row["owner_id"] == actor_id
    target = (to_status or "").strip().lower().replace(" ", "_").replace("-", "_")
    if target == status:
        raise Conflict("lead.already_status", ref=ref(row["id"]), status=StatusWords(status))
    move = find_move(status, target) if target in STATUSES else None
    if move is None:
        legal = legal_targets(status, actor_access, is_owner)
        if not TRANSITIONS.get(status):
            raise Conflict("lead.no_moves", ref=ref(row["id"]), status=StatusWords(status))
        raise Conflict(
            "lead.illegal_move",
            ref=ref(row["id"]),
            status=StatusWords(status),
            target=StatusWords(to_status),
            legal=StatusWords(*legal),
        )
    if move.by_review:
        raise Conflict("lead.approve_by_review", ref=ref(row["id"]))
    if not may_make(move, actor_access, is_owner):
        raise NotAllowed(f"error.needs_role.{move.access.name.lower()}")
    cleaned = clean_text(note)
    if cleaned is not None and len(cleaned) > NOTE_MAX:
        raise InvalidInput("lead.text_too_long", field="note", max=NOTE_MAX, length=len(cleaned))
    if move.note == "required" and cleaned is None:
        # Each status says what its note is for (why it was declined; the lessons learned).
        key = f"lead.note_required.{move.target}" if move.target in _NOTE_KEYS else "lead.note_required"
        raise InvalidInput(key, status=StatusWords(move.target))
    if move.note == "rationale" and (cleaned is None or len(cleaned) < RATIONALE_MIN):
        raise InvalidInput("review.rationale_short", min=RATIONALE_MIN)
    return move, cleaned


def apply_move(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    to_status: str,
    *,
    actor_id: int | None,
    note: str | None,
    now: datetime,
) -> LeadEvent:
    """Make an already checked move: status, history, and opening or closing the review."""
    lead_id, guild_id, from_status = row["id"], row["guild_id"], row["status"]
    when = to_ts(now)
    conn.execute(
        "UPDATE leads SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        (to_status, when, lead_id),
    )
    if to_status == "in_review":
        quorum, min_hours = _review_terms(conn, guild_id)
        conn.execute(
            "INSERT INTO lead_reviews (guild_id, lead_id, quorum, opened_at, closes_at) VALUES (?, ?, ?, ?, ?)",
            (guild_id, lead_id, quorum, when, when + round(min_hours * 3600)),
        )
    if from_status == "in_review":
        outcome = to_status if to_status in ("approved", "vetoed") else "ended"
        review = conn.execute(
            "SELECT id FROM lead_reviews WHERE lead_id = ? AND closed_at IS NULL", (lead_id,)
        ).fetchone()
        if review is not None:
            if to_status == "vetoed" and actor_id is not None:
                # A recusal binds every path: /lead move is refused exactly as the Veto button is.
                recused = conn.execute(
                    "SELECT 1 FROM review_votes WHERE review_id = ? AND reviewer_id = ? AND vote = 'recuse'",
                    (review[0], actor_id),
                ).fetchone()
                if recused is not None:
                    raise Conflict("review.already_recused", ref=ref(lead_id))
            conn.execute(
                "UPDATE lead_reviews SET closed_at = ?, outcome = ?, version = version + 1 WHERE id = ?",
                (when, outcome, review[0]),
            )
            if to_status == "vetoed" and actor_id is not None:
                conn.execute(
                    "INSERT INTO review_votes (review_id, guild_id, reviewer_id, vote, rationale, at) "
                    "VALUES (?, ?, ?, 'veto', ?, ?) ON CONFLICT (review_id, reviewer_id) DO UPDATE "
                    "SET vote = 'veto', rationale = excluded.rationale, at = excluded.at",
                    (review[0], guild_id, actor_id, note, when),
                )
    return record_event(
        conn,
        row,
        actor_id=actor_id,
        kind="status",
        note=note,
        at=now,
        from_status=from_status,
        to_status=to_status,
    )


# -- the shared contract --------------------------------------------------------------------------


async def transition(
    db: Database,
    guild_id: int,
    lead_id: int,
    to_status: str,
    *,
    actor_id: int | None,
    actor_access: Access,
    note: str | None,
    now: datetime,
) -> LeadEvent:
    """Move a lead along the pipeline, or raise: Conflict ``lead.illegal_move`` (listing the legal
    moves), NotAllowed (naming the role needed), InvalidInput (a note or rationale is missing)."""
    return await db.run_sync(_transition, guild_id, lead_id, to_status, actor_id, actor_access, note, now)


def _transition(
    conn: sqlite3.Connection,
    guild_id: int,
    lead_id: int,
    to_status: str,
    actor_id: int | None,
    actor_access: Access,
    note: str | None,
    now: datetime,
) -> LeadEvent:
    row = lead_row(conn, guild_id, lead_id)
    check_visible(row, actor_id, actor_access)
    move, cleaned = check_move(row, to_status, actor_id=actor_id, actor_access=actor_access, note=note)
    return apply_move(conn, row, move.target, actor_id=actor_id, note=cleaned, now=now)


#: Who may add notes to leads (`/lead note`, and *Add as a note* on the duplicate prompt).
NOTE_ACCESS = Access.WORKING_GROUP


async def add_note(
    db: Database, guild_id: int, lead_id: int, text: str, *, actor_id: int | None, now: datetime
) -> LeadEvent:
    """Annotate a lead (working group; the caller checks the role)."""
    note = check_note(text)
    return await db.run_sync(_add_note, guild_id, lead_id, note, actor_id, now)


def _add_note(
    conn: sqlite3.Connection, guild_id: int, lead_id: int, note: str, actor_id: int | None, now: datetime
) -> LeadEvent:
    row = lead_row(conn, guild_id, lead_id)
    conn.execute(
        "INSERT INTO lead_notes (guild_id, lead_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
        (guild_id, lead_id, actor_id, note, to_ts(now)),
    )
    touch(conn, lead_id, now)
    return record_event(
        conn,
        row,
        actor_id=actor_id,
        kind="note",
        note=note,
        at=now,
    )


async def add_flags(
    db: Database, guild_id: int, lead_id: int, flags: list[Flag], *, actor_id: int | None, now: datetime
) -> None:
    """Copy flags onto a lead (checklist findings); a flag already there is not added twice."""
    await db.run_sync(_add_flags, guild_id, lead_id, flags, actor_id, now)


def _add_flags(
    conn: sqlite3.Connection, guild_id: int, lead_id: int, flags: list[Flag], actor_id: int | None, now: datetime
) -> None:
    row = lead_row(conn, guild_id, lead_id)
    if insert_flags(conn, row, flags, actor_id=actor_id, now=now):
        touch(conn, lead_id, now)


async def set_flags_from(
    db: Database,
    guild_id: int,
    lead_id: int,
    prefix: str,
    flags: Iterable[Flag],
    *,
    actor_id: int | None,
    now: datetime,
) -> list[LeadEvent]:
    """Make the lead's flags whose source starts with ``prefix`` exactly ``flags`` (a checklist run's
    findings as its answers stand): new ones are added, those no longer raised are taken off, each with an
    event in the history. Returns the events (none when nothing changed)."""
    wanted = {(f.source, f.message): f for f in flags}
    return await db.run_sync(_set_flags_from, guild_id, lead_id, prefix, wanted, actor_id, now)


def _set_flags_from(
    conn: sqlite3.Connection,
    guild_id: int,
    lead_id: int,
    prefix: str,
    wanted: dict[tuple[str, str], Flag],
    actor_id: int | None,
    now: datetime,
) -> list[LeadEvent]:
    events: list[LeadEvent] = []
    row = lead_row(conn, guild_id, lead_id)
    cursor = conn.execute(
        "SELECT id, source, severity, message, raised_by FROM lead_flags "
        "WHERE lead_id = ? AND substr(source, 1, ?) = ?",
        (lead_id, len(prefix), prefix),
    )
    present = {(r["source"], r["message"]): r for r in cursor.fetchall()}
    updated = False
    for key, old in present.items():
        kept = wanted.get(key)
        if kept is None:
            conn.execute("DELETE FROM lead_flags WHERE id = ?", (old["id"],))
            events.append(
                record_event(
                    conn,
                    row,
                    actor_id=actor_id,
                    kind="unflag",
                    note=f"{old['severity']}: {old['message']}",
                    at=now,
                )
            )
        elif (kept.severity, kept.raised_by) != (old["severity"], old["raised_by"]):
            # Raised again by a new answer: the same flag, now showing who gave that answer.
            conn.execute(
                "UPDATE lead_flags SET severity = ?, raised_by = ? WHERE id = ?",
                (kept.severity, kept.raised_by, old["id"]),
            )
            updated = True
    new = [flag for key, flag in wanted.items() if key not in present]
    events += insert_flags(conn, row, new, actor_id=actor_id, now=now)
    if events or updated:
        touch(conn, lead_id, now)
    return events
