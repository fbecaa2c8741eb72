"""Updates in the database: stored first, posted to the announcements channel after, retried until posted."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.clock import from_unix, to_unix
from bot.db import Database, Row
from bot.errors import InvalidInput, NotFound
from bot.services.updates.model import LIST_LIMIT, Update, check_area, check_link, check_text


def _ts(value: int | None) -> datetime | None:
    return None if value is None else from_unix(value)


def _update(row: Row) -> Update:
    return Update(
        id=row["id"],
        guild_id=row["guild_id"],
        area=row["area"],
        title=row["title"],
        body=row["body"],
        link=row["link"],
        author_id=row["author_id"],
        created_at=datetime.fromtimestamp(row["created_at"], UTC),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        posted_at=_ts(row["posted_at"]),
        thread_id=row["thread_id"],
    )


async def create_update(
    db: Database,
    guild_id: int,
    *,
    title: str,
    body: str,
    link: str | None,
    area: str | None,
    areas: Sequence[str],
    author_id: int,
    now: datetime,
) -> Update:
    """Validate and store an update (not yet posted). Nothing is written when any field is refused."""
    title, body = check_text(title, body)
    clean_link = check_link(link)
    clean_area = check_area(area, areas)
    update_id = await db.run_sync(
        _insert_update, (guild_id, clean_area, title, body, clean_link, author_id, to_unix(now))
    )
    return await get_update(db, guild_id, update_id)


def _insert_update(conn: sqlite3.Connection, values: tuple[object, ...]) -> int:
    cursor = conn.execute(
        "INSERT INTO updates (guild_id, area, title, body, link, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    return int(cursor.lastrowid or 0)


async def get_update(db: Database, guild_id: int, update_id: int) -> Update:
    row = await db.fetchone("SELECT * FROM updates WHERE guild_id = ? AND id = ?", (guild_id, update_id))
    if row is None:
        raise NotFound("update.unknown")
    return _update(row)


async def mark_posted(
    db: Database, guild_id: int, update_id: int, *, channel_id: int, message_id: int, now: datetime
) -> None:
    """Record the message that carries the update (once; a second call keeps the first message)."""
    await db.run_sync(_set_posted, guild_id, update_id, channel_id, message_id, to_unix(now))


def _set_posted(
    conn: sqlite3.Connection, guild_id: int, update_id: int, channel_id: int, message_id: int, posted_at: int
) -> None:
    conn.execute(
        "UPDATE updates SET channel_id = ?, message_id = ?, posted_at = ? "
        "WHERE guild_id = ? AND id = ? AND message_id IS NULL",
        (channel_id, message_id, posted_at, guild_id, update_id),
    )


async def mark_thread(db: Database, guild_id: int, update_id: int, *, thread_id: int) -> None:
    await db.run_sync(_set_thread, guild_id, update_id, thread_id)


def _set_thread(conn: sqlite3.Connection, guild_id: int, update_id: int, thread_id: int) -> None:
    conn.execute(
        "UPDATE updates SET thread_id = ? WHERE guild_id = ? AND id = ? AND thread_id IS NULL",
        (thread_id, guild_id, update_id),
    )


async def unposted(db: Database, guild_id: int) -> list[Update]:
    """Updates whose post has not been accepted by Discord yet, oldest first."""
    rows = await db.fetchall("SELECT * FROM updates WHERE guild_id = ? AND message_id IS NULL ORDER BY id", (guild_id,))
    return [_update(r) for r in rows]


async def missing_threads(db: Database, guild_id: int, *, since: datetime) -> list[Update]:
    """Posted updates (from ``since`` on) whose discussion thread was not opened yet."""
    rows = await db.fetchall(
        "SELECT * FROM updates WHERE guild_id = ? AND message_id IS NOT NULL AND thread_id IS NULL "
        "AND posted_at >= ? ORDER BY id",
        (guild_id, to_unix(since)),
    )
    return [_update(r) for r in rows]


async def list_updates(db: Database, guild_id: int, *, limit: int = 10) -> list[Update]:
    """The latest updates, newest first."""
    if not 1 <= limit <= LIST_LIMIT:
        raise InvalidInput("update.bad_limit", limit=LIST_LIMIT)
    rows = await db.fetchall(
        "SELECT * FROM updates WHERE guild_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [_update(r) for r in rows]


async def posted_between(db: Database, guild_id: int, start: datetime, end: datetime) -> list[Update]:
    """Updates Discord accepted in ``[start, end)``, oldest first (the digest's feed)."""
    rows = await db.fetchall(
        "SELECT * FROM updates WHERE guild_id = ? AND posted_at >= ? AND posted_at < ? ORDER BY posted_at, id",
        (guild_id, to_unix(start), to_unix(end)),
    )
    return [_update(r) for r in rows]
