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
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.clock import from_unix, to_unix
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


@dataclass(frozen=True)
class Retracted:
    item_id: int
    was_released: bool
    #: Whether the main database's WAL was truncated at once; if not, call :func:`checkpoint` again later.
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
    #: Whether any item is still waiting: never how many.
    waiting: bool


class Authors:
    """Who sent each waiting item, as the keyed hash the daily limit uses, in memory only: a batch is
    released only when it holds items from at least ``min_batch`` different members. Never written, so a
    restart forgets it; items whose author is unknown (they waited across a restart, or were stored a
    moment before their author was noted) count as no member at all: they go out with the next batch that
    has ``min_batch`` known members, never making a batch smaller."""

    def __init__(self) -> None:
        self._by_item: dict[int, bytes] = {}

    def __repr__(self) -> str:  # never the hashes
        return f"<Authors of {len(self._by_item)} waiting items>"

    def note(self, item_id: int, author: bytes) -> None:
        self._by_item[item_id] = author

    def forget(self, *item_ids: int) -> None:
        for item_id in item_ids:
            self._by_item.pop(item_id, None)

    def of(self, item_ids: list[int]) -> dict[int, bytes]:
        """The known authors of ``item_ids`` (a copy the database thread may read)."""
        return {i: self._by_item[i] for i in item_ids if i in self._by_item}

    def distinct(self, item_ids: list[int]) -> int:
        """How many different known members sent ``item_ids`` (unknown authors count as none)."""
        return _distinct(self.of(item_ids), item_ids)


def _distinct(known: dict[int, bytes], item_ids: list[int]) -> int:
    return len({known[i] for i in item_ids if i in known})


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


# -- writes ----------------------------------------------------------------------------------------
def _store(db: Database) -> Database:
    """The feedback store: a database file of its own (see bot/db.py for why)."""
    if db.feedback is None:
        raise RuntimeError("this database was opened without its feedback store (use bot.db.open_database)")
    return db.feedback


async def submit(db: Database, guild_id: int, topic: str, text: str, *, now: datetime, max_length: int) -> Submitted:
    """Store one item, waiting for the next scheduled digest to release it (:func:`release`).

    ``text`` is cleaned again here (cleaning is idempotent), so nothing unmasked can be stored even
    by a caller that forgot. One transaction in the feedback store, group-committed with whoever sends at
    the same moment; the caller notes the author under its keyed hash in :class:`Authors`.
    """
    check_topic(topic)
    cleaned = clean(text, max_length=max_length)
    code = new_code()
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _code_hash(salt, code)
    day = _day(now).isoformat()
    # One hand-over to the database thread (BEGIN, INSERT, the rewrite in id order, COMMIT with its
    # fsync): this is the hot path of the ingest benchmark.
    item_id = await _store(db).run_sync(_insert_item, (guild_id, topic, cleaned.text, day, salt, digest))
    return Submitted(item_id=item_id, code=code, text=cleaned)


#: SQLite's message when the drawn id is already taken (and only then: a CHECK or NOT NULL failure is a
#: different message and is raised, not retried).
_ID_TAKEN = "UNIQUE constraint failed: feedback_waiting.id"


def _insert_item(conn: sqlite3.Connection, values: tuple[Any, ...]) -> int:
    for _ in range(8):
        # 63 random bits: rowid order is unrelated to arrival order. Released items keep their id, so a
        # draw is checked against both tables.
        item_id = secrets.randbelow(_MAX_ID) + 1
        if conn.execute("SELECT 1 FROM feedback_released WHERE id = ?", (item_id,)).fetchone():
            continue
        try:
            conn.execute(
                "INSERT INTO feedback_waiting (id, guild_id, topic, text, day, code_salt, code_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (item_id, *values),
            )
        except sqlite3.IntegrityError as error:
            if _ID_TAKEN not in str(error):
                raise
            continue
        return item_id
    raise RuntimeError("could not draw an unused feedback id")


async def release(db: Database, guild_id: int, *, at: datetime, min_batch: int, authors: Authors) -> int | None:
    """Release every waiting item as one batch, in random order, if they come from at least ``min_batch``
    different members. Called only by a scheduled digest, ``at`` being its scheduled time: a release
    neither happens at, nor records, a moment an item's arrival could be read from. Returns the batch
    number, or None when nothing was released."""
    store = _store(db)
    ids = [int(r[0]) for r in await store.fetchall("SELECT id FROM feedback_waiting WHERE guild_id = ?", (guild_id,))]
    if not ids or authors.distinct(ids) < max(min_batch, 1):
        return None
    secrets.SystemRandom().shuffle(ids)
    # Checked again on the items still there when the write runs: one retracted meanwhile must not leave
    # a batch from fewer members.
    number = await store.run_sync(_release_sync, guild_id, ids, to_unix(at), authors.of(ids), max(min_batch, 1))
    if number is None:
        return None
    authors.forget(*ids)
    # Logged at the digest's scheduled time, which everyone knows: this line dates no item.
    log.info("released feedback batch %d", number)
    return number


