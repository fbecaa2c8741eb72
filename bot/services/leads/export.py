"""Exports of the register: CSV for spreadsheets, JSON with every field and the history, and a sortable
wikitext table of the public leads the movement can paste into a wiki page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db import Database
from bot.errors import InvalidInput
from bot.services.leads.model import STATUSES, Lead, from_ts
from bot.services.leads.queries import leads_in_order

FORMATS = ("csv", "json", "wikitext")
_CHUNK = 500

CSV_COLUMNS = (
    "id",
    "partner",
    "aliases",
    "direction",
    "level",
    "sector",
    "tier",
    "entity",
    "summary",
    "offer",
    "ask",
    "contact",
    "link",
    "visibility",
    "status",
    "owner_id",
    "created_at",
    "updated_at",
    "flags",
)
WIKI_COLUMNS = ("ID", "Partner", "Level", "Direction", "Sector", "Tier", "Entity", "Status", "Summary", "Link")


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes
    count: int
    #: Leads the format leaves out: wikitext is for publishing, so working-group-only leads stay out.
    left_out: int = 0


async def _lead_ids(db: Database, guild_id: int, status: str | None) -> list[tuple[int, bool]]:
    """(id, public?) of the guild's leads (in ``status``), oldest first."""
    if status:
        rows = await db.fetchall(
            "SELECT id, visibility = 'public' FROM leads WHERE guild_id = ? AND status = ? ORDER BY id",
            (guild_id, status),
        )
    else:
        rows = await db.fetchall(
            "SELECT id, visibility = 'public' FROM leads WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
    return [(r[0], bool(r[1])) for r in rows]


async def _leads(db: Database, guild_id: int, ids: list[int]) -> Iterator[list[Lead]]:
    chunks = []
    for start in range(0, len(ids), _CHUNK):
        chunks.append(await leads_in_order(db, guild_id, ids[start : start + _CHUNK]))
    return iter(chunks)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


# -- CSV ------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _csv_row(lead: Lead) -> list[str]:
    values: dict[str, object] = {
        "id": lead.ref,
        "partner": lead.partner,
        "aliases": "; ".join(lead.aliases),
        "direction": lead.direction,
        "level": lead.level,
        "sector": lead.sector,
        "tier": lead.tier,
        "entity": lead.entity,
        "summary": lead.summary,
        "offer": lead.offer,
        "ask": lead.ask,
        "contact": lead.contact,
        "link": lead.link,
        "visibility": lead.visibility,
        "status": lead.status,
        "owner_id": lead.owner_id,
        "created_at": _iso(lead.created_at),
        "updated_at": _iso(lead.updated_at),
        "flags": "; ".join(f"{f.severity}: {f.message}" for f in lead.flags),
    }
    return [csv_cell(values[c]) for c in CSV_COLUMNS]


# -- wikitext -------------------------------------------------------------------------------------

# Every character that can start markup inside a table cell, as an HTML entity MediaWiki shows literally:
# cell and row separators (|, !), templates ({{ }}), links ([[ ]], [ ]), signatures (~~~~), bold and
# italics (''), tags (<nowiki>, <ref>...) and entities themselves (&).
_WIKI_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "|": "&#124;",
        "!": "&#33;",
        "{": "&#123;",
        "}": "&#125;",
        "[": "&#91;",
        "]": "&#93;",
        "~": "&#126;",
        "'": "&#39;",
        "\r": " ",
        "\n": " ",
    }
)


def wiki_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.translate(_WIKI_ESCAPES)


def _wiki_row(lead: Lead) -> str:
    values = (
        lead.ref,
        lead.partner,
        lead.level,
        lead.direction,
        lead.sector,
        lead.tier,
        lead.entity,
        lead.status,
        lead.summary,
        lead.link,
    )
    return "|-\n| " + " || ".join(wiki_cell(v) for v in values)


# -- JSON -----------------------------------------------------------------------------------------


