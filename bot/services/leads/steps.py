"""The steps every write of a lead is made of, inside the caller's transaction: read the lead's row (and
check who may see it), record an event, mark the lead changed, attach flags."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.errors import InvalidInput, NotFound
from bot.services.access import Access
from bot.services.leads.model import SEVERITIES, Flag, LeadEvent, event_from_row, ref, to_ts


def lead_row(conn: sqlite3.Connection, guild_id: int, lead_id: int) -> sqlite3.Row:
    """The lead's row, or NotFound ``lead.unknown`` (also for another guild's lead)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, guild_id, partner, status, owner_id, visibility FROM leads WHERE id = ? AND +guild_id = ?",
        (lead_id, guild_id),
    ).fetchone()
    if row is None:
        raise NotFound("lead.unknown", ref=ref(lead_id))
    return row


def check_visible(row: Any, viewer_id: int | None, access: Access) -> None:
    """Members see their own leads and public ones; anything else is as if it did not exist."""
    if access >= Access.WORKING_GROUP:
        return
    if access >= Access.MEMBER and (row["visibility"] == "public" or row["owner_id"] == viewer_id):
        return
    raise NotFound("lead.unknown", ref=ref(row["id"]))


def insert_event(
    conn: sqlite3.Connection,
    *,
    guild_id: int,
    lead_id: int,
    partner: str,
    actor_id: int | None,
    kind: str,
    note: str | None,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
) -> LeadEvent:
    when = to_ts(at)
    cur = conn.execute(
        "INSERT INTO lead_events (guild_id, lead_id, actor_id, kind, from_status, to_status, note, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, lead_id, actor_id, kind, from_status, to_status, note, when),
    )
    event_id = cur.lastrowid
    assert event_id is not None
    return event_from_row((event_id, guild_id, lead_id, partner, actor_id, from_status, to_status, note, kind, when))


def record_event(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    *,
    actor_id: int | None,
    kind: str,
    note: str | None,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
) -> LeadEvent:
    """:func:`insert_event` for the lead of ``row`` (a :func:`lead_row`: its id, guild and partner)."""
    return insert_event(
        conn, guild_id=row["guild_id"], lead_id=row["id"], partner=row["partner"], actor_id=actor_id, kind=kind,
        note=note, at=at, from_status=from_status, to_status=to_status,
    )  # fmt: skip


def touch(conn: sqlite3.Connection, lead_id: int, now: datetime) -> None:
    """Mark the lead changed: newer updated_at, and its channel card due for a refresh."""
    conn.execute("UPDATE leads SET updated_at = ?, version = version + 1 WHERE id = ?", (to_ts(now), lead_id))


def insert_flags(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    flags: Iterable[Flag],
    *,
    actor_id: int | None,
    now: datetime,
) -> list[LeadEvent]:
    """Attach flags not already on the lead; one ``flag`` event for each new one."""
    events = []
    for flag in flags:
        if flag.severity not in SEVERITIES:
            raise InvalidInput("lead.flag_severity", allowed=", ".join(SEVERITIES))
        cur = conn.execute(
            "INSERT OR IGNORE INTO lead_flags (guild_id, lead_id, source, severity, message, created_at, raised_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row["guild_id"], row["id"], flag.source, flag.severity, flag.message, to_ts(now), flag.raised_by),
        )
        if cur.rowcount:
            events.append(
                record_event(
                    conn,
                    row,
                    actor_id=actor_id,
                    kind="flag",
                    note=f"{flag.severity}: {flag.message}",
                    at=now,
                )
            )
    return events