def _release_sync(
    conn: sqlite3.Connection, guild_id: int, ids: list[int], released_at: int, known: dict[int, bytes], min_batch: int
) -> int | None:
    rows = conn.execute(
        f"SELECT {_ITEM_COLUMNS} FROM feedback_waiting WHERE guild_id = ? ORDER BY id", (guild_id,)
    ).fetchall()
    present = {row[0] for row in rows}
    ids = [item_id for item_id in ids if item_id in present]
    if not ids or _distinct(known, ids) < min_batch:
        return None
    [row] = conn.execute(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM feedback_batches WHERE guild_id = ?", (guild_id,)
    ).fetchall()
    number = int(row[0])
    conn.execute(
        "INSERT INTO feedback_batches (guild_id, number, released_at) VALUES (?, ?, ?)",
        (guild_id, number, released_at),
    )
    positions = {item_id: position for position, item_id in enumerate(ids)}
    conn.executemany(
        f"INSERT INTO feedback_released ({_ITEM_COLUMNS}, batch, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, number, positions[row[0]]) for row in rows if row[0] in positions],
    )
    conn.executemany("DELETE FROM feedback_waiting WHERE id = ?", [(item_id,) for item_id in ids])
    return number


_ITEM_COLUMNS = "id, guild_id, topic, text, day, code_salt, code_hash"


async def retract(db: Database, guild_id: int, code: str, *, now: datetime, retention_days: int) -> Retracted:
    """Delete the item whose retraction code is ``code``, and every copy of its text.

    Raises :class:`InvalidInput` for a malformed code, :class:`Conflict` ``feedback.already_retracted``
    or ``feedback.already_expired`` for a code whose item is gone, :class:`NotFound`
    ``feedback.code_unknown`` otherwise. The codes are compared on the database thread, outside any
    transaction: a wrong code holds no lock. Afterwards no copy of the text is left: not in the feedback
    store (zeroed by ``secure_delete``, its pages rewritten), not in a digest that was still to be posted
    (:func:`bot.services.digest.scrub_feedback`), not in the main database's WAL (truncated).
    """
    normalise_code(code)
    store = _store(db)
    found = await store.call(_find_code, guild_id, code)
    if found is None:
        raise NotFound("feedback.code_unknown")
    if isinstance(found, str):
        raise Conflict(f"feedback.already_{found}")
    item_id, _, day, item = found
    expires = max(day + timedelta(days=retention_days), _day(now))
    table = await store.run_sync(_retract_sync, guild_id, item_id, expires.isoformat())
    if table is None:  # retracted meanwhile by the same code typed twice
        raise Conflict("feedback.already_retracted")
    log.info("a feedback item was retracted")
    wiped = await _scrub_copies(db, guild_id, [item])
    return Retracted(item_id=item_id, was_released=table == "feedback_released", wiped=wiped)


def _find_code(conn: sqlite3.Connection, guild_id: int, code: str) -> tuple[int, str, date, ReleasedItem] | str | None:
    """(item id, its table, its day, the item) for ``code``; the tombstone's reason; or None."""
    for table in ("feedback_waiting", "feedback_released"):
        rows = conn.execute(
            f"SELECT id, code_salt, code_hash, day, topic, text FROM {table} WHERE guild_id = ?", (guild_id,)
        ).fetchall()
        for row in rows:
            if hmac.compare_digest(_code_hash(row[1], code), row[2]):
                return int(row[0]), table, date.fromisoformat(row[3]), _item(row[4], row[3], row[5])
    stones = conn.execute(
        "SELECT code_salt, code_hash, reason FROM feedback_tombstones WHERE guild_id = ?", (guild_id,)
    ).fetchall()
    gone = next((s for s in stones if hmac.compare_digest(_code_hash(s[0], code), s[1])), None)
    return None if gone is None else str(gone[2])


def _retract_sync(conn: sqlite3.Connection, guild_id: int, item_id: int, expires_on: str) -> str | None:
    """Delete the item wherever it is now (a release may have moved it since the code was matched);
    returns its table, or None when it is gone."""
    for table in ("feedback_waiting", "feedback_released"):
        found = conn.execute(
            f"SELECT code_salt, code_hash FROM {table} WHERE id = ? AND guild_id = ?", (item_id, guild_id)
        ).fetchone()
        if found is not None:
            break
    else:
        return None
    conn.execute(f"DELETE FROM {table} WHERE id = ?", (item_id,))
    if table == "feedback_released":
        _rewrite_released(conn)
    conn.execute(
        "INSERT OR REPLACE INTO feedback_tombstones (code_hash, guild_id, code_salt, reason, expires_on)"
        " VALUES (?, ?, ?, 'retracted', ?)",
        (found[1], guild_id, found[0], expires_on),
    )
    return table


def _rewrite_released(conn: sqlite3.Connection) -> None:
    """Put every released item on fresh pages.

    ``secure_delete`` zeroes a deleted row and every freed page, but when SQLite earlier moved a row
    between pages (a page split or rebalance), the old copy can linger in the unused space of a page
    that is still in use. Emptying the table frees (and so zeroes) all its pages; the items are then
    written back. (The waiting items are rewritten at every commit anyway: bot/db.py.)
    """
    columns = f"{_ITEM_COLUMNS}, batch, position"
    rows = conn.execute(f"SELECT {columns} FROM feedback_released ORDER BY id").fetchall()
    conn.execute("DELETE FROM feedback_released")
    conn.executemany(f"INSERT INTO feedback_released ({columns}) VALUES ({', '.join('?' * 9)})", rows)


