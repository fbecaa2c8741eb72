"""Posts the bot has tried to make: whether an earlier attempt may already have reached Discord.

A post is sent with a nonce, so Discord drops a repeat made within a few minutes. A bot that stops between
sending and recording the message, and comes back later than that, would post a second copy; so the
attempt is recorded (committed) before the send and cleared once the message is recorded. A row still
there on the next attempt means "look in the channel first" (see :func:`bot.ui.posting.post_once`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.clock import Clock, to_unix
from bot.db import Database


async def begin(db: Database, guild_id: int, key: str, *, now: datetime) -> bool:
    """Record an attempt to post ``key``. True when an earlier attempt was never cleared (it may have
    reached Discord)."""
    return await db.run_sync(_record_attempt, guild_id, key, to_unix(now))


def _record_attempt(conn: sqlite3.Connection, guild_id: int, key: str, at: int) -> bool:
    earlier = conn.execute("SELECT 1 FROM post_attempts WHERE guild_id = ? AND key = ?", (guild_id, key)).fetchone()
    conn.execute(
        "INSERT INTO post_attempts (guild_id, key, attempted_at) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET attempted_at = excluded.attempted_at",
        (guild_id, key, at),
    )
    return earlier is not None


async def done(db: Database, guild_id: int, key: str) -> None:
    """The post of ``key`` is recorded where it belongs: forget the attempt."""
    await db.run_sync(_forget_attempt, guild_id, key)


def _forget_attempt(conn: sqlite3.Connection, guild_id: int, key: str) -> None:
    conn.execute("DELETE FROM post_attempts WHERE guild_id = ? AND key = ?", (guild_id, key))


async def pending(db: Database, guild_id: int) -> list[str]:
    rows = await db.fetchall("SELECT key FROM post_attempts WHERE guild_id = ? ORDER BY key", (guild_id,))
    return [row["key"] for row in rows]


class Outbox:
    """The posts of one guild the bot has tried to make, with the database, the guild and the clock bound
    in (built once with the other services)."""

    def __init__(self, db: Database, guild_id: int, clock: Clock) -> None:
        self.db = db
        self.guild_id = guild_id
        self.clock = clock

    async def begin(self, key: str) -> bool:
        """:func:`begin` now."""
        return await begin(self.db, self.guild_id, key, now=self.clock())

    async def done(self, key: str) -> None:
        await done(self.db, self.guild_id, key)

    async def pending(self) -> list[str]:
        return await pending(self.db, self.guild_id)
