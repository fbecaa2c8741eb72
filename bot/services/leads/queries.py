"""Reading leads: one, or a page of them, filtered by who is asking."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.db import Database
from bot.errors import NotFound
from bot.services.access import Access
from bot.services.leads.model import (
    EVENT_COLUMNS,
    LEAD_COLUMNS,
    Flag,
    Lead,
    LeadDetail,
    LeadEvent,
    Note,
    event_from_row,
    from_ts,
    lead_from_row,
    ref,
)
from bot.services.leads.steps import check_visible

PAGE_SIZE = 10
T = TypeVar("T")
_CHUNK = 500


async def load_leads(db: Database, guild_id: int, ids: Sequence[int]) -> dict[int, Lead]:
    """The leads with these ids (of this guild), with aliases and flags."""
    return await db.call(_load_sync, guild_id, list(ids))


def _load_sync(conn: sqlite3.Connection, guild_id: int, ids: list[int]) -> dict[int, Lead]:
    found: dict[int, Lead] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {LEAD_COLUMNS} FROM leads l WHERE +l.guild_id = ? AND l.id IN ({marks})", (guild_id, *chunk)
        ).fetchall()
        aliases: dict[int, list[str]] = {}
        for row in conn.execute(
            f"SELECT lead_id, alias FROM lead_aliases WHERE lead_id IN ({marks}) ORDER BY id", chunk
        ):
            aliases.setdefault(row[0], []).append(row[1])
        flags: dict[int, list[Flag]] = {}
        for row in conn.execute(
            f"SELECT lead_id, source, severity, message, raised_by FROM lead_flags WHERE lead_id IN ({marks}) "
            "ORDER BY id",
            chunk,
        ):
            flags.setdefault(row[0], []).append(Flag(row[1], row[2], row[3], row[4]))
        for row in rows:
            lead_id = row["id"]
            found[lead_id] = lead_from_row(row, tuple(aliases.get(lead_id, ())), tuple(flags.get(lead_id, ())))
    return found


async def leads_in_order(db: Database, guild_id: int, ids: Sequence[int]) -> list[Lead]:
    found = await load_leads(db, guild_id, ids)
    return [found[i] for i in ids if i in found]


async def get_lead(db: Database, guild_id: int, lead_id: int) -> Lead:
    """The lead, or NotFound ``lead.unknown`` when it does not exist or belongs to another guild."""
    found = await load_leads(db, guild_id, [lead_id])
    if lead_id not in found:
        raise NotFound("lead.unknown", ref=ref(lead_id))
    return found[lead_id]


def for_viewer(lead: Lead, access: Access) -> Lead:
    """What a viewer may read: the contact is the working group's only."""
    if access >= Access.WORKING_GROUP:
        return lead
    return dataclasses.replace(lead, contact=None)


_DETAILS_KEPT = 256
_COUNTS_KEPT = 64


class Kept:
    """Reads the leads service keeps in memory until the database writes anything at all (SQLite's change
    counter): the leads recently shown, (guild, lead, working group?) -> (changes marker, detail), and
    the counts of recent lists, (where, params) -> (changes marker, count)."""

    def __init__(self) -> None:
        self.details: OrderedDict[tuple[int, int, bool], tuple[int, LeadDetail]] = OrderedDict()
        self.counts: dict[tuple[str, tuple[object, ...]], tuple[int, int]] = {}


async def lead_detail(
    db: Database, guild_id: int, lead_id: int, *, viewer_id: int, viewer_access: Access, kept: Kept | None = None
) -> LeadDetail:
    """The lead as `/lead show` presents it to this viewer: notes, the notes of status moves and the
    contact for the working group only.

    With ``kept``, kept in memory until the connection writes anything at all, so showing a lead again
    costs no database round trip; never kept when read while a transaction was open."""
    wg = viewer_access >= Access.WORKING_GROUP
    key = (guild_id, lead_id, wg)
    cache = kept.details if kept is not None else OrderedDict()
    hit = cache.get(key)
    if hit is not None and hit[0] == db.total_changes:
        cache.move_to_end(key)
        detail = hit[1]
    else:
        found, marker = await db.call(_detail_sync, guild_id, lead_id, wg)
        if found is None:
            raise NotFound("lead.unknown", ref=ref(lead_id))
        lead, notes, events = found
        detail = LeadDetail(for_viewer(lead, viewer_access), notes, events)
        if marker is not None:
            cache[key] = (marker, detail)
            if len(cache) > _DETAILS_KEPT:
                cache.popitem(last=False)
    check_visible(_row_like(detail.lead), viewer_id, viewer_access)
    return detail


