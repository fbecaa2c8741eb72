"""Which lead a lead option names: ``L-42``, ``42``, or a partner name or alias typed exactly."""

from __future__ import annotations

import unicodedata

from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.services.access import Access
from bot.services.leads import dedup
from bot.services.leads.dedup import fold_latin
from bot.services.leads.model import parse_lead_id, ref
from bot.services.leads.queries import visibility_sql
from bot.services.leads.search import printable

#: At most this many leads are named in the answer to an ambiguous or near-miss name.
NAMED_MAX = 10


def name_key(text: str) -> str:
    """How a typed name is compared with partner names and aliases: case, Latin accents, spacing and
    invisible characters aside, every other character as written."""
    folded = fold_latin(printable(unicodedata.normalize("NFKC", text or "")).casefold())
    return " ".join(folded.split())


async def resolve_lead(
    db: Database,
    guild_id: int,
    text: str | int,
    *,
    viewer_id: int,
    viewer_access: Access,
    legal_suffixes: tuple[str, ...] = (),
) -> int:
    """The id of the lead a lead option names: ``L-42`` or ``42``, else a partner name or alias typed
    exactly (see :func:`name_key`) that one lead the viewer may see has.

    Several such leads: InvalidInput ``lead.name_ambiguous`` with their ids. None, but leads whose name
    differs only in punctuation or a legal suffix: NotFound ``lead.name_close`` naming them. Otherwise
    NotFound ``lead.unknown``, as for an id. Whether the viewer may see the lead is checked again by
    whatever reads it."""
    try:
        return parse_lead_id(text)
    except NotFound:
        if isinstance(text, int):
            raise
    shown = " ".join(printable(text).split())[:40]
    typed = name_key(text)
    norm = dedup.normalise_name(text, legal_suffixes)
    if not typed or not norm:
        raise NotFound("lead.unknown", ref=shown or "?")
    names: dict[int, list[str]] = {}
    visible: dict[int, str] = {}
    for lead_id, partner, name in await _named(db, guild_id, norm, viewer_id, viewer_access, legal_suffixes):
        names.setdefault(lead_id, []).append(name)
        visible[lead_id] = partner
    exact = [lead_id for lead_id in visible if any(name_key(n) == typed for n in names[lead_id])]
    if len(exact) == 1:
        return exact[0]
    if exact:
        refs = ", ".join(ref(i) for i in exact[:NAMED_MAX])
        raise InvalidInput("lead.name_ambiguous", name=shown, refs=refs)
    if visible:
        close = "; ".join(f"{ref(i)} ({partner})" for i, partner in list(visible.items())[:NAMED_MAX])
        raise NotFound("lead.name_close", name=shown, leads=close)
    raise NotFound("lead.unknown", ref=shown or "?")


async def _named(
    db: Database,
    guild_id: int,
    norm: str,
    viewer_id: int,
    viewer_access: Access,
    legal_suffixes: tuple[str, ...],
) -> list[tuple[int, str, str]]:
    """(lead id, partner, partner name or alias) of the visible leads whose name or an alias has the normal
    form ``norm``, by lead id. Reads only: when the stored normal forms were made under other rules (the
    legal suffixes changed and no lead was logged since), every name is normalised here instead."""
    extra, params = visibility_sql(viewer_id, viewer_access)
    stored = await db.fetchval(
        "SELECT value FROM guild_state WHERE guild_id = ? AND key = ?", (guild_id, dedup.STATE_KEY)
    )
    current = stored is None or stored == dedup.rules_fingerprint(tuple(legal_suffixes))
    partner_cond, alias_cond = (" AND l.partner_norm = ?", " AND a.alias_norm = ?") if current else ("", "")
    rows = await db.fetchall(
        f"SELECT l.id, l.partner, l.partner FROM leads l WHERE l.guild_id = ?{partner_cond}{extra} "
        "UNION ALL "
        f"SELECT l.id, l.partner, a.alias FROM lead_aliases a JOIN leads l ON l.id = a.lead_id "
        f"WHERE a.guild_id = ?{alias_cond} AND l.guild_id = ?{extra} ORDER BY 1",
        (
            guild_id,
            *((norm,) if current else ()),
            *params,
            guild_id,
            *((norm,) if current else ()),
            guild_id,
            *params,
        ),
    )
    found = [(r[0], r[1], r[2]) for r in rows]
    return found if current else [r for r in found if dedup.normalise_name(r[2], legal_suffixes) == norm]
