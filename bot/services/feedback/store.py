"""The steps of anonymous feedback on a database: submit, release, retract, purge, and the reads.

Each takes the database, the guild and the time it needs (:class:`~bot.services.feedback.service.FeedbackService`
binds them in). All of them talk to the feedback store in one way: a write is one plain function run through
:meth:`Database.run_sync` (atomic, group-committed, fsync'd before it returns), a read one plain function run
through :meth:`Database.call`; the SQL is in :mod:`bot.services.feedback.sql`.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from bot.clock import to_unix
from bot.db import Database
from bot.errors import Conflict, NotFound
from bot.services.feedback import sql
from bot.services.feedback.codes import code_hash, new_code, normalise_code
from bot.services.feedback.model import (
    Authors,
    FeedbackDigest,
    Purged,
    ReleasedBatch,
    ReleasedItem,
    Retracted,
    Submitted,
    day_of,
)
from bot.services.feedback_drafts import check_topic
from bot.services.feedback_text import clean

log = logging.getLogger(__name__)

_SALT_BYTES = 16


def _store(db: Database) -> Database:
    """The feedback store: a database file of its own (see bot/db for why)."""
    if db.feedback is None:
        raise RuntimeError("this database was opened without its feedback store (use bot.db.open_database)")
    return db.feedback


# -- writes ----------------------------------------------------------------------------------------
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
    digest = code_hash(salt, code)
    day = day_of(now).isoformat()
    # One hand-over to the database thread (BEGIN, INSERT, the rewrite in id order, COMMIT with its
    # fsync): this is the hot path of the ingest benchmark.
    item_id = await _store(db).run_sync(sql.insert_item, (guild_id, topic, cleaned.text, day, salt, digest))
    return Submitted(item_id=item_id, code=code, text=cleaned)


async def release(db: Database, guild_id: int, *, at: datetime, min_batch: int, authors: Authors) -> int | None:
    """Release every waiting item as one batch, in random order, if they come from at least ``min_batch``
    different members. Called only by a scheduled digest, ``at`` being its scheduled time: a release
    neither happens at, nor records, a moment an item's arrival could be read from. Returns the batch
    number, or None when nothing was released."""
    store = _store(db)
    ids = await store.call(sql.waiting_ids, guild_id)
    if not ids or authors.distinct(ids) < max(min_batch, 1):
        return None
    secrets.SystemRandom().shuffle(ids)
    # Checked again on the items still there when the write runs: one retracted meanwhile must not leave
    # a batch from fewer members.
    number = await store.run_sync(sql.release_batch, guild_id, ids, to_unix(at), authors.of(ids), max(min_batch, 1))
    if number is None:
        return None
    authors.forget(*ids)
    # Logged at the digest's scheduled time, which everyone knows: this line dates no item.
    log.info("released feedback batch %d", number)
    return number


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
    found = await store.call(sql.find_code, guild_id, code)
    if found is None:
        raise NotFound("feedback.code_unknown")
    if isinstance(found, str):
        raise Conflict(f"feedback.already_{found}")
    item_id, _, day, item = found
    expires = max(day + timedelta(days=retention_days), day_of(now))
    table = await store.run_sync(sql.retract_item, guild_id, item_id, expires.isoformat())
    if table is None:  # retracted meanwhile by the same code typed twice
        raise Conflict("feedback.already_retracted")
    log.info("a feedback item was retracted")
    wiped = await _scrub_copies(db, guild_id, [item])
    return Retracted(item_id=item_id, was_released=table == "feedback_released", wiped=wiped)


async def _scrub_copies(db: Database, guild_id: int, items: list[ReleasedItem]) -> bool:
    """Remove ``items`` from the digests still to be posted, then truncate the main database's WAL.
    Returns whether the WAL was truncated (else the feedback cog's tick retries)."""
    from bot.services.digest import scrub_feedback  # the digest reads feedback; this is the one way back

    await scrub_feedback(db, guild_id, items)
    return await checkpoint(db)


async def purge_expired(db: Database, guild_id: int, *, now: datetime, retention_days: int) -> Purged:
    """Delete items that arrived more than ``retention_days`` ago (and stale tombstones), then wipe
    every copy of them like a retraction. Each item leaves a tombstone so its code reads "expired"."""
    today = day_of(now)
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    keep_until = (today + timedelta(days=retention_days)).isoformat()
    items, dropped = await _store(db).run_sync(sql.purge, guild_id, cutoff, keep_until, today.isoformat())
    if items:
        log.info("deleted %d feedback items past retention", len(items))
    wiped = True
    if items or dropped:
        wiped = await _scrub_copies(db, guild_id, items)
        if not wiped:
            log.warning("WAL checkpoint after a retention purge was busy; it will be retried")
    return Purged(items=len(items), wiped=wiped)


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
    return await _store(db).call(sql.waiting_count, guild_id)


async def released_batches(db: Database, guild_id: int) -> list[ReleasedBatch]:
    """Every released batch that still has items, newest first, items in their random order."""
    return await _store(db).call(sql.released_batches, guild_id)


async def digest_info(db: Database, guild_id: int, start: datetime, end: datetime) -> FeedbackDigest:
    """Items released by the scheduled digest that closes ``(start, end]`` (a release is made at the
    digest's scheduled time, the end of its period), and whether any are still waiting."""
    released, waiting = await _store(db).call(sql.released_between, guild_id, to_unix(start), to_unix(end))
    return FeedbackDigest(released=released, waiting=waiting)
