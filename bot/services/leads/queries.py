"""Reading leads: one, or a page of them, filtered by who is asking."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import Database
from bot.errors import NotFound
from bot.services.access import Access
from bot.services.leads.model import (
    EVENT_COLUMNS,
    LEAD_COLUMNS,
    Flag,
    Lead,
    LeadDetail,
    Note,
    event_from_row,
    from_ts,
    lead_from_row,
    ref,
)
from bot.services.leads.pipeline import check_visible

PAGE_SIZE = 10
_CHUNK = 500


async def load_leads(db: Database, guild_id: int, ids: Sequence[int]) -> dict[int, Lead]:
    """The leads with these ids (of this guild), with aliases and flags, three queries a chunk."""
    found: dict[int, Lead] = {}
    for start in range(0, len(ids), _CHUNK):
        found.update(await _load_chunk(db, guild_id, ids[start : start + _CHUNK]))
    return found


async def _load_chunk(db: Database, guild_id: int, ids: Sequence[int]) -> dict[int, Lead]:
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        f"SELECT {LEAD_COLUMNS} FROM leads l WHERE +l.guild_id = ? AND l.id IN ({marks})", (guild_id, *ids)
    )
    aliases: dict[int, list[str]] = {}
    for row in await db.fetchall(
        f"SELECT lead_id, alias FROM lead_aliases WHERE lead_id IN ({marks}) ORDER BY id", tuple(ids)
    ):
        aliases.setdefault(row[0], []).append(row[1])
    flags: dict[int, list[Flag]] = {}
    for row in await db.fetchall(
        f"SELECT lead_id, source, severity, message FROM lead_flags WHERE lead_id IN ({marks}) ORDER BY id",
        tuple(ids),
    ):
        flags.setdefault(row[0], []).append(Flag(row[1], row[2], row[3]))
    return {
        row["id"]: lead_from_row(row, tuple(aliases.get(row["id"], ())), tuple(flags.get(row["id"], ())))
        for row in rows
    }


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


async def lead_detail(
    db: Database, guild_id: int, lead_id: int, *, viewer_id: int, viewer_access: Access
) -> LeadDetail:
    """The lead as `/lead show` presents it to this viewer: notes and contact for the working group only."""
    lead = await get_lead(db, guild_id, lead_id)
    check_visible(_row_like(lead), viewer_id, viewer_access)
    wg = viewer_access >= Access.WORKING_GROUP
    notes: tuple[Note, ...] = ()
    if wg:
        notes = tuple(
            Note(r[0], lead_id, r[1], r[2], from_ts(r[3]))
            for r in await db.fetchall(
                "SELECT id, author_id, text, created_at FROM lead_notes WHERE lead_id = ? ORDER BY id",
                (lead_id,),
            )
        )
    kinds = "" if wg else " AND e.kind IN ('created', 'status')"
    events = tuple(
        event_from_row(r)
        for r in await db.fetchall(
            f"SELECT {EVENT_COLUMNS} FROM lead_events e JOIN leads l ON l.id = e.lead_id "
            f"WHERE e.lead_id = ?{kinds} ORDER BY e.id",
            (lead_id,),
        )
    )
    return LeadDetail(for_viewer(lead, viewer_access), notes, events)


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
) -> LeadPage:
    """One page of the leads this viewer may see, newest first."""
    where = "l.guild_id = ?"
    params: list[object] = [guild_id]
    for column in ("status", "level", "direction", "sector"):
        value = getattr(filters, column)
        if value:
            where += f" AND l.{column} = ?"
            params.append(value)
    if filters.mine:
        where += " AND l.owner_id = ?"
        params.append(viewer_id)
    extra, extra_params = visibility_sql(viewer_id, viewer_access)
    where += extra
    params.extend(extra_params)
    total = int(await db.fetchval(f"SELECT count(*) FROM leads l WHERE {where}", params) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(0, page), pages - 1)
    ids = [
        r[0]
        for r in await db.fetchall(
            f"SELECT l.id FROM leads l WHERE {where} ORDER BY l.id DESC LIMIT ? OFFSET ?",
            (*params, per_page, page * per_page),
        )
    ]
    leads = await leads_in_order(db, guild_id, ids)
    return LeadPage(tuple(for_viewer(x, viewer_access) for x in leads), total, page, per_page)


async def known_entities(db: Database, guild_id: int, text: str = "", *, limit: int = 25) -> list[str]:
    """Movement bodies leads were assigned to before, most used first (for autocomplete)."""
    rows = await db.fetchall(
        "SELECT entity, count(*) AS uses FROM leads WHERE guild_id = ? AND entity IS NOT NULL "
        "GROUP BY entity ORDER BY uses DESC, entity LIMIT 500",
        (guild_id,),
    )
    needle = (text or "").casefold().strip()
    return [r[0] for r in rows if needle in r[0].casefold()][:limit]
