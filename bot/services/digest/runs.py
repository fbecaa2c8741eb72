"""Digest runs and their parts: recorded, rendered, before anything is sent; each part marked once sent."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import from_unix, to_unix
from bot.db import Database, Row
from bot.errors import Conflict
from bot.i18n import t
from bot.services.digest.periods import Plan, RunKind
from bot.services.digest.render import feedback_entry
from bot.services.feedback import ReleasedItem


@dataclass(frozen=True)
class DigestPart:
    position: int
    payload: dict[str, Any]
    nonce: str
    attempted_at: datetime | None
    message_id: int | None
    sent_at: datetime | None

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")


@dataclass(frozen=True)
class DigestRun:
    id: int
    guild_id: int
    period_start: datetime
    period_end: datetime
    kind: str
    status: str
    locale: str
    created_at: datetime
    delivered_at: datetime | None
    attempts: int
    last_attempt_at: datetime | None
    last_error: int | None
    parts: tuple[DigestPart, ...] = field(default=())

    @property
    def unsent(self) -> tuple[DigestPart, ...]:
        return tuple(p for p in self.parts if p.message_id is None)

    @property
    def message_ids(self) -> tuple[int, ...]:
        return tuple(p.message_id for p in self.parts if p.message_id is not None)


def _run(row: Row, parts: Sequence[Row]) -> DigestRun:
    return DigestRun(
        id=row["id"],
        guild_id=row["guild_id"],
        period_start=from_unix(row["period_start"]),
        period_end=from_unix(row["period_end"]),
        kind=row["kind"],
        status=row["status"],
        locale=row["locale"],
        created_at=from_unix(row["created_at"]),
        delivered_at=None if row["delivered_at"] is None else from_unix(row["delivered_at"]),
        attempts=row["attempts"],
        last_attempt_at=None if row["last_attempt_at"] is None else from_unix(row["last_attempt_at"]),
        last_error=row["last_error"],
        parts=tuple(
            DigestPart(
                position=p["position"],
                payload=json.loads(p["payload"]),
                nonce=p["nonce"],
                attempted_at=None if p["attempted_at"] is None else from_unix(p["attempted_at"]),
                message_id=p["message_id"],
                sent_at=None if p["sent_at"] is None else from_unix(p["sent_at"]),
            )
            for p in parts
        ),
    )


async def get_run(db: Database, guild_id: int, run_id: int) -> DigestRun | None:
    row = await db.fetchone("SELECT * FROM digest_runs WHERE guild_id = ? AND id = ?", (guild_id, run_id))
    if row is None:
        return None
    parts = await db.fetchall("SELECT * FROM digest_parts WHERE run_id = ? ORDER BY position", (run_id,))
    return _run(row, parts)


async def pending_run(db: Database, guild_id: int) -> DigestRun | None:
    """The run still being delivered, if any (there is at most one)."""
    run_id = await db.fetchval("SELECT id FROM digest_runs WHERE guild_id = ? AND status = 'pending'", (guild_id,))
    return None if run_id is None else await get_run(db, guild_id, int(run_id))


async def list_runs(db: Database, guild_id: int) -> list[DigestRun]:
    """Every run, oldest first (tests and diagnostics)."""
    ids = await db.fetchall("SELECT id FROM digest_runs WHERE guild_id = ? ORDER BY id", (guild_id,))
    runs = [await get_run(db, guild_id, int(r["id"])) for r in ids]
    return [r for r in runs if r is not None]


def new_nonce() -> str:
    """A Discord message nonce (at most 25 characters), kept with the part for every attempt."""
    return secrets.token_hex(10)


async def record(
    db: Database,
    guild_id: int,
    the_plan: Plan,
    *,
    parts: Sequence[dict[str, Any]] = (),
    locale: str,
    now: datetime,
    skip_delivery: RunKind | None = None,
) -> DigestRun | None:
    """Write a plan in one transaction: its skipped periods, then its delivery as a ``pending`` run with
    every part (or, with ``skip_delivery``, as a skipped period of that kind: an empty digest under
    ``skip_empty``). Raises :class:`Conflict` if another pass changed the watermark or holds a pending run
    since the plan was made, so no period is ever recorded twice."""
    deliver = the_plan.deliver
    if deliver is not None and skip_delivery is None and not parts:
        raise ValueError("a delivered digest needs at least one part")
    run_id = await db.run_sync(_record_plan, guild_id, the_plan, tuple(parts), locale, now, skip_delivery)
    return None if run_id is None else await get_run(db, guild_id, run_id)


def _record_plan(
    conn: sqlite3.Connection,
    guild_id: int,
    the_plan: Plan,
    parts: tuple[dict[str, Any], ...],
    locale: str,
    now: datetime,
    skip_delivery: RunKind | None,
) -> int | None:
    """:func:`record`'s write; returns the pending run's id, or None when nothing is to be delivered."""
    deliver = the_plan.deliver
    row = conn.execute(
        "SELECT MAX(CASE WHEN status != 'pending' THEN period_end END), "
        "COALESCE(SUM(status = 'pending'), 0) FROM digest_runs WHERE guild_id = ?",
        (guild_id,),
    ).fetchone()
    assert row is not None
    mark = None if row[0] is None else from_unix(row[0])
    if row[1] or mark != the_plan.base:
        raise Conflict("digest.busy")
    for period in the_plan.skips:
        conn.execute(
            "INSERT INTO digest_runs (guild_id, period_start, period_end, kind, status, locale, "
            "created_at, delivered_at) VALUES (?, ?, ?, ?, 'skipped', ?, ?, NULL)",
            (guild_id, to_unix(period.start), to_unix(period.end), period.kind, locale, to_unix(now)),
        )
    if deliver is None:
        return None
    if skip_delivery is not None:
        conn.execute(
            "INSERT INTO digest_runs (guild_id, period_start, period_end, kind, status, locale, "
            "created_at) VALUES (?, ?, ?, ?, 'skipped', ?, ?)",
            (guild_id, to_unix(deliver.start), to_unix(deliver.end), skip_delivery, locale, to_unix(now)),
        )
        return None
    cursor = conn.execute(
        "INSERT INTO digest_runs (guild_id, period_start, period_end, kind, status, locale, created_at) "
        "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        (guild_id, to_unix(deliver.start), to_unix(deliver.end), deliver.kind, locale, to_unix(now)),
    )
    run_id = int(cursor.lastrowid or 0)
    conn.executemany(
        "INSERT INTO digest_parts (run_id, guild_id, position, payload, nonce) VALUES (?, ?, ?, ?, ?)",
        [
            (run_id, guild_id, position, json.dumps(payload, ensure_ascii=False), new_nonce())
            for position, payload in enumerate(parts)
        ],
    )
    return run_id


async def record_attempt(db: Database, guild_id: int, run_id: int, position: int, *, now: datetime) -> None:
    """Written just before a part is sent: from now on a resend first looks for the part in the channel."""
    await db.run_sync(_mark_attempt, guild_id, run_id, position, now)


def _mark_attempt(conn: sqlite3.Connection, guild_id: int, run_id: int, position: int, now: datetime) -> None:
    conn.execute(
        "UPDATE digest_parts SET attempted_at = ? WHERE run_id = ? AND guild_id = ? AND position = ?",
        (to_unix(now), run_id, guild_id, position),
    )
    conn.execute(
        "UPDATE digest_runs SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ? AND guild_id = ?",
        (to_unix(now), run_id, guild_id),
    )


async def record_part_sent(
    db: Database, guild_id: int, run_id: int, position: int, *, message_id: int, now: datetime
) -> bool:
    """Record that Discord accepted part ``position`` as ``message_id``. When it was the last unsent part the
    run becomes ``delivered`` in the same transaction (the watermark moves). Returns whether it did."""
    return await db.run_sync(_mark_part_sent, guild_id, run_id, position, message_id, now)


def _mark_part_sent(
    conn: sqlite3.Connection, guild_id: int, run_id: int, position: int, message_id: int, now: datetime
) -> bool:
    # Once posted, a part's payload is in Discord and needed no more: it goes (released feedback with
    # it), so the database keeps no second copy of what the channel shows.
    conn.execute(
        "UPDATE digest_parts SET message_id = ?, sent_at = ?, payload = '{}' "
        "WHERE run_id = ? AND guild_id = ? AND position = ? AND message_id IS NULL",
        (message_id, to_unix(now), run_id, guild_id, position),
    )
    row = conn.execute(
        "SELECT COUNT(*) FROM digest_parts WHERE run_id = ? AND message_id IS NULL", (run_id,)
    ).fetchone()
    remaining = int(row[0]) if row is not None else 0
    if remaining:
        conn.execute("UPDATE digest_runs SET last_error = NULL WHERE id = ? AND guild_id = ?", (run_id, guild_id))
        return False
    conn.execute(
        "UPDATE digest_runs SET status = 'delivered', delivered_at = ?, last_error = NULL "
        "WHERE id = ? AND guild_id = ? AND status = 'pending'",
        (to_unix(now), run_id, guild_id),
    )
    return True


async def record_failure(db: Database, guild_id: int, run_id: int, *, status: int, now: datetime) -> None:
    """A send failed with HTTP ``status`` (0: timeout or connection); the run stays pending."""
    await db.run_sync(_mark_failure, guild_id, run_id, status, now)


def _mark_failure(conn: sqlite3.Connection, guild_id: int, run_id: int, status: int, now: datetime) -> None:
    conn.execute(
        "UPDATE digest_runs SET last_error = ?, last_attempt_at = ? WHERE id = ? AND guild_id = ?",
        (status, to_unix(now), run_id, guild_id),
    )


async def scrub_feedback(db: Database, guild_id: int, items: Sequence[ReleasedItem]) -> int:
    """Replace the lines of anonymous feedback ``items`` (retracted or expired) in the parts of digests not
    yet posted with a note that it was withdrawn. Only a whole feedback line, as the digest rendered it,
    is replaced (a digest never splits a line), so nothing else in the part is touched. Posted parts keep
    no payload (:func:`record_part_sent`). Returns how many parts changed.

    Read and rewritten in one write (:meth:`Database.run_sync`): two withdrawals at the same moment each
    start from the other's result, so neither brings back a line the other removed."""
    if not items:
        return 0
    return await db.run_sync(_scrub_parts, guild_id, tuple(items))


