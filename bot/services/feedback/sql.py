"""The feedback store's SQL, as plain functions on the ``sqlite3`` connection, run on its thread: writes
through :meth:`Database.run_sync` (one atomic, group-committed transaction, fsync'd before the caller
hears back; the store rewrites its order-revealing tables before each COMMIT), reads through
:meth:`Database.call` (several statements in one hand-over, no transaction)."""

from __future__ import annotations

import hmac
import secrets
import sqlite3
from datetime import date
from typing import Any

from bot.clock import from_unix
from bot.services.feedback.codes import code_hash
from bot.services.feedback.model import ReleasedBatch, ReleasedItem, distinct, iso_week, released_item

_MAX_ID = 2**63 - 1
ITEM_COLUMNS = "id, guild_id, topic, text, day, code_salt, code_hash"
#: SQLite's message when the drawn id is already taken (and only then: a CHECK or NOT NULL failure is a
#: different message and is raised, not retried).
_ID_TAKEN = "UNIQUE constraint failed: feedback_waiting.id"
_BATCH_ROWS = (
    "SELECT b.number, b.released_at, i.topic, i.day, i.text"
    " FROM feedback_batches b JOIN feedback_released i ON i.guild_id = b.guild_id AND i.batch = b.number"
)


# -- writes (run_sync) -----------------------------------------------------------------------------
def insert_item(conn: sqlite3.Connection, values: tuple[Any, ...]) -> int:
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


def release_batch(
    conn: sqlite3.Connection, guild_id: int, ids: list[int], released_at: int, known: dict[int, bytes], min_batch: int
) -> int | None:
    rows = conn.execute(
        f"SELECT {ITEM_COLUMNS} FROM feedback_waiting WHERE guild_id = ? ORDER BY id", (guild_id,)
    ).fetchall()
    present = {row[0] for row in rows}
    ids = [item_id for item_id in ids if item_id in present]
    if not ids or distinct(known, ids) < min_batch:
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
        f"INSERT INTO feedback_released ({ITEM_COLUMNS}, batch, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, number, positions[row[0]]) for row in rows if row[0] in positions],
    )
    conn.executemany("DELETE FROM feedback_waiting WHERE id = ?", [(item_id,) for item_id in ids])
    return number


def retract_item(conn: sqlite3.Connection, guild_id: int, item_id: int, expires_on: str) -> str | None:
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
        rewrite_released(conn)
    conn.execute(
        "INSERT OR REPLACE INTO feedback_tombstones (code_hash, guild_id, code_salt, reason, expires_on)"
        " VALUES (?, ?, ?, 'retracted', ?)",
        (found[1], guild_id, found[0], expires_on),
    )
    return table


def rewrite_released(conn: sqlite3.Connection) -> None:
    """Put every released item on fresh pages.

    ``secure_delete`` zeroes a deleted row and every freed page, but when SQLite earlier moved a row
    between pages (a page split or rebalance), the old copy can linger in the unused space of a page
    that is still in use. Emptying the table frees (and so zeroes) all its pages; the items are then
    written back. (The waiting items are rewritten at every commit anyway: bot/db.)
    """
    columns = f"{ITEM_COLUMNS}, batch, position"
    rows = conn.execute(f"SELECT {columns} FROM feedback_released ORDER BY id").fetchall()
    conn.execute("DELETE FROM feedback_released")
    conn.executemany(f"INSERT INTO feedback_released ({columns}) VALUES ({', '.join('?' * 9)})", rows)


def purge(
    conn: sqlite3.Connection, guild_id: int, cutoff: str, keep_until: str, today: str
) -> tuple[list[ReleasedItem], int]:
    items: list[ReleasedItem] = []
    for table in ("feedback_waiting", "feedback_released"):
        items += [
            released_item(*row)
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
        rewrite_released(conn)
    dropped = conn.execute(
        "DELETE FROM feedback_tombstones WHERE guild_id = ? AND expires_on < ?", (guild_id, today)
    ).rowcount
    return items, int(dropped)


# -- reads (call) ----------------------------------------------------------------------------------
def find_code(conn: sqlite3.Connection, guild_id: int, code: str) -> tuple[int, str, date, ReleasedItem] | str | None:
    """(item id, its table, its day, the item) for ``code``; the tombstone's reason; or None."""
    for table in ("feedback_waiting", "feedback_released"):
        rows = conn.execute(
            f"SELECT id, code_salt, code_hash, day, topic, text FROM {table} WHERE guild_id = ?", (guild_id,)
        ).fetchall()
        for row in rows:
            if hmac.compare_digest(code_hash(row[1], code), row[2]):
                return int(row[0]), table, date.fromisoformat(row[3]), released_item(row[4], row[3], row[5])
    stones = conn.execute(
        "SELECT code_salt, code_hash, reason FROM feedback_tombstones WHERE guild_id = ?", (guild_id,)
    ).fetchall()
    gone = next((s for s in stones if hmac.compare_digest(code_hash(s[0], code), s[1])), None)
    return None if gone is None else str(gone[2])


def waiting_ids(conn: sqlite3.Connection, guild_id: int) -> list[int]:
    return [int(r[0]) for r in conn.execute("SELECT id FROM feedback_waiting WHERE guild_id = ?", (guild_id,))]


def waiting_count(conn: sqlite3.Connection, guild_id: int) -> int:
    [row] = conn.execute("SELECT COUNT(*) FROM feedback_waiting WHERE guild_id = ?", (guild_id,)).fetchall()
    return int(row[0])


def released_batches(conn: sqlite3.Connection, guild_id: int) -> list[ReleasedBatch]:
    """Every released batch that still has items, newest first, items in their random order."""
    rows = conn.execute(f"{_BATCH_ROWS} WHERE b.guild_id = ? ORDER BY b.number DESC, i.position", (guild_id,))
    return _group(rows.fetchall())


def released_between(conn: sqlite3.Connection, guild_id: int, start: int, end: int) -> tuple[list[ReleasedItem], bool]:
    """The items of batches released in ``(start, end]`` (unix seconds), and whether any item waits."""
    rows = conn.execute(
        f"{_BATCH_ROWS} WHERE b.guild_id = ? AND b.released_at > ? AND b.released_at <= ?"
        " ORDER BY b.number, i.position",
        (guild_id, start, end),
    ).fetchall()
    released = [item for batch in _group(rows) for item in batch.items]
    return released, waiting_count(conn, guild_id) > 0


def _group(rows: list[Any]) -> list[ReleasedBatch]:
    """Rows of ``number, released_at, topic, day, text``, batch by batch, into batches."""
    batches: list[ReleasedBatch] = []
    for number, released_at, topic, day, text in rows:
        item = released_item(topic, day, text)
        if batches and batches[-1].number == number:
            last = batches[-1]
            batches[-1] = ReleasedBatch(number=last.number, week=last.week, items=(*last.items, item))
        else:
            week = iso_week(from_unix(released_at).date())
            batches.append(ReleasedBatch(number=number, week=week, items=(item,)))
    return batches
