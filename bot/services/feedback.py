"""Anonymous feedback: storage, release in batches, retraction and retention (drafts, held in memory
only, are in :mod:`bot.services.feedback_drafts`).

What is kept per item is guild, topic, text, the UTC day it arrived, a salted hash of its retraction
code and, once released, its batch and its place in the batch. Nothing here ever receives an author:
callers pass only the text and the topic, and the only identity-derived value in this module is the
opaque keyed hash a draft is bound to, which lives in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotFound
from bot.services.feedback_drafts import DRAFT_TTL as DRAFT_TTL  # re-exported: callers use feedback.X
from bot.services.feedback_drafts import TOPICS as TOPICS
from bot.services.feedback_drafts import Draft as Draft
from bot.services.feedback_drafts import Drafts as Drafts
from bot.services.feedback_drafts import check_topic
from bot.services.feedback_text import CleanText, clean

log = logging.getLogger(__name__)

#: Crockford's base32: no I, L, O or U, so a code read aloud or retyped is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 x 5 bits = 80 bits
CODE_GROUP = 4
_CODE_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SALT_BYTES = 16
_MAX_ID = 2**63 - 1


# -- values ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission. ``code`` is shown once to the author and kept nowhere."""

    item_id: int
    code: str
    text: CleanText
    released_batch: int | None
    waiting: int


@dataclass(frozen=True)
class Retracted:
    was_released: bool
    #: Whether the WAL was truncated at once; if not, call :func:`checkpoint` again later.
    wiped: bool


@dataclass(frozen=True)
class Purged:
    items: int
    wiped: bool


@dataclass(frozen=True)
class ReleasedItem:
    topic: str
    week: str
    text: str


@dataclass(frozen=True)
class ReleasedBatch:
    number: int
    week: str
    items: tuple[ReleasedItem, ...]


@dataclass(frozen=True)
class FeedbackDigest:
    released: list[ReleasedItem]
    waiting: int


