"""What the digest reads from the register: changes and new leads in a period, and what needs attention."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.db import Database
from bot.services.leads.model import EVENT_COLUMNS, OPEN_STATUSES, Lead, LeadEvent, event_from_row, to_ts
from bot.services.leads.queries import leads_in_order

_OPEN = ",".join(f"'{s}'" for s in OPEN_STATUSES)


async def events_between(db: Database, guild_id: int, start: datetime, end: datetime) -> list[LeadEvent]:
    """Every event in ``[start, end)``, oldest first."""
    return await db.call(_events_sync, guild_id, to_ts(start), to_ts(end))


def _events_sync(conn: sqlite3.Connection, guild_id: int, start: int, end: int) -> list[LeadEvent]:
    # A busy week has thousands of events: plain tuples (no sqlite3.Row per event) and one hand-over.
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(
        f"SELECT {EVENT_COLUMNS} FROM lead_events e JOIN leads l ON l.id = e.lead_id "
        "WHERE e.guild_id = ? AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id",
        (guild_id, start, end),
    )
    try:
        return [event_from_row(r) for r in cursor]
    finally:
        cursor.close()


async def created_between(db: Database, guild_id: int, start: datetime, end: datetime) -> list[Lead]:
    """Leads logged in ``[start, end)``, oldest first."""
    rows = await db.fetchall(
        "SELECT id FROM leads WHERE guild_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id",
        (guild_id, to_ts(start), to_ts(end)),
    )
    return await leads_in_order(db, guild_id, [r[0] for r in rows])


async def needs_attention(
    db: Database, guild_id: int, now: datetime, stale_days: int, *, limit: int = 200
) -> tuple[list[Lead], list[Lead]]:
    """(open leads carrying a hard-line or other high-severity flag, open leads untouched for more than
    ``stale_days``), each oldest first and at most ``limit`` long."""
    flagged = await db.fetchall(
        f"SELECT DISTINCT l.id FROM leads l JOIN lead_flags f ON f.lead_id = l.id "
        f"WHERE l.guild_id = ? AND l.status IN ({_OPEN}) "
        "AND (f.severity = 'high' OR f.source LIKE 'hard\\_line%' ESCAPE '\\') ORDER BY l.id LIMIT ?",
        (guild_id, limit),
    )
    cutoff = to_ts(now - timedelta(days=stale_days))
    stale = await db.fetchall(
        f"SELECT id FROM leads WHERE guild_id = ? AND status IN ({_OPEN}) AND updated_at < ? "
        "ORDER BY updated_at, id LIMIT ?",
        (guild_id, cutoff, limit),
    )
    return (
        await leads_in_order(db, guild_id, [r[0] for r in flagged]),
        await leads_in_order(db, guild_id, [r[0] for r in stale]),
    )
