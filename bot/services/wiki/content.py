"""What the bot writes on the wiki: the register of public leads and the decisions log, as wikitext.

Public leads only, whatever their status. Every piece of user text goes through
:func:`bot.services.wikitext.inert`, so nothing a member typed becomes a template, a link, a magic word or
a signature on the wiki. No time of day and no timestamp of the run: a page changes only when what it
says changes, so the bot edits only then.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.clock import from_unix
from bot.db import Database
from bot.i18n import t, term
from bot.services.leads.model import ref
from bot.services.wikitext import inert

#: The statuses a decision ends in, as the decisions log lists them.
DECISIONS = ("approved", "vetoed", "declined", "completed")
#: Longest rationale quoted in the decisions log (the lead's history keeps the whole text).
RATIONALE_LIMIT = 1500

#: A member's name for the decisions log, when ``wiki.name_reviewers`` is on (None: leave them out).
Names = Callable[[int], str] | None


@dataclass(frozen=True)
class RegisterRow:
    lead_id: int
    partner: str
    level: str
    direction: str
    sector: str | None
    tier: str | None
    entity: str | None
    status: str
    since: date


@dataclass(frozen=True)
class Decision:
    lead_id: int
    partner: str
    status: str
    day: date
    rationale: str
    reviewers: tuple[int, ...]


async def register_rows(db: Database, guild_id: int) -> list[RegisterRow]:
    """Every public lead, by partner name, with the day it entered its present status."""
    return await db.call(_register_sync, guild_id)


def _register_sync(conn: sqlite3.Connection, guild_id: int) -> list[RegisterRow]:
    rows = conn.execute(
        "SELECT l.id, l.partner, l.level, l.direction, l.sector, l.tier, l.entity, l.status,"
        " COALESCE((SELECT MAX(e.at) FROM lead_events e WHERE e.lead_id = l.id AND e.to_status = l.status),"
        " l.created_at)"
        " FROM leads l WHERE l.guild_id = ? AND l.visibility = 'public' ORDER BY l.partner COLLATE NOCASE, l.id",
        (guild_id,),
    ).fetchall()
    return [
        RegisterRow(
            lead_id=row[0],
            partner=row[1],
            level=row[2],
            direction=row[3],
            sector=row[4],
            tier=row[5],
            entity=row[6],
            status=row[7],
            since=from_unix(row[8]).date(),
        )
        for row in rows
    ]


async def decisions(db: Database, guild_id: int) -> list[Decision]:
    """Every approval, veto, decline and completion of a public lead, newest first, with its written
    rationale (a veto's or decline's reason, the lessons learned, an approval's reasons)."""
    return await db.call(_decisions_sync, guild_id)


def _decisions_sync(conn: sqlite3.Connection, guild_id: int) -> list[Decision]:
    marks = ", ".join("?" * len(DECISIONS))
    # Only decisions made while the lead was public: one made before its latest change of visibility may
    # have been made (and reasoned) for the working group's eyes only.
    events = conn.execute(
        "SELECT e.lead_id, l.partner, e.to_status, e.at, e.note, e.actor_id FROM lead_events e"
        " JOIN leads l ON l.id = e.lead_id"
        f" WHERE e.guild_id = ? AND e.kind = 'status' AND e.to_status IN ({marks}) AND l.visibility = 'public'"
        " AND e.id > COALESCE((SELECT MAX(v.id) FROM lead_events v"
        " WHERE v.lead_id = e.lead_id AND v.kind = 'edit' AND v.note = 'visibility'), 0)"
        " ORDER BY e.at DESC, e.id DESC",
        (guild_id, *DECISIONS),
    ).fetchall()
    found = []
    for lead_id, partner, status, at, note, actor in events:
        rationale = (note or "").strip()
        reviewers: tuple[int, ...] = (actor,) if actor is not None else ()
        if status in ("approved", "vetoed"):
            votes = _closing_votes(conn, lead_id, at, "approve" if status == "approved" else "veto")
            reviewers = tuple(v[0] for v in votes) or reviewers
            if not rationale:
                rationale = " · ".join(v[1].strip() for v in votes if v[1] and v[1].strip())
        elif status in ("declined", "completed"):
            reviewers = ()  # a move by the working group, not a vote
        found.append(Decision(lead_id, partner, status, from_unix(at).date(), rationale, reviewers))
    return found


def _closing_votes(conn: sqlite3.Connection, lead_id: int, at: int, vote: str) -> list[tuple[int, str | None]]:
    """The ``vote`` votes of the review of ``lead_id`` that closed at or just before ``at``."""
    review = conn.execute(
        "SELECT id FROM lead_reviews WHERE lead_id = ? AND opened_at <= ? ORDER BY opened_at DESC, id DESC LIMIT 1",
        (lead_id, at),
    ).fetchone()
    if review is None:
        return []
    return [
        (int(r[0]), r[1])
        for r in conn.execute(
            "SELECT reviewer_id, rationale FROM review_votes WHERE review_id = ? AND vote = ? ORDER BY at",
            (review[0], vote),
        )
    ]


# -- wikitext --------------------------------------------------------------------------------------
def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ['{| class="wikitable sortable"', "! " + " !! ".join(headers)]
    for row in rows:
        lines += ["|-", "| " + " || ".join(row)]
    lines.append("|}")
    return "\n".join(lines)


def _cell(value: object) -> str:
    return inert(_storable("" if value is None else str(value)))


def _storable(text: str) -> str:
    """``text`` as the wiki would store it: control characters and Unicode noncharacters (which MediaWiki
    replaces with U+FFFD on save) become spaces here, so what the bot wrote reads back the same and is
    never mistaken for a hand edit."""
    return "".join(" " if _unstorable(ch) else ch for ch in text)


def _unstorable(ch: str) -> bool:
    code = ord(ch)
    return unicodedata.category(ch) in ("Cc", "Cs") or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def register_text(rows: list[RegisterRow], locale: str) -> str:
    """The register: a sortable table of public leads, or a line saying there are none yet."""
    intro = t(locale, "wiki.register.intro")
    if not rows:
        return f"{intro}\n\n{t(locale, 'wiki.register.empty')}"
    headers = [
        t(locale, f"wiki.column.{c}")
        for c in ("partner", "level", "direction", "sector", "tier", "entity", "status", "since")
    ]
    body = [
        [
            _cell(r.partner),
            _cell(term(locale, "level", r.level)),
            _cell(term(locale, "direction", r.direction)),
            _cell(r.sector),
            _cell(term(locale, "tier", r.tier) if r.tier else ""),
            _cell(r.entity),
            _cell(term(locale, "status", r.status)),
            r.since.isoformat(),
        ]
        for r in rows
    ]
    return f"{intro}\n\n{_table(headers, body)}"


def decisions_text(found: list[Decision], locale: str, names: Names = None) -> str:
    """The decisions log: newest first, each with its date and rationale (and reviewers, if named)."""
    intro = t(locale, "wiki.decisions.intro")
    if not found:
        return f"{intro}\n\n{t(locale, 'wiki.decisions.empty')}"
    columns = ["date", "lead", "partner", "decision", "rationale"] + (["reviewers"] if names else [])
    headers = [t(locale, f"wiki.column.{c}") for c in columns]
    body = []
    for d in found:
        rationale = d.rationale if len(d.rationale) <= RATIONALE_LIMIT else d.rationale[: RATIONALE_LIMIT - 1] + "…"
        row = [
            d.day.isoformat(),
            ref(d.lead_id),
            _cell(d.partner),
            _cell(term(locale, "status", d.status)),
            _cell(rationale) or t(locale, "wiki.decisions.no_rationale"),
        ]
        if names:
            row.append(_cell(", ".join(names(r) for r in d.reviewers)))
        body.append(row)
    return f"{intro}\n\n{_table(headers, body)}"