def _detail_sync(
    conn: sqlite3.Connection, guild_id: int, lead_id: int, wg: bool
) -> tuple[tuple[Lead, tuple[Note, ...], tuple[LeadEvent, ...]] | None, int | None]:
    """(the lead, its notes and events) or None; and the change marker, or None when a transaction is
    open (what it read may still be rolled back)."""
    marker = None if conn.in_transaction else conn.total_changes
    lead = _load_sync(conn, guild_id, [lead_id]).get(lead_id)
    if lead is None:
        return None, marker
    notes: tuple[Note, ...] = ()
    if wg:
        notes = tuple(
            Note(r[0], lead_id, r[1], r[2], from_ts(r[3]))
            for r in conn.execute(
                "SELECT id, author_id, text, created_at FROM lead_notes WHERE lead_id = ? ORDER BY id", (lead_id,)
            )
        )
    kinds = "" if wg else " AND e.kind IN ('created', 'status')"
    events = tuple(
        # Members see that a move happened, not its note (a reason or lessons learned), like notes.
        event_from_row(r) if wg else dataclasses.replace(event_from_row(r), note=None)
        for r in conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM lead_events e JOIN leads l ON l.id = e.lead_id "
            f"WHERE e.lead_id = ?{kinds} ORDER BY e.id",
            (lead_id,),
        )
    )
    return (lead, notes, events), marker


def _row_like(lead: Lead) -> dict[str, object]:
    return {"id": lead.id, "owner_id": lead.owner_id, "visibility": lead.visibility}


def visibility_sql(viewer_id: int, access: Access) -> tuple[str, tuple[object, ...]]:
    if access >= Access.WORKING_GROUP:
        return "", ()
    return " AND (l.visibility = 'public' OR l.owner_id = ?)", (viewer_id,)


@dataclass(frozen=True)
class LeadPage:
    leads: tuple[Lead, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class LeadFilter:
    status: str | None = None
    level: str | None = None
    direction: str | None = None
    sector: str | None = None
    mine: bool = False


async def list_leads(
    db: Database,
    guild_id: int,
    filters: LeadFilter,
    *,
    viewer_id: int,
    viewer_access: Access,
    page: int = 0,
    per_page: int = PAGE_SIZE,
    kept: Kept | None = None,
) -> LeadPage:
    """One page of the leads this viewer may see, newest first."""
    filters_sql = ""
    params: list[object] = [guild_id]
    for column in ("status", "level", "direction", "sector"):
        value = getattr(filters, column)
        if value:
            filters_sql += f" AND l.{column} = ?"
            params.append(value)
    if filters.mine:
        filters_sql += " AND l.owner_id = ?"
        params.append(viewer_id)
    extra, extra_params = visibility_sql(viewer_id, viewer_access)
    filters_sql += extra
    params.extend(extra_params)
    # Status and owner have indexes that start with the guild and end with the id: SQLite walks one of
    # them newest first. Any other filter has none, and SQLite would then pick some other index on the
    # guild, look every lead up through it and sort them all (a fifth of a second at 100k leads); with
    # the guild column kept out of index choice ("+") it reads the table newest first instead and stops
    # at the page (and counts in one pass over the table, several times faster than through an index).
    indexed = bool(filters.status or filters.mine)
    guild = "l.guild_id = ?" if indexed else "+l.guild_id = ?"
    page_where = guild + filters_sql
    count_where = ("l.guild_id = ?" if indexed or not filters_sql else "+l.guild_id = ?") + filters_sql
    # The count is the costly part on a large register (a filter without an index reads every lead), and
    # paging through a list asks for it again and again: kept until the connection writes anything.
    counts = kept.counts if kept is not None else {}
    key = (count_where, tuple(params))
    hit = counts.get(key)
    known = hit[1] if hit is not None and hit[0] == db.total_changes else None
    total, page, found, marker = await db.call(
        _list_sync, guild_id, count_where, page_where, params, known, page, per_page
    )
    if marker is not None:
        if len(counts) >= _COUNTS_KEPT:
            counts.clear()
        counts[key] = (marker, total)
    return LeadPage(tuple(for_viewer(x, viewer_access) for x in found), total, page, per_page)


def _list_sync(
    conn: sqlite3.Connection,
    guild_id: int,
    count_where: str,
    page_where: str,
    params: list[object],
    known_total: int | None,
    page: int,
    per_page: int,
) -> tuple[int, int, list[Lead], int | None]:
    """(total, the page clamped to what exists, its leads, the change marker or None when a transaction
    is open), all in one hand-over to the database thread."""
    marker = None if conn.in_transaction else conn.total_changes
    total = known_total
    if total is None:
        total = int(conn.execute(f"SELECT count(*) FROM leads l WHERE {count_where}", params).fetchone()[0] or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(0, page), pages - 1)
    ids = [
        r[0]
        for r in conn.execute(
            f"SELECT l.id FROM leads l WHERE {page_where} ORDER BY l.id DESC LIMIT ? OFFSET ?",
            (*params, per_page, page * per_page),
        )
    ]
    found = _load_sync(conn, guild_id, ids)
    return total, page, [found[i] for i in ids if i in found], marker


async def known_entities(db: Database, guild_id: int, text: str = "", *, limit: int = 25) -> list[str]:
    """Movement bodies leads were assigned to before, most used first (for autocomplete)."""
    rows = await db.fetchall(
        "SELECT entity, count(*) AS uses FROM leads WHERE guild_id = ? AND entity IS NOT NULL "
        "GROUP BY entity ORDER BY uses DESC, entity LIMIT 500",
        (guild_id,),
    )
    needle = (text or "").casefold().strip()
    return [r[0] for r in rows if needle in r[0].casefold()][:limit]
