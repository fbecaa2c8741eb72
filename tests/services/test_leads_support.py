"""Helpers shared by the leads service tests (and a check that the snapshot covers every leads table)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import HardLine, LeadsSettings
from bot.db import Database
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.service import log_lead

GUILD = 111
OTHER_GUILD = 222
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
OWNER = 501
WG = 601
REVIEWER_A = 701
REVIEWER_B = 702
REVIEWER_C = 703

SETTINGS = LeadsSettings(
    hard_lines=(
        HardLine(name="arms", patterns=(r"\barms\b", "weapons?"), message="Arms trade is a hard line."),
        HardLine(name="tobacco", patterns=("tabac", "tobacco"), message="Tobacco industry."),
    )
)

TABLES = (
    "leads",
    "lead_aliases",
    "lead_notes",
    "lead_flags",
    "lead_events",
    "lead_reviews",
    "review_votes",
    "leads_fts",
    "leads_fts_tri",
)


async def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every leads table, to assert that a refusal changed nothing."""
    return {
        table: [tuple(r) for r in await db.fetchall(f"SELECT rowid, * FROM {table} ORDER BY rowid")] for table in TABLES
    }


async def add(
    db: Database,
    partner: str = "Europeana",
    *,
    guild_id: int = GUILD,
    owner_id: int = OWNER,
    now: datetime = NOW,
    settings: LeadsSettings = SETTINGS,
    **fields: object,
) -> leads.Lead:
    fields.setdefault("level", "global")
    fields.setdefault("direction", "external")
    draft = leads.LeadDraft(partner=partner, **fields)  # type: ignore[arg-type]
    result = await log_lead(db, guild_id, draft, owner_id=owner_id, now=now, settings=settings, check_duplicates=False)
    assert result.lead is not None
    return result.lead


async def move(db: Database, lead_id: int, status: str, *, access: Access = Access.REVIEWER, **kw: object):
    kw.setdefault("actor_id", WG)
    kw.setdefault("note", "a note long enough to be a rationale")
    kw.setdefault("now", NOW)
    return await leads.transition(db, GUILD, lead_id, status, actor_access=access, **kw)  # type: ignore[arg-type]


async def test_snapshot_covers_every_leads_table(db: Database) -> None:
    names = {
        r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type IN ('table') AND name LIKE '%lead%'")
    }
    names |= {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE name = 'review_votes'")}
    fts_internal = {n for n in names if n.startswith("leads_fts") and n not in ("leads_fts", "leads_fts_tri")}
    assert names - fts_internal - {"lead_name_state"} == set(TABLES)