def _item(topic: str, day: str, text: str) -> ReleasedItem:
    return ReleasedItem(topic=topic, week=iso_week(date.fromisoformat(day)), text=text)


async def _scrub_copies(db: Database, guild_id: int, items: list[ReleasedItem]) -> bool:
    """Remove ``items`` from the digests still to be posted, then truncate the main database's WAL.
    Returns whether the WAL was truncated (else the feedback cog's tick retries)."""
    from bot.services.digest import scrub_feedback  # the digest reads feedback; this is the one way back

    await scrub_feedback(db, guild_id, items)
    return await checkpoint(db)


async def purge_expired(db: Database, guild_id: int, *, now: datetime, retention_days: int) -> Purged:
    """Delete items that arrived more than ``retention_days`` ago (and stale tombstones), then wipe
    every copy of them like a retraction. Each item leaves a tombstone so its code reads "expired"."""
    today = _day(now)
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    keep_until = (today + timedelta(days=retention_days)).isoformat()
    items, dropped = await _store(db).run_sync(_purge_sync, guild_id, cutoff, keep_until, today.isoformat())
    if items:
        log.info("deleted %d feedback items past retention", len(items))
    wiped = True
    if items or dropped:
        wiped = await _scrub_copies(db, guild_id, items)
        if not wiped:
            log.warning("WAL checkpoint after a retention purge was busy; it will be retried")
    return Purged(items=len(items), wiped=wiped)


def _purge_sync(
    conn: sqlite3.Connection, guild_id: int, cutoff: str, keep_until: str, today: str
) -> tuple[list[ReleasedItem], int]:
    items: list[ReleasedItem] = []
    for table in ("feedback_waiting", "feedback_released"):
        items += [
            _item(*row)
            for row in conn.execute(
                f"SELECT topic, day, text FROM {table} WHERE guild_id = ? AND day < ?", (guild_id, cutoff)
            )
        ]
        conn.execute(
            "INSERT OR IGNORE INTO feedback_tombstones (code_hash, guild_id, code_salt, reason, expires_on)"
            f" SELECT code_hash, guild_id, code_salt, 'expired', ? FROM {table} WHERE guild_id = ? AND day < ?",
            (keep_until, guild_id, cutoff),
        )
        conn.execute(f"DELETE FROM {table} WHERE guild_id = ? AND day < ?", (guild_id, cutoff))
    if items:
        _rewrite_released(conn)
    dropped = conn.execute(
        "DELETE FROM feedback_tombstones WHERE guild_id = ? AND expires_on < ?", (guild_id, today)
    ).rowcount
    return items, int(dropped)


async def checkpoint(db: Database) -> bool:
    """Copy the main database's WAL into its file and truncate it to zero bytes.

    With ``secure_delete`` on, a deleted row (a digest's copy of feedback) is zeroed in the new page
    version, but older versions of that page stay in the WAL until it is checkpointed. TRUNCATE leaves only
    the zeroed version. Returns False when SQLite could not finish (a reader was active); retry later. The
    feedback store has no WAL.
    """
    return await db.checkpoint()


# -- reads -----------------------------------------------------------------------------------------
async def waiting_count(db: Database, guild_id: int) -> int:
    """How many items wait for release. Never shown to anyone (tests and the release read it)."""
    return int(await _store(db).fetchval("SELECT COUNT(*) FROM feedback_waiting WHERE guild_id = ?", (guild_id,)))


async def released_batches(db: Database, guild_id: int) -> list[ReleasedBatch]:
    """Every released batch that still has items, newest first, items in their random order."""
    rows = await _store(db).fetchall(
        "SELECT b.number, b.released_at, i.topic, i.day, i.text"
        " FROM feedback_batches b JOIN feedback_released i ON i.guild_id = b.guild_id AND i.batch = b.number"
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
            week = iso_week(from_unix(row["released_at"]).date())
            batches.append(ReleasedBatch(number=row["number"], week=week, items=(item,)))
    return batches


async def digest_info(db: Database, guild_id: int, start: datetime, end: datetime) -> FeedbackDigest:
    """Items released by the scheduled digest that closes ``(start, end]`` (a release is made at the
    digest's scheduled time, the end of its period), and whether any are still waiting."""
    store = _store(db)
    rows = await store.fetchall(
        "SELECT b.number, b.released_at, i.topic, i.day, i.text"
        " FROM feedback_batches b JOIN feedback_released i ON i.guild_id = b.guild_id AND i.batch = b.number"
        " WHERE b.guild_id = ? AND b.released_at > ? AND b.released_at <= ?"
        " ORDER BY b.number, i.position",
        (guild_id, to_unix(start), to_unix(end)),
    )
    released = [item for batch in _group(rows) for item in batch.items]
    return FeedbackDigest(released=released, waiting=await waiting_count(db, guild_id) > 0)
