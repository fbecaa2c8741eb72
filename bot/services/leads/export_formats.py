"""What an export of the register says, format by format: CSV for spreadsheets (formulas neutralised), JSON
with every field and the history, and a sortable wikitext table for a wiki page. Each format turns a page
of leads into bytes, so a file of any size is made a page at a time (see ``export``)."""

from __future__ import annotations

import csv
import io
import json
import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.services.leads.model import Lead, from_ts
from bot.services.pacing import paced
from bot.services.wikitext import inert

#: The lead's fields every export has, in export order: the CSV's columns after ``id``, the JSON's keys after
#: ``id`` and ``ref`` (each format writes ``aliases`` and ``flags`` its own way; times are ISO 8601).
LEAD_FIELDS = (
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
CSV_COLUMNS = ("id", *LEAD_FIELDS)
#: The wikitext table's columns: (heading, the lead's attribute shown), public fields only.
WIKI_FIELDS = (
    ("ID", "ref"),
    ("Partner", "partner"),
    ("Level", "level"),
    ("Direction", "direction"),
    ("Sector", "sector"),
    ("Tier", "tier"),
    ("Entity", "entity"),
    ("Status", "status"),
    ("Summary", "summary"),
    ("Link", "link"),
)
WIKI_COLUMNS = tuple(heading for heading, _attr in WIKI_FIELDS)
_lead_fields = operator.attrgetter(*LEAD_FIELDS)
_wiki_values = operator.attrgetter(*(attr for _heading, attr in WIKI_FIELDS))
#: Leads formatted between two hand-overs of the GIL: about a millisecond of CSV or JSON (``pacing``).
PACE = 20


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


def _lead_values(lead: Lead, *, aliases: object, flags: object) -> dict[str, Any]:
    """The fields every export has (:data:`LEAD_FIELDS`, in order); ``aliases`` and ``flags`` as the format
    writes them."""
    values = dict(zip(LEAD_FIELDS, _lead_fields(lead), strict=True))
    values.update(aliases=aliases, flags=flags, created_at=_iso(lead.created_at), updated_at=_iso(lead.updated_at))
    return values


def _csv_row(lead: Lead) -> list[str]:
    flags = "; ".join(f"{f.severity}: {f.message}" for f in lead.flags)
    values = {"id": lead.ref, **_lead_values(lead, aliases="; ".join(lead.aliases), flags=flags)}
    return [csv_cell(values[c]) for c in CSV_COLUMNS]


# -- wikitext -------------------------------------------------------------------------------------


def wiki_cell(value: object) -> str:
    """A table cell the wiki shows exactly as stored and never as markup (:func:`bot.services.wikitext.inert`):
    no template, link, tag, signature, magic word, magic link or bare URL comes alive."""
    return inert("" if value is None else str(value))


def _wiki_row(lead: Lead) -> str:
    return "|-\n| " + " || ".join(wiki_cell(v) for v in _wiki_values(lead))


# -- JSON -----------------------------------------------------------------------------------------


def _json_lead(lead: Lead, notes: list[Any], history: list[Any]) -> dict[str, Any]:
    flags = [{"source": f.source, "severity": f.severity, "message": f.message} for f in lead.flags]
    return {
        "id": lead.id,
        "ref": lead.ref,
        **_lead_values(lead, aliases=list(lead.aliases), flags=flags),
        "notes": notes,
        "history": history,
    }


def _note(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"author_id": row[0], "text": row[1], "created_at": _iso(from_ts(row[2]))}


def _history_item(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "kind": row[0],
        "from_status": row[1],
        "to_status": row[2],
        "actor_id": row[3],
        "note": row[4],
        "at": _iso(from_ts(row[5])),
    }


# -- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """Leads read for an export, in id order, with (for JSON) the rows of their notes and history."""

    leads: list[Lead]
    #: Leads in the status asked for, written or not (wikitext leaves the working group's out).
    matched: int
    last_id: int
    notes: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)
    history: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)


class Format:
    """Turns pages into the bytes of one format: :meth:`head`, :meth:`page` for each page, :meth:`tail`."""

    extension = ""

    def __init__(self, guild_id: int, status: str | None, now: datetime) -> None:
        self.guild_id = guild_id
        self.status = status
        self.now = now

    def head(self) -> bytes:
        return b""

    def page(self, page: Page) -> bytes:
        raise NotImplementedError

    def tail(self) -> bytes:
        return b""


class _Csv(Format):
    extension = "csv"

    @staticmethod
    def _rows(rows: Any) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue()

    def head(self) -> bytes:
        # The byte-order mark makes spreadsheets read the file as UTF-8 (names in any script survive).
        return ("\ufeff" + self._rows([CSV_COLUMNS])).encode("utf-8")

    def page(self, page: Page) -> bytes:
        return self._rows(_csv_row(lead) for lead in paced(page.leads, PACE)).encode("utf-8")


class _Json(Format):
    """The document ``json.dumps(..., ensure_ascii=False, indent=2)`` makes, written a lead at a time."""

    extension = "json"

    def __init__(self, guild_id: int, status: str | None, now: datetime) -> None:
        super().__init__(guild_id, status, now)
        self.first = True

    def head(self) -> bytes:
        document = {"guild_id": self.guild_id, "exported_at": _iso(self.now), "status": self.status, "leads": []}
        text = json.dumps(document, ensure_ascii=False, indent=2)
        return text[: text.rindex("]")].encode("utf-8")  # up to and with the list's "["

    def page(self, page: Page) -> bytes:
        parts = []
        for lead in paced(page.leads, PACE):
            item = _json_lead(
                lead,
                [_note(r) for r in page.notes.get(lead.id, ())],
                [_history_item(r) for r in page.history.get(lead.id, ())],
            )
            text = json.dumps(item, ensure_ascii=False, indent=2)
            # Inside the list, two levels deep (JSON strings hold no raw newline, so lines are safe to indent).
            parts.append(("\n" if self.first else ",\n") + "    " + text.replace("\n", "\n    "))
            self.first = False
        return "".join(parts).encode("utf-8")

    def tail(self) -> bytes:
        return b"]\n}" if self.first else b"\n  ]\n}"


class _Wikitext(Format):
    extension = "wiki"

    def head(self) -> bytes:
        return ('{| class="wikitable sortable"\n' + "! " + " !! ".join(WIKI_COLUMNS) + "\n").encode("utf-8")

    def page(self, page: Page) -> bytes:
        return "".join(_wiki_row(lead) + "\n" for lead in paced(page.leads, 4 * PACE)).encode("utf-8")

    def tail(self) -> bytes:
        return b"|}\n"


FORMAT_MAKERS: dict[str, type[Format]] = {"csv": _Csv, "json": _Json, "wikitext": _Wikitext}
