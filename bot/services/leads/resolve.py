"""Which lead a lead option names: ``L-42``, ``42``, or a partner name or alias typed exactly."""

from __future__ import annotations

import asyncio
import unicodedata
from typing import Any

from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.services.access import Access
from bot.services.leads import dedup
from bot.services.leads.dedup import fold_latin
from bot.services.leads.model import parse_lead_id, ref
from bot.services.leads.queries import visibility_sql
from bot.services.leads.search import printable
from bot.services.pacing import paced

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
    legal suffixes changed, and the dedup index has not redone them yet), every name is normalised here
    instead, a chunk at a time on a worker thread."""
    extra, params = visibility_sql(viewer_id, viewer_access)
    stored = await db.fetchval(
        "SELECT value FROM guild_state WHERE guild_id = ? AND key = ?", (guild_id, dedup.STATE_KEY)
    )
    if stored is None or stored == dedup.rules_fingerprint(tuple(legal_suffixes)):
        rows = await db.fetchall(
            f"SELECT l.id, l.partner, l.partner FROM leads l WHERE l.guild_id = ? AND l.partner_norm = ?{extra} "
            "UNION ALL "
            "SELECT l.id, l.partner, a.alias FROM lead_aliases a JOIN leads l ON l.id = a.lead_id "
            f"WHERE a.guild_id = ? AND a.alias_norm = ? AND l.guild_id = ?{extra} ORDER BY 1",
            (guild_id, norm, *params, guild_id, norm, guild_id, *params),
        )
        return [(r[0], r[1], r[2]) for r in rows]
    found: list[tuple[int, str, str]] = []
    for sql in (
        f"SELECT l.id, l.id, l.partner, l.partner FROM leads l WHERE +l.guild_id = ? AND l.id > ?{extra} "
        "ORDER BY l.id LIMIT ?",
        "SELECT a.id, l.id, l.partner, a.alias FROM lead_aliases a JOIN leads l ON l.id = a.lead_id "
        f"WHERE +a.guild_id = ? AND a.id > ?{extra} ORDER BY a.id LIMIT ?",
    ):
        after = 0
        while chunk := [tuple(r) for r in await db.fetchall(sql, (guild_id, after, *params, dedup.BUILD_CHUNK))]:
            after = chunk[-1][0]
            found.extend(await asyncio.to_thread(_same_form, chunk, norm, legal_suffixes))
    found.sort(key=lambda r: r[0])
    return found


def _same_form(rows: list[tuple[Any, ...]], norm: str, legal_suffixes: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """(lead id, partner, name) of the rows (row id, lead id, partner, name) whose name normalises to ``norm``."""
    return [
        (lead_id, partner, name)
        for _row_id, lead_id, partner, name in paced(rows, 50)
        if dedup.normalise_name(name, legal_suffixes) == norm
    ]
