"""Writing leads: logging one (with the duplicate check and hard lines), editing, assigning, and keeping
track of which channel cards still have to be posted."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.config import HardLine, LeadsSettings
from bot.db import Database
from bot.errors import Conflict, InvalidInput
from bot.services.access import Access
from bot.services.leads import dedup
from bot.services.leads.model import (
    CONTACT_MAX,
    DIRECTIONS,
    EDITABLE,
    ENTITY_MAX,
    LEAD_COLUMNS,
    LEVELS,
    TEXT_MAX,
    TIERS,
    VISIBILITIES,
    Flag,
    Lead,
    LeadDraft,
    LeadEvent,
    check_aliases,
    check_choice,
    check_length,
    check_link,
    check_partner,
    clean_text,
    lead_from_row,
    ref,
    split_aliases,
    to_ts,
)
from bot.services.leads.names import NameChange, Names
from bot.services.leads.steps import insert_event, insert_flags, lead_row, record_event, touch

#: A value that empties an optional field in `/lead edit`.
CLEAR = "-"


def hard_line_flags(texts: Iterable[str | None], hard_lines: Iterable[HardLine]) -> list[Flag]:
    """A flag for each configured hard line that one of ``texts`` matches (case and Latin accents
    ignored); two lines with the same name and message make one flag, as the database keeps one."""
    forms: list[str] = []
    for text in texts:
        if text:
            plain = unicodedata.normalize("NFKC", text)
            forms.extend((plain, dedup.fold_latin(plain)))
    flags: dict[tuple[str, str], Flag] = {}
    for line in hard_lines:
        if any(re.search(pattern, form, re.IGNORECASE) for pattern in line.patterns for form in forms):
            flag = Flag(f"hard_line:{line.name}", "high", line.message)
            flags.setdefault((flag.source, flag.message), flag)
    return list(flags.values())


@dataclass(frozen=True)
class Duplicate:
    """An existing lead the new one may duplicate."""

    lead_id: int
    partner: str
    matched: str
    score: float
    status: str
    visibility: str = "wg"
    owner_id: int | None = None

    @property
    def ref(self) -> str:
        return ref(self.lead_id)

    def visible_to(self, viewer_id: int, access: Access) -> bool:
        """Whether this viewer may see the lead (the rule of ``check_visible``): the working group sees
        every lead, a member their own and public ones."""
        if access >= Access.WORKING_GROUP:
            return True
        return access >= Access.MEMBER and (self.visibility == "public" or self.owner_id == viewer_id)


@dataclass(frozen=True)
class AddResult:
    """Either the lead was saved (``lead``), or likely duplicates wait for the logger's decision:
    ``duplicates`` the logger may see, ``hidden`` how many more they may not (never named to them)."""

    lead: Lead | None
    duplicates: tuple[Duplicate, ...] = ()
    events: tuple[LeadEvent, ...] = ()
    hidden: int = 0


async def find_duplicates(db: Database, names: Names, partner: str, threshold: float) -> list[Duplicate]:
    """Existing leads whose name or alias is like ``partner``, most similar first (at most three)."""
    matches = await names.similar(partner, threshold)
    if not matches:
        return []
    marks = ",".join("?" * len(matches))
    rows = {
        r[0]: r
        for r in await db.fetchall(
            f"SELECT id, partner, status, visibility, owner_id FROM leads WHERE +guild_id = ? AND id IN ({marks})",
            (names.guild_id, *(m.lead_id for m in matches)),
        )
    }
    return [
        Duplicate(m.lead_id, row[1], m.name, m.score, row[2], row[3], row[4])
        for m in matches
        if (row := rows.get(m.lead_id)) is not None
    ]


@dataclass(frozen=True)
class Inserted:
    """A lead just written: the lead as stored, its events (created, then any hard-line flags) and what it
    did to the guild's names."""

    lead: Lead
    events: tuple[LeadEvent, ...]
    names: NameChange


async def insert_lead(
    db: Database, guild_id: int, draft: LeadDraft, *, owner_id: int, now: datetime, settings: LeadsSettings
) -> Inserted:
    """Write a checked draft as a new lead in one transaction: the lead, its aliases, its created event and
    a flag for each hard line it crosses."""
    suffixes = settings.legal_suffixes
    flags = hard_line_flags((draft.partner, *draft.aliases, draft.summary), settings.hard_lines)
    when = to_ts(now)
    partner_norm = dedup.normalise_name(draft.partner, suffixes)
    return await db.run_sync(_insert_lead, guild_id, draft, owner_id, when, now, partner_norm, suffixes, flags)