def _scrub_parts(conn: sqlite3.Connection, guild_id: int, items: tuple[ReleasedItem, ...]) -> int:
    rows = conn.execute(
        "SELECT p.run_id, p.position, p.payload, r.locale FROM digest_parts p JOIN digest_runs r ON r.id = p.run_id"
        " WHERE p.guild_id = ? AND p.message_id IS NULL",
        (guild_id,),
    ).fetchall()
    changed: list[tuple[str, int, int]] = []
    for run_id, position, raw, locale in rows:
        lines = {feedback_entry(locale, item) for item in items}
        note = t(locale, "digest.entry.feedback_withdrawn")
        payload = json.loads(raw)
        scrubbed = _replace_lines(payload, lines, note)
        if scrubbed != payload:
            changed.append((json.dumps(scrubbed, ensure_ascii=False), run_id, position))
    conn.executemany(
        "UPDATE digest_parts SET payload = ? WHERE run_id = ? AND position = ? AND message_id IS NULL", changed
    )
    return len(changed)


def _replace_lines(value: Any, lines: set[str], note: str) -> Any:
    """``value`` with every line (of every string inside it) that is one of ``lines`` replaced by ``note``."""
    if isinstance(value, dict):
        return {key: _replace_lines(item, lines, note) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_lines(item, lines, note) for item in value]
    if not isinstance(value, str) or not any(line in value for line in lines):
        return value
    return "\n".join(note if line in lines else line for line in value.split("\n"))
