"""The lead record: statuses, dataclasses, limits, and turning rows and user input into them."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from bot.clock import from_unix, to_unix
from bot.errors import InvalidInput, NotFound
from bot.services.choices import match_choice
from bot.services.questionnaires.model import SEVERITIES as _SEVERITIES_WORST_FIRST

# The register's vocabularies, each written once: the ``Literal`` types are the slash commands' choices
# (bot/cogs/leads), the tuples (derived from them) what the services check and loop over, in this order.
# The CHECK constraints of migration 0002 repeat them; a shipped migration stays as it is
# (tests/test_vocabulary.py holds the schema to these).
Status = Literal[
    "logged",
    "assessing",
    "in_review",
    "approved",
    "negotiating",
    "active",
    "completed",
    "vetoed",
    "declined",
    "paused",
    "withdrawn",
]
Level = Literal["global", "regional", "national", "local"]
Direction = Literal["external", "internal"]
Tier = Literal["contributory", "collaborative", "co-creative"]
Visibility = Literal["wg", "public"]
#: Fields `/lead edit` changes (entity has `/lead assign`, status has `/lead move`).
EditableField = Literal[
    "partner",
    "aliases",
    "summary",
    "offer",
    "ask",
    "contact",
    "link",
    "level",
    "direction",
    "sector",
    "tier",
    "visibility",
]
ExportFormat = Literal["csv", "json", "wikitext"]

STATUSES: tuple[Status, ...] = get_args(Status)
OPEN_STATUSES: tuple[Status, ...] = ("logged", "assessing", "in_review", "approved", "negotiating", "active", "paused")
CLOSED_STATUSES: tuple[Status, ...] = ("completed", "vetoed", "declined", "withdrawn")
LEVELS: tuple[Level, ...] = get_args(Level)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
TIERS: tuple[Tier, ...] = get_args(Tier)
VISIBILITIES: tuple[Visibility, ...] = get_args(Visibility)
EDITABLE: tuple[EditableField, ...] = get_args(EditableField)
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
#: Flag severities, mildest first: the questionnaire format's (bot/services/questionnaires), which names them
#: worst first.
SEVERITIES: tuple[str, ...] = tuple(reversed(_SEVERITIES_WORST_FIRST))

PARTNER_MAX = 100
TEXT_MAX = 1000
NOTE_MAX = 1000
CONTACT_MAX = 200
ENTITY_MAX = 100
LINK_MAX = 500
ALIASES_MAX = 20
RATIONALE_MIN = 20

_LEAD_REF = re.compile(r"^\s*(?:L\s*-?\s*)?(\d{1,18})\s*$", re.IGNORECASE)


def parse_lead_id(text: str | int) -> int:
    """``"L-42"``, ``"l42"`` or ``"42"`` -> 42; anything else raises NotFound ``lead.unknown``."""
    if isinstance(text, int):
        if text > 0:
            return text
        raise NotFound("lead.unknown", ref=str(text))
    match = _LEAD_REF.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise NotFound("lead.unknown", ref=(text or "").strip()[:40] or "?")
    return int(match.group(1))


def ref(lead_id: int) -> str:
    return f"L-{lead_id}"


class StatusWords(str):
    """Statuses named inside a refusal (``in_review``; ``assessing, withdrawn``), kept as stored. The error
    path shows each one in the reader's words (the catalogs' ``status.*`` terms) and ``str()`` keeps the
    ids, so a log line stays exact while a member never reads a raw id."""

    term_kind = "status"
    terms: tuple[str, ...]

    def __new__(cls, *statuses: str) -> StatusWords:
        words = super().__new__(cls, ", ".join(statuses) or "—")
        words.terms = statuses
        return words


to_ts = to_unix
from_ts = from_unix


@dataclass(frozen=True)
class Flag:
    """Something about a lead that needs attention: a hard line it touches, a checklist finding."""

    source: str
    severity: str
    message: str
    #: The member whose answer raised it (a checklist finding); None when the register raised it.
    raised_by: int | None = None


@dataclass(frozen=True)
class Lead:
    id: int
    guild_id: int
    partner: str
    aliases: tuple[str, ...]
    direction: str
    level: str
    sector: str | None
    tier: str | None
    entity: str | None
    summary: str | None
    offer: str | None
    ask: str | None
    contact: str | None
    link: str | None
    visibility: str
    status: str
    owner_id: int
    created_at: datetime
    updated_at: datetime
    flags: tuple[Flag, ...] = ()

    @property
    def ref(self) -> str:
        return ref(self.id)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class LeadEvent:
    """One change to a lead. ``kind`` is created, status, note, edit, assign, flag, approve or recuse;
    ``from_status``/``to_status`` are set for status moves only."""

    id: int
    guild_id: int
    lead_id: int
    partner: str
    actor_id: int | None
    from_status: str | None
    to_status: str | None
    note: str | None
    kind: str
    at: datetime

    @property
    def ref(self) -> str:
        return ref(self.lead_id)


@dataclass(frozen=True)
class Note:
    id: int
    lead_id: int
    author_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class LeadDraft:
    """What someone typed to log a lead, before it is checked and saved."""

    partner: str
    level: str
    direction: str
    sector: str | None = None
    tier: str | None = None
    entity: str | None = None
    summary: str | None = None
    offer: str | None = None
    ask: str | None = None
    contact: str | None = None
    link: str | None = None
    aliases: tuple[str, ...] = ()
    visibility: str = "wg"


@dataclass(frozen=True)
class LeadDetail:
    """A lead with what `/lead show` adds: its notes and its history, oldest first."""

    lead: Lead
    notes: tuple[Note, ...] = ()
    events: tuple[LeadEvent, ...] = field(default_factory=tuple)


# -- checking input -------------------------------------------------------------------------------


def clean_text(value: str | None) -> str | None:
    """Trim; blank becomes None. The text is otherwise stored exactly as typed."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def check_partner(value: str | None) -> str:
    partner = clean_text(value)
    if partner is None or not any(ch.isalnum() for ch in partner):
        raise InvalidInput("lead.partner_empty")
    if len(partner) > PARTNER_MAX:
        raise InvalidInput("lead.partner_too_long", max=PARTNER_MAX, length=len(partner))
    return partner