def _insert_lead(
    conn: sqlite3.Connection,
    guild_id: int,
    draft: LeadDraft,
    owner_id: int,
    when: int,
    now: datetime,
    partner_norm: str,
    suffixes: tuple[str, ...],
    flags: list[Flag],
) -> Inserted:
    """The writes of :func:`insert_lead`, with the names version read before and after them."""
    before = _names_version(conn, guild_id)
    cur = conn.execute(
        "INSERT INTO leads (guild_id, partner, partner_norm, direction, level, sector, tier, entity, "
        "summary, offer, ask, contact, link, visibility, status, owner_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'logged', ?, ?, ?)",
        (
            guild_id,
            draft.partner,
            partner_norm,
            draft.direction,
            draft.level,
            draft.sector,
            draft.tier,
            draft.entity,
            draft.summary,
            draft.offer,
            draft.ask,
            draft.contact,
            draft.link,
            draft.visibility,
            owner_id,
            when,
            when,
        ),
    )
    lead_id = cur.lastrowid
    assert lead_id is not None
    alias_rows = _insert_aliases(conn, guild_id, lead_id, draft.aliases, suffixes)
    event = insert_event(
        conn,
        guild_id=guild_id,
        lead_id=lead_id,
        partner=draft.partner,
        actor_id=owner_id,
        kind="created",
        note=None,
        at=now,
    )
    row = conn.execute(f"SELECT {LEAD_COLUMNS} FROM leads l WHERE l.id = ?", (lead_id,)).fetchone()
    assert row is not None
    flag_events = insert_flags(conn, row, flags, actor_id=None, now=now)
    after = _names_version(conn, guild_id)
    # The lead as stored, from the row just read: its aliases and flags are the ones just written.
    lead = lead_from_row(row, draft.aliases, tuple(flags))
    added = (
        (f"p{lead_id}", lead_id, draft.partner, partner_norm),
        *((f"a{alias_id}", lead_id, alias, norm) for alias_id, alias, norm in alias_rows),
    )
    return Inserted(lead, (event, *flag_events), NameChange(before, after, added))


def _names_version(conn: sqlite3.Connection, guild_id: int) -> int:
    row = conn.execute("SELECT version FROM lead_name_state WHERE guild_id = ?", (guild_id,)).fetchone()
    return int(row[0]) if row else 0


def _insert_aliases(
    conn: sqlite3.Connection, guild_id: int, lead_id: int, aliases: Iterable[str], suffixes: tuple[str, ...]
) -> list[tuple[int, str, str]]:
    inserted = []
    for alias in aliases:
        norm = dedup.normalise_name(alias, suffixes)
        cur = conn.execute(
            "INSERT INTO lead_aliases (guild_id, lead_id, alias, alias_norm) VALUES (?, ?, ?, ?)",
            (guild_id, lead_id, alias, norm),
        )
        assert cur.lastrowid is not None
        inserted.append((cur.lastrowid, alias, norm))
    return inserted


def _check_field(field: str, value: str, settings: LeadsSettings) -> object:
    """The value to store for ``field`` (None clears), or InvalidInput."""
    cleared = value.strip() == CLEAR
    if field == "partner":
        return check_partner(value)
    if field == "aliases":
        return () if cleared else check_aliases(split_aliases(value))
    if field in ("summary", "offer", "ask"):
        return None if cleared else check_length(field, value, TEXT_MAX)
    if field == "contact":
        return None if cleared else check_length(field, value, CONTACT_MAX)
    if field == "link":
        return None if cleared else check_link(value)
    choices = {
        "level": (LEVELS, False),
        "direction": (DIRECTIONS, False),
        "visibility": (VISIBILITIES, False),
        "sector": (settings.sectors, True),
        "tier": (TIERS, True),
    }
    allowed, optional = choices[field]
    if cleared and optional:
        return None
    return check_choice(field, value, allowed, optional=optional)


@dataclass(frozen=True)
class Edited:
    """One field of a lead changed: its ``edit`` event, and what it did to the guild's names."""

    event: LeadEvent
    names: NameChange