async def _details(db: Database, ids: list[int]) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    notes: dict[int, list[Any]] = {}
    history: dict[int, list[Any]] = {}
    marks = ",".join("?" * len(ids))
    for row in await db.fetchall(
        f"SELECT lead_id, author_id, text, created_at FROM lead_notes WHERE lead_id IN ({marks}) ORDER BY id",
        tuple(ids),
    ):
        notes.setdefault(row[0], []).append({"author_id": row[1], "text": row[2], "created_at": _iso(from_ts(row[3]))})
    for row in await db.fetchall(
        "SELECT lead_id, kind, from_status, to_status, actor_id, note, at FROM lead_events "
        f"WHERE lead_id IN ({marks}) ORDER BY id",
        tuple(ids),
    ):
        history.setdefault(row[0], []).append(
            {
                "kind": row[1],
                "from_status": row[2],
                "to_status": row[3],
                "actor_id": row[4],
                "note": row[5],
                "at": _iso(from_ts(row[6])),
            }
        )
    return notes, history


def _json_lead(lead: Lead, notes: list[Any], history: list[Any]) -> dict[str, Any]:
    return {
        "id": lead.id,
        "ref": lead.ref,
        "partner": lead.partner,
        "aliases": list(lead.aliases),
        "direction": lead.direction,
        "level": lead.level,
        "sector": lead.sector,
        "tier": lead.tier,
        "entity": lead.entity,
        "summary": lead.summary,
        "offer": lead.offer,
        "ask": lead.ask,
        "contact": lead.contact,
        "link": lead.link,
        "visibility": lead.visibility,
        "status": lead.status,
        "owner_id": lead.owner_id,
        "created_at": _iso(lead.created_at),
        "updated_at": _iso(lead.updated_at),
        "flags": [{"source": f.source, "severity": f.severity, "message": f.message} for f in lead.flags],
        "notes": notes,
        "history": history,
    }


async def export_leads(db: Database, guild_id: int, fmt: str, *, status: str | None = None, now: datetime) -> Export:
    """The guild's leads (all, or those in ``status``) as a file in ``fmt``: csv, json or wikitext.
    csv and json hold every lead (for the working group); wikitext, made to be published on a wiki, only
    the public ones (``left_out`` counts the others)."""
    if fmt not in FORMATS:
        raise InvalidInput("lead.export_format", formats=", ".join(FORMATS))
    if status is not None and status not in STATUSES:
        raise InvalidInput("lead.choice_invalid", field="status", allowed=", ".join(STATUSES))
    found = await _lead_ids(db, guild_id, status)
    ids = [lead_id for lead_id, public in found if public or fmt != "wikitext"]
    stamp = now.strftime("%Y-%m-%d")
    suffix = f"-{status}" if status else ""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for chunk in await _leads(db, guild_id, ids):
            writer.writerows(_csv_row(lead) for lead in chunk)
        # The byte-order mark makes spreadsheets read the file as UTF-8 (names in any script survive).
        data = buffer.getvalue().encode("utf-8-sig")
        return Export(f"leads{suffix}-{stamp}.csv", data, len(ids))
    if fmt == "json":
        items: list[dict[str, Any]] = []
        for chunk in await _leads(db, guild_id, ids):
            notes, history = await _details(db, [lead.id for lead in chunk])
            items.extend(_json_lead(x, notes.get(x.id, []), history.get(x.id, [])) for x in chunk)
        document = {"guild_id": guild_id, "exported_at": _iso(now), "status": status, "leads": items}
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        return Export(f"leads{suffix}-{stamp}.json", data, len(ids))
    lines = ['{| class="wikitable sortable"', "! " + " !! ".join(WIKI_COLUMNS)]
    for chunk in await _leads(db, guild_id, ids):
        lines.extend(_wiki_row(lead) for lead in chunk)
    lines.append("|}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return Export(f"leads{suffix}-{stamp}.wiki", data, len(ids), left_out=len(found) - len(ids))