def check_length(field_key: str, value: str | None, limit: int) -> str | None:
    value = clean_text(value)
    if value is not None and len(value) > limit:
        raise InvalidInput("lead.text_too_long", field=field_key, max=limit, length=len(value))
    return value


def check_link(value: str | None) -> str | None:
    link = clean_text(value)
    if link is None:
        return None
    if len(link) > LINK_MAX or any(ch.isspace() for ch in link):
        raise InvalidInput("lead.link_invalid", max=LINK_MAX)
    try:
        parts = urlsplit(link)
    except ValueError:
        raise InvalidInput("lead.link_invalid", max=LINK_MAX) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput("lead.link_invalid", max=LINK_MAX)
    return link


def check_choice(field_key: str, value: str | None, allowed: tuple[str, ...], *, optional: bool) -> str | None:
    value = clean_text(value)
    if value is None:
        if optional:
            return None
        raise InvalidInput("lead.choice_invalid", field=field_key, allowed=", ".join(allowed))
    choice = match_choice(value, allowed)  # a sector's shortened autocomplete value too
    if choice is None:
        raise InvalidInput("lead.choice_invalid", field=field_key, allowed=", ".join(allowed))
    return choice


def check_aliases(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    aliases: list[str] = []
    for raw in values:
        alias = clean_text(raw)
        if alias is None:
            continue
        if len(alias) > PARTNER_MAX:
            raise InvalidInput("lead.alias_too_long", max=PARTNER_MAX)
        if alias.casefold() not in (a.casefold() for a in aliases):
            aliases.append(alias)
    if len(aliases) > ALIASES_MAX:
        raise InvalidInput("lead.too_many_aliases", max=ALIASES_MAX)
    return tuple(aliases)


def split_aliases(text: str | None) -> tuple[str, ...]:
    """Aliases typed as one line: separated by commas, semicolons or the Arabic/CJK commas."""
    if not text:
        return ()
    return tuple(part for part in re.split(r"[,;،、，；\n]", text) if part.strip())


def check_draft(draft: LeadDraft, sectors: tuple[str, ...]) -> LeadDraft:
    """The draft with every field checked and trimmed; raises InvalidInput naming the first problem."""
    return LeadDraft(
        partner=check_partner(draft.partner),
        level=check_choice("level", draft.level, LEVELS, optional=False) or "",
        direction=check_choice("direction", draft.direction, DIRECTIONS, optional=False) or "",
        sector=check_choice("sector", draft.sector, sectors, optional=True),
        tier=check_choice("tier", draft.tier, TIERS, optional=True),
        entity=check_length("entity", draft.entity, ENTITY_MAX),
        summary=check_length("summary", draft.summary, TEXT_MAX),
        offer=check_length("offer", draft.offer, TEXT_MAX),
        ask=check_length("ask", draft.ask, TEXT_MAX),
        contact=check_length("contact", draft.contact, CONTACT_MAX),
        link=check_link(draft.link),
        aliases=check_aliases(draft.aliases),
        visibility=check_choice("visibility", draft.visibility, VISIBILITIES, optional=False) or "wg",
    )


def check_form(draft: LeadDraft, sectors: tuple[str, ...]) -> LeadDraft:
    """:func:`check_draft` for a draft that went through the form, whose summary may not be blank."""
    checked = check_draft(draft, sectors)
    if checked.summary is None:
        raise InvalidInput("lead.summary_empty")
    return checked


def form_can_fix(draft: LeadDraft, sectors: tuple[str, ...]) -> bool:
    """Whether every problem of ``draft`` is in a field the `/lead add` form asks for (summary, offer, ask,
    contact, link), so the form can correct it; the command's other options are fine."""
    try:
        check_draft(replace(draft, summary=None, offer=None, ask=None, contact=None, link=None), sectors)
    except InvalidInput:
        return False
    return True


def check_note(text: str | None) -> str:
    note = clean_text(text)
    if note is None:
        raise InvalidInput("lead.note_empty")
    if len(note) > NOTE_MAX:
        raise InvalidInput("lead.text_too_long", field="note", max=NOTE_MAX, length=len(note))
    return note


# -- rows -----------------------------------------------------------------------------------------

LEAD_COLUMNS = (
    "l.id, l.guild_id, l.partner, l.direction, l.level, l.sector, l.tier, l.entity, l.summary, l.offer, "
    "l.ask, l.contact, l.link, l.visibility, l.status, l.owner_id, l.created_at, l.updated_at"
)
EVENT_COLUMNS = "e.id, e.guild_id, e.lead_id, l.partner, e.actor_id, e.from_status, e.to_status, e.note, e.kind, e.at"


def lead_from_row(row: sqlite3.Row, aliases: tuple[str, ...] = (), flags: tuple[Flag, ...] = ()) -> Lead:
    return Lead(
        id=row["id"],
        guild_id=row["guild_id"],
        partner=row["partner"],
        aliases=aliases,
        direction=row["direction"],
        level=row["level"],
        sector=row["sector"],
        tier=row["tier"],
        entity=row["entity"],
        summary=row["summary"],
        offer=row["offer"],
        ask=row["ask"],
        contact=row["contact"],
        link=row["link"],
        visibility=row["visibility"],
        status=row["status"],
        owner_id=row["owner_id"],
        created_at=from_ts(row["created_at"]),
        updated_at=from_ts(row["updated_at"]),
        flags=flags,
    )


def event_from_row(row: sqlite3.Row | tuple[Any, ...]) -> LeadEvent:
    return LeadEvent(
        id=row[0],
        guild_id=row[1],
        lead_id=row[2],
        partner=row[3],
        actor_id=row[4],
        from_status=row[5],
        to_status=row[6],
        note=row[7],
        kind=row[8],
        at=from_ts(row[9]),
    )