async def edit_lead(
    db: Database,
    guild_id: int,
    lead_id: int,
    field: str,
    value: str,
    *,
    actor_id: int,
    now: datetime,
    settings: LeadsSettings,
) -> Edited:
    """Change one field (``-`` empties an optional one). Names and summaries are checked against the
    hard lines again; the history records which field changed (not the value: it may be a contact)."""
    if field not in EDITABLE:
        raise InvalidInput("lead.field_unknown", fields=", ".join(EDITABLE))
    new = _check_field(field, value, settings)
    return await db.run_sync(_edit_lead, guild_id, lead_id, field, new, actor_id, now, settings)


def _edit_lead(
    conn: sqlite3.Connection,
    guild_id: int,
    lead_id: int,
    field: str,
    new: object,
    actor_id: int,
    now: datetime,
    settings: LeadsSettings,
) -> Edited:
    """The writes of :func:`edit_lead`, with the names version read before and after them."""
    suffixes = settings.legal_suffixes
    added: tuple[tuple[str, int, str, str], ...] = ()
    removed: tuple[str, ...] = ()
    row = lead_row(conn, guild_id, lead_id)
    before = _names_version(conn, guild_id)
    if field == "aliases":
        old_aliases = conn.execute(
            "SELECT id, alias FROM lead_aliases WHERE lead_id = ? ORDER BY id", (lead_id,)
        ).fetchall()
        if tuple(a[1] for a in old_aliases) == new:
            raise Conflict("lead.unchanged", ref=ref(lead_id), field=field)
        conn.execute("DELETE FROM lead_aliases WHERE lead_id = ?", (lead_id,))
        assert isinstance(new, tuple)
        inserted = _insert_aliases(conn, guild_id, lead_id, new, suffixes)
        removed = tuple(f"a{alias_id}" for alias_id, _ in old_aliases)
        added = tuple((f"a{alias_id}", lead_id, alias, norm) for alias_id, alias, norm in inserted)
        texts: tuple[str | None, ...] = tuple(new)
    else:
        old = conn.execute(f"SELECT {field} FROM leads WHERE id = ?", (lead_id,)).fetchone()[0]
        if old == new:
            raise Conflict("lead.unchanged", ref=ref(lead_id), field=field)
        if field == "partner":
            assert isinstance(new, str)
            norm = dedup.normalise_name(new, suffixes)
            conn.execute("UPDATE leads SET partner = ?, partner_norm = ? WHERE id = ?", (new, norm, lead_id))
            added = ((f"p{lead_id}", lead_id, new, norm),)
        else:
            conn.execute(f"UPDATE leads SET {field} = ? WHERE id = ?", (new, lead_id))
        texts = (new,) if field in ("partner", "summary") and isinstance(new, str) else ()
    after = _names_version(conn, guild_id)
    touch(conn, lead_id, now)
    row = lead_row(conn, guild_id, lead_id)
    event = record_event(
        conn,
        row,
        actor_id=actor_id,
        kind="edit",
        note=field,
        at=now,
    )
    insert_flags(conn, row, hard_line_flags(texts, settings.hard_lines), actor_id=None, now=now)
    return Edited(event, NameChange(before, after, added, removed))


async def assign_entity(
    db: Database, guild_id: int, lead_id: int, entity: str, *, actor_id: int, now: datetime
) -> LeadEvent:
    """Name the movement body that should own the lead."""
    value = check_length("entity", entity, ENTITY_MAX)
    if value is None:
        raise InvalidInput("lead.entity_empty")
    return await db.run_sync(_assign_entity, guild_id, lead_id, value, actor_id, now)


def _assign_entity(
    conn: sqlite3.Connection, guild_id: int, lead_id: int, value: str, actor_id: int, now: datetime
) -> LeadEvent:
    row = lead_row(conn, guild_id, lead_id)
    conn.execute("UPDATE leads SET entity = ? WHERE id = ?", (value, lead_id))
    touch(conn, lead_id, now)
    return record_event(
        conn,
        row,
        actor_id=actor_id,
        kind="assign",
        note=value,
        at=now,
    )


def duplicate_note(draft: LeadDraft, *, logger_id: int) -> str:
    """The note "Add as a note to L-n" writes: everything the logger typed, so nothing is lost."""
    lines = [f"{draft.partner} (<@{logger_id}>)"]
    for label, value in (
        ("summary", draft.summary),
        ("offer", draft.offer),
        ("ask", draft.ask),
        ("contact", draft.contact),
        ("link", draft.link),
        ("entity", draft.entity),
    ):
        if clean_text(value):
            lines.append(f"{label}: {value}")
    return "\n".join(lines)[:1000]