# -- small rules -----------------------------------------------------------------------------------
def iso_week(day: date) -> str:
    """``2026-W03``: the ISO year and week, the finest date the working group ever sees."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def new_code() -> str:
    """A fresh retraction code, 80 random bits as ``XXXX-XXXX-XXXX-XXXX``."""
    bits = secrets.randbits(CODE_LENGTH * 5)
    raw = "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(CODE_LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, len(raw), CODE_GROUP))


def normalise_code(value: str) -> str:
    """The canonical 16 characters of a code as typed (any case, spaces or dashes, O for 0...).

    Raises :class:`InvalidInput` ``feedback.code_malformed`` when it cannot be a code."""
    compact = "".join(ch for ch in value.upper() if ch not in " -_\t\n").translate(_CODE_FIXES)
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        raise InvalidInput("feedback.code_malformed", example=format_code("7K3MQ9TX2BHDW4RE"))
    return compact


def looks_like_code(value: str) -> bool:
    try:
        normalise_code(value)
    except InvalidInput:
        return False
    return True


def _code_hash(salt: bytes, code: str) -> bytes:
    return hashlib.sha256(salt + normalise_code(code).encode("ascii")).digest()


def _day(value: date | datetime) -> date:
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# -- writes ----------------------------------------------------------------------------------------
async def submit(
    db: Database,
    guild_id: int,
    topic: str,
    text: str,
    *,
    now: datetime,
    max_length: int,
    min_batch: int,
) -> Submitted:
    """Store one item and, when at least ``min_batch`` are then waiting, release them all together.

    ``text`` is cleaned again here (cleaning is idempotent), so nothing unmasked can be stored even
    by a caller that forgot. One transaction.
    """
    check_topic(topic)
    cleaned = clean(text, max_length=max_length)
    code = new_code()
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _code_hash(salt, code)
    day = _day(now).isoformat()
    # One hand-over to the database thread (BEGIN, INSERT, the release check, COMMIT with its fsync):
    # this is the hot path of the ingest benchmark.
    item_id, released, waiting = await db.run_sync(
        _submit_sync, (guild_id, topic, cleaned.text, day, salt, digest), min_batch
    )
    if released is not None:
        log.info("released feedback batch %d", released)
    return Submitted(item_id=item_id, code=code, text=cleaned, released_batch=released, waiting=waiting)


def _submit_sync(conn: sqlite3.Connection, values: tuple[Any, ...], min_batch: int) -> tuple[int, int | None, int]:
    """On the database thread, inside the transaction: (item id, batch released or None, still waiting)."""
    item_id = _insert_item(conn, values)
    released, waiting = _release_if_due(conn, values[0], day=values[3], min_batch=min_batch)
    return item_id, released, waiting


#: SQLite's message when the drawn id is already taken (and only then: a CHECK or NOT NULL failure is a
#: different message and is raised, not retried).
_ID_TAKEN = "UNIQUE constraint failed: feedback_items.id"


def _insert_item(conn: sqlite3.Connection, values: tuple[Any, ...]) -> int:
    for _ in range(8):
        # 63 random bits: rowid order is unrelated to arrival order or to any other table.
        item_id = secrets.randbelow(_MAX_ID) + 1
        try:
            conn.execute(
                "INSERT INTO feedback_items (id, guild_id, topic, text, day, code_salt, code_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (item_id, *values),
            )
        except sqlite3.IntegrityError as error:
            if _ID_TAKEN not in str(error):
                raise
            continue
        return item_id
    raise RuntimeError("could not draw an unused feedback id")


def _release_if_due(conn: sqlite3.Connection, guild_id: int, *, day: str, min_batch: int) -> tuple[int | None, int]:
    """(batch number released or None, items still waiting)."""
    rows = conn.execute("SELECT id FROM feedback_items WHERE guild_id = ? AND batch IS NULL", (guild_id,)).fetchall()
    ids = [int(row[0]) for row in rows]
    if not ids or len(ids) < min_batch:
        return None, len(ids)
    secrets.SystemRandom().shuffle(ids)
    [row] = conn.execute(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM feedback_batches WHERE guild_id = ?", (guild_id,)
    ).fetchall()
    number = int(row[0])
    conn.execute(
        "INSERT INTO feedback_batches (guild_id, number, released_on) VALUES (?, ?, ?)",
        (guild_id, number, day),
    )
    conn.executemany(
        "UPDATE feedback_items SET batch = ?, position = ? WHERE id = ?",
        [(number, position, item_id) for position, item_id in enumerate(ids)],
    )
    return number, 0


async def release_due(db: Database, guild_id: int, *, now: datetime, min_batch: int) -> int | None:
    """Release the waiting items if there are enough (after a restart with a lower ``min_batch``)."""
    number, _ = await db.run_sync(_release_sync, guild_id, _day(now).isoformat(), min_batch)
    if number is not None:
        log.info("released feedback batch %d", number)
    return number


def _release_sync(conn: sqlite3.Connection, guild_id: int, day: str, min_batch: int) -> tuple[int | None, int]:
    return _release_if_due(conn, guild_id, day=day, min_batch=min_batch)


async def retract(db: Database, guild_id: int, code: str, *, now: datetime, retention_days: int) -> Retracted:
    """Delete the item whose retraction code is ``code``.

    Raises :class:`InvalidInput` for a malformed code, :class:`Conflict` ``feedback.already_retracted``
    or ``feedback.already_expired`` for a code whose item is gone, :class:`NotFound`
    ``feedback.code_unknown`` otherwise. Afterwards the WAL is checkpointed and truncated so the
    deleted text survives in neither the database file nor its WAL.
    """
    normalise_code(code)
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT id, code_salt, code_hash, day, batch FROM feedback_items WHERE guild_id = ?", (guild_id,)
        )
        match = next((r for r in rows if hmac.compare_digest(_code_hash(r[1], code), r[2])), None)
        if match is None:
            stones = await conn.execute_fetchall(
                "SELECT code_salt, code_hash, reason FROM feedback_tombstones WHERE guild_id = ?", (guild_id,)
            )
            gone = next((s for s in stones if hmac.compare_digest(_code_hash(s[0], code), s[1])), None)
            if gone is not None:
                raise Conflict(f"feedback.already_{gone[2]}")
            raise NotFound("feedback.code_unknown")
        await conn.execute("DELETE FROM feedback_items WHERE id = ?", (match[0],))
        await _rewrite_items(conn)
        expires = date.fromisoformat(match[3]) + timedelta(days=retention_days)
        await conn.execute(
            "INSERT INTO feedback_tombstones (guild_id, code_salt, code_hash, reason, expires_on)"
            " VALUES (?, ?, ?, 'retracted', ?)",
            (guild_id, match[1], match[2], max(expires, _day(now)).isoformat()),
        )
    log.info("a feedback item was retracted")
    wiped = await checkpoint(db)
    if not wiped:
        log.warning("WAL checkpoint after a retraction was busy; it will be retried")
    return Retracted(was_released=match[4] is not None, wiped=wiped)


async def _rewrite_items(conn: Any) -> None:
    """Put every remaining item on fresh pages.

    ``secure_delete`` zeroes a deleted row and every freed page, but when SQLite earlier moved a row
    between pages (a page split or rebalance), the old copy can linger in the unused space of a page
    that is still in use. Emptying the table frees (and so zeroes) all its pages; the items are then
    written back. The table holds at most ``retention_days`` of feedback, so this stays small.
    """
    rows = await conn.execute_fetchall(f"SELECT {_ITEM_COLUMNS} FROM feedback_items ORDER BY id")
    await conn.execute("DELETE FROM feedback_items")
    await conn.executemany(
        f"INSERT INTO feedback_items ({_ITEM_COLUMNS}) VALUES ({', '.join('?' * len(_ITEM_COLUMNS.split(', ')))})",
        [tuple(row) for row in rows],
    )


_ITEM_COLUMNS = "id, guild_id, topic, text, day, code_salt, code_hash, batch, position"


async def purge_expired(db: Database, guild_id: int, *, now: datetime, retention_days: int) -> Purged:
    """Delete items that arrived more than ``retention_days`` ago (and stale tombstones), then wipe
    them from the WAL like a retraction. Each item leaves a tombstone so its code reads "expired"."""
    today = _day(now)
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    keep_until = (today + timedelta(days=retention_days)).isoformat()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO feedback_tombstones (guild_id, code_salt, code_hash, reason, expires_on)"
            " SELECT guild_id, code_salt, code_hash, 'expired', ? FROM feedback_items"
            " WHERE guild_id = ? AND day < ?",
            (keep_until, guild_id, cutoff),
        )
        cur = await conn.execute("DELETE FROM feedback_items WHERE guild_id = ? AND day < ?", (guild_id, cutoff))
        deleted = cur.rowcount
        if deleted:
            await _rewrite_items(conn)
        await cur.close()
        stones = await conn.execute(
            "DELETE FROM feedback_tombstones WHERE guild_id = ? AND expires_on < ?",
            (guild_id, today.isoformat()),
        )
        dropped = stones.rowcount
        await stones.close()
    if deleted:
        log.info("deleted %d feedback items past retention", deleted)
    wiped = True
    if deleted or dropped:
        wiped = await checkpoint(db)
        if not wiped:
            log.warning("WAL checkpoint after a retention purge was busy; it will be retried")
    return Purged(items=int(deleted), wiped=wiped)


async def checkpoint(db: Database) -> bool:
    """Copy the WAL into the database file and truncate it to zero bytes.

    With ``secure_delete`` on, a deleted row is zeroed in the new page version, but older versions of
    that page stay in the WAL (and in the main file until checkpointed). TRUNCATE leaves only the
    zeroed version. Returns False when SQLite could not finish (a reader was active); retry later.
    """
    return await db.checkpoint()


# -- reads -----------------------------------------------------------------------------------------
async def waiting_count(db: Database, guild_id: int) -> int:
    return int(
        await db.fetchval("SELECT COUNT(*) FROM feedback_items WHERE guild_id = ? AND batch IS NULL", (guild_id,))
    )


async def released_batches(db: Database, guild_id: int) -> list[ReleasedBatch]:
    """Every released batch that still has items, newest first, items in their random order."""
    rows = await db.fetchall(
        "SELECT b.number, b.released_on, i.topic, i.day, i.text"
        " FROM feedback_batches b JOIN feedback_items i ON i.guild_id = b.guild_id AND i.batch = b.number"
        " WHERE b.guild_id = ? ORDER BY b.number DESC, i.position",
        (guild_id,),
    )
    return _group(rows)


def _group(rows: list[sqlite3.Row]) -> list[ReleasedBatch]:
    batches: list[ReleasedBatch] = []
    for row in rows:
        item = ReleasedItem(topic=row["topic"], week=iso_week(date.fromisoformat(row["day"])), text=row["text"])
        if batches and batches[-1].number == row["number"]:
            batches[-1] = replace(batches[-1], items=(*batches[-1].items, item))
        else:
            week = iso_week(date.fromisoformat(row["released_on"]))
            batches.append(ReleasedBatch(number=row["number"], week=week, items=(item,)))
    return batches


def _first_midnight_from(moment: datetime) -> date:
    """The day whose 00:00 UTC is the first midnight at or after ``moment``."""
    moment = moment.astimezone(UTC)
    day = moment.date()
    return day if moment == _midnight(day) else day + timedelta(days=1)


async def digest_info(db: Database, guild_id: int, start: datetime, end: datetime) -> FeedbackDigest:
    """Items released in [start, end) and how many are waiting now.

    Only the release *day* is stored (an exact release time would be the arrival time of the item
    that completed the batch), so a batch counts as released at the midnight (UTC) that ends its
    release day. Consecutive digest periods therefore report every batch exactly once, at most a
    day late.
    """
    first = _first_midnight_from(start) - timedelta(days=1)
    last = _first_midnight_from(end) - timedelta(days=1)
    rows = await db.fetchall(
        "SELECT b.number, b.released_on, i.topic, i.day, i.text"
        " FROM feedback_batches b JOIN feedback_items i ON i.guild_id = b.guild_id AND i.batch = b.number"
        " WHERE b.guild_id = ? AND b.released_on >= ? AND b.released_on < ?"
        " ORDER BY b.number, i.position",
        (guild_id, first.isoformat(), last.isoformat()),
    )
    released = [item for batch in _group(rows) for item in batch.items]
    return FeedbackDigest(released=released, waiting=await waiting_count(db, guild_id))
