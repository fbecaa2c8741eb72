"""Forward-only migrations: the numbered SQL files of ``bot/migrations`` (and ``bot/migrations/feedback`` for
the feedback store), each applied in its own transaction, the version kept in ``PRAGMA user_version``."""

from __future__ import annotations

import logging
import sqlite3
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.db import Database

log = logging.getLogger("bot.db")

MAIN_MIGRATIONS = "bot.migrations"
FEEDBACK_MIGRATIONS = "bot.migrations.feedback"
#: The main database's migration that drops the feedback tables, once their rows are in the feedback store.
FEEDBACK_MOVED_OUT = 8
#: Tables of the feedback store rewritten in key order before every COMMIT, with that key.


class DatabaseTooNew(Exception):
    """The file was migrated by a newer version of the bot than this one."""


def _migrations(package: str = MAIN_MIGRATIONS) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file of a migrations package, in order."""
    found = []
    for entry in resources.files(package).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, ... without gaps: {versions}")
    return found


LATEST_VERSION = len(_migrations())


async def migrate(db: Database, *, stop_before: int | None = None) -> int:
    """Apply every pending migration (those numbered below ``stop_before``, if given), each in its own
    transaction. Returns the resulting version."""
    current = await db.user_version()
    migrations = _migrations(db.migrations)
    if current > len(migrations):
        raise DatabaseTooNew(
            f"{db.path} is at schema version {current}, newer than this bot ({len(migrations)}); "
            "upgrade the bot or restore a backup"
        )
    for version, name, sql in migrations[current:]:
        if stop_before is not None and version >= stop_before:
            return version - 1
        async with db.transaction() as conn:
            # executescript would COMMIT first; run the statements one by one inside our transaction.
            for statement in _split_sql(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version:d}")
        log.info("applied migration %s", name if db.migrations == MAIN_MIGRATIONS else f"feedback/{name}")
    return len(migrations)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


async def _move_feedback_out(db: Database, store: Database) -> bool:
    """Copy feedback kept in the main database by versions before the feedback store into the store
    (committed there before migration 0008 drops the old tables). Returns whether there was any."""
    if await db.user_version() >= FEEDBACK_MOVED_OUT:
        return False
    if await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name = 'feedback_items'") == 0:
        return False
    items = await db.fetchall("SELECT * FROM feedback_items")
    batches = await db.fetchall("SELECT * FROM feedback_batches")
    stones = await db.fetchall("SELECT * FROM feedback_tombstones")
    if not (items or stones):
        return False
    async with store.transaction() as conn:
        await conn.executemany(
            # A batch's release day becomes its release moment: the midnight (UTC) that ended that day.
            "INSERT OR IGNORE INTO feedback_batches (guild_id, number, released_at)"
            " VALUES (?, ?, CAST(strftime('%s', ?, '+1 day') AS INTEGER))",
            [(b["guild_id"], b["number"], b["released_on"]) for b in batches],
        )
        columns = "id, guild_id, topic, text, day, code_salt, code_hash"
        await conn.executemany(
            # OR IGNORE: a start that died after this commit, before migration 0008, copies again.
            f"INSERT OR IGNORE INTO feedback_waiting ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [tuple(i[c] for c in columns.split(", ")) for i in items if i["batch"] is None],
        )
        await conn.executemany(
            f"INSERT OR IGNORE INTO feedback_released ({columns}, batch, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [tuple(i[c] for c in [*columns.split(", "), "batch", "position"]) for i in items if i["batch"] is not None],
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO feedback_tombstones (code_hash, guild_id, code_salt, reason, expires_on)"
            " VALUES (?, ?, ?, ?, ?)",
            [(s["code_hash"], s["guild_id"], s["code_salt"], s["reason"], s["expires_on"]) for s in stones],
        )
    log.info("moved %d feedback items into the feedback store", len(items))
    return True
