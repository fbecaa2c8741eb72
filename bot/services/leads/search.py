"""Finding leads by text: ranked full-text search and the autocomplete of lead options.

Two FTS5 indexes (migration 0002): a word index (Latin accents ignored, other scripts' marks kept) and a
trigram index (any three characters, for scripts written without spaces and for parts of words). Ranking
is bm25 with names weighted above summaries and notes. A very common word can match most of the register;
ranking every match would cost time in proportion to the register's size, so only the newest
``RANK_WINDOW`` matches are ranked: searches stay fast at 100k leads, and a word rare enough to matter is
ranked exactly. bm25 itself costs time per match (and its statistics read every match in the register),
so it ranks only when at most ``EXACT_RANK`` leads match; beyond that the newest ``RANK_WINDOW`` matches
are ranked by where the words are: in the name, then in an alias, then elsewhere, newest first within
each.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.services.access import Access
from bot.services.leads.dedup import fold_latin
from bot.services.leads.model import Lead, parse_lead_id, ref
from bot.services.leads.queries import _load_sync, for_viewer, visibility_sql

SEARCH_LIMIT = 10
QUERY_MAX = 200
RANK_WINDOW = 500
#: Up to this many matches, bm25 ranks them (it costs a few microseconds a match, and reads every match).
EXACT_RANK = 100
EXCERPT = 140
#: bm25 weights of partner, aliases, summary, offer, ask, notes.
_WEIGHTS = "10.0, 8.0, 2.0, 1.0, 1.0, 1.0"
_MEMBER_COLUMNS = "{partner aliases summary offer ask}"
# Scripts written without spaces between words: the word index sees a whole run as one word.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uac00-\ud7af\U00020000-\U0002fa1f]"
)


@dataclass(frozen=True)
class SearchHit:
    lead: Lead
    #: Which field matched (partner, aliases, summary, offer, ask, notes) and an excerpt of it.
    field: str
    excerpt: str


#: Format characters that are part of how words are written (Persian, Indic scripts, emoji): kept.
_JOINERS = frozenset("\u200c\u200d")


def printable(text: str) -> str:
    """``text`` without control characters (a NUL ends FTS5's query string early), lone surrogates, and
    invisible format characters other than the joiners. Whitespace controls separate words. Letters of
    every script and combining marks are kept."""
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or (category == "Cf" and char not in _JOINERS):
            if char.isspace() or char == "\u200b":  # a zero-width space still separates words
                kept.append(" ")
            continue
        kept.append(char)
    return "".join(kept)


def terms_of(query: str) -> list[str]:
    """The query's words, NFKC-normalised, with control characters and the characters FTS5 query syntax
    uses removed."""
    text = printable(unicodedata.normalize("NFKC", query or ""))
    return [word for word in (w.replace('"', "") for w in text.split()) if word]


def _phrases(terms: list[str], *, prefix: bool) -> list[str]:
    # Quoted terms are plain text to FTS5 (no operators). A prefix only from three characters on ("a*"
    # would expand to most of the vocabulary), or in scripts without spaces, where a run starting with
    # the term is the usual way a shorter word is found.
    return [f'"{t}"*' if prefix and (len(t) >= 3 or _UNSPACED.search(t)) else f'"{t}"' for t in terms]


def _quoted(terms: list[str], *, prefix: bool) -> str:
    return " ".join(_phrases(terms, prefix=prefix))


def _ranked(
    conn: sqlite3.Connection,
    table: str,
    phrases: list[str],
    scope: Callable[[str], str],
    guild_id: int,
    visibility: tuple[str, tuple[object, ...]],
) -> list[int]:
    """The lead ids matching every phrase (within ``scope``) in ``table``, best first, at most
    ``RANK_WINDOW``."""
    match = scope(" ".join(phrases))
    extra, params = visibility
    newest = [
        r[0]
        for r in conn.execute(
            f"SELECT f.rowid FROM {table} f CROSS JOIN leads l ON l.id = f.rowid "
            f"WHERE {table} MATCH ? AND l.guild_id = ?{extra} ORDER BY f.rowid DESC LIMIT ?",
            (match, guild_id, *params, RANK_WINDOW),
        )
    ]
    if not newest:
        return []
    if len(newest) <= EXACT_RANK:
        # Few matches: bm25, whose statistics cost as much as there are matches, ranks them exactly.
        rows = conn.execute(
            f"SELECT f.rowid, bm25({table}, {_WEIGHTS}) FROM {table} f CROSS JOIN leads l ON l.id = f.rowid "
            f"WHERE {table} MATCH ? AND l.guild_id = ?{extra} ORDER BY f.rowid DESC LIMIT ?",
            (match, guild_id, *params, EXACT_RANK),
        ).fetchall()
        return [r[0] for r in sorted(rows, key=lambda r: (r[1], -r[0]))]
    # More matches: bm25 would cost a millisecond or more per hundred (and its statistics read every match
    # in the register). The newest RANK_WINDOW matches are ranked by where the words are instead, in the
    # weights' order: the name, then an alias, then the rest; newest first within each.
    # Each phrase on its own, from the oldest lead of the window on: FTS5 then reads only that end of its
    # list (several phrases together in one column would make it read them all).
    window = newest
    tiers: list[set[int]] = []
    for column in ("partner", "aliases"):
        tier = set(window)
        for phrase in phrases:
            tier &= {
                r[0]
                for r in conn.execute(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid >= ?",
                    (f"{{{column}}} : {phrase}", window[-1]),
                )
            }
        tiers.append(tier)
    name, alias = tiers
    return sorted(window, key=lambda i: (i not in name, i not in alias, -i))


def _scan_names(
    conn: sqlite3.Connection,
    terms: list[str],
    guild_id: int,
    visibility: tuple[str, tuple[object, ...]],
    limit: int,
) -> list[int]:
    """Terms too short for the trigram index: names and aliases that contain them all, newest first."""
    extra, params = visibility
    clauses: list[str] = []
    values: list[str] = []
    for term in terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            "(l.partner LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM lead_aliases a "
            "WHERE a.lead_id = l.id AND a.alias LIKE ? ESCAPE '\\'))"
        )
        values.extend((pattern, pattern))
    rows = conn.execute(
        f"SELECT l.id FROM leads l WHERE l.guild_id = ?{extra} AND {' AND '.join(clauses)} ORDER BY l.id DESC LIMIT ?",
        (guild_id, *params, *values, limit),
    )
    return [r[0] for r in rows]


async def search_leads(
    db: Database,
    guild_id: int,
    query: str,
    *,
    viewer_id: int,
    viewer_access: Access,
    limit: int = SEARCH_LIMIT,
) -> list[SearchHit]:
    """Leads matching every word of ``query`` in partner, aliases, summary, offer, ask or notes, best
    first. Members search only the leads they may see, and never the notes."""
    if len((query or "").strip()) > QUERY_MAX:
        raise InvalidInput("lead.query_too_long", max=QUERY_MAX)
    terms = terms_of(query)
    if not terms:
        raise InvalidInput("lead.query_empty")
    wg = viewer_access >= Access.WORKING_GROUP
    visibility = visibility_sql(viewer_id, viewer_access)
    unspaced = bool(_UNSPACED.search(query))
    # Every query, the leads and their notes in one hand-over to the database thread.
    ids, leads, notes = await db.call(_search_sync, guild_id, terms, unspaced, wg, visibility, limit)
    hits = []
    for lead_id in ids:
        if lead_id in leads:
            lead = for_viewer(leads[lead_id], viewer_access)
            field, excerpt = excerpt_for(lead, notes.get(lead_id), terms)
            hits.append(SearchHit(lead, field, excerpt))
    return hits


def _search_sync(
    conn: sqlite3.Connection,
    guild_id: int,
    terms: list[str],
    unspaced: bool,
    wg: bool,
    visibility: tuple[str, tuple[object, ...]],
    limit: int,
) -> tuple[list[int], dict[int, Lead], dict[int, str]]:
    def scoped(match: str) -> str:
        return match if wg else f"{_MEMBER_COLUMNS} : ({match})"

    found: dict[int, None] = {}  # insertion-ordered, and membership in constant time

    def keep(ids: list[int]) -> None:
        for lead_id in ids:
            found.setdefault(lead_id)

    if not unspaced:
        keep(_ranked(conn, "leads_fts", _phrases(terms, prefix=False), scoped, guild_id, visibility))
    if len(found) < limit:
        keep(_ranked(conn, "leads_fts", _phrases(terms, prefix=True), scoped, guild_id, visibility))
    if len(found) < limit and all(len(t) >= 3 for t in terms):
        keep(_ranked(conn, "leads_fts_tri", _phrases(terms, prefix=False), scoped, guild_id, visibility))
    if not found and any(len(t) < 3 for t in terms):
        keep(_scan_names(conn, terms, guild_id, visibility, limit))
    ids = list(found)[:limit]
    leads = _load_sync(conn, guild_id, ids)
    notes: dict[int, str] = {}
    if wg and ids:
        marks = ",".join("?" * len(ids))
        for row in conn.execute(
            f"SELECT lead_id, group_concat(text, ' ') FROM lead_notes WHERE lead_id IN ({marks}) GROUP BY lead_id",
            tuple(ids),
        ):
            notes[row[0]] = row[1]
    return ids, leads, notes


def _fold(text: str) -> str:
    if text.isascii():  # NFKC and the Latin fold change nothing here
        return text.lower()
    return fold_latin(unicodedata.normalize("NFKC", text).casefold())


def excerpt_for(lead: Lead, notes: str | None, terms: list[str]) -> tuple[str, str]:
    """The first field that contains a query word, cut around the first such word."""
    fields = (
        ("partner", lead.partner),
        ("aliases", ", ".join(lead.aliases)),
        ("summary", lead.summary),
        ("offer", lead.offer),
        ("ask", lead.ask),
        ("notes", notes),
    )
    wanted = [_fold(t) for t in terms]
    for name, value in fields:
        if not value:
            continue
        flat = " ".join(value.split())
        folded = _fold(flat)
        positions = [folded.find(w) for w in wanted if w and w in folded]
        if positions:
            at = min(positions) if len(folded) == len(flat) else 0
            start = max(0, at - EXCERPT // 3)
            piece = flat[start : start + EXCERPT]
            return name, ("…" if start else "") + piece + ("…" if start + EXCERPT < len(flat) else "")
    summary = " ".join((lead.summary or "").split())
    return "summary", summary[:EXCERPT] + ("…" if len(summary) > EXCERPT else "")


# -- autocomplete ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    lead_id: int
    partner: str
    status: str

    @property
    def ref(self) -> str:
        return ref(self.lead_id)


async def suggest_leads(
    db: Database, guild_id: int, text: str, *, viewer_id: int, viewer_access: Access, limit: int = 25
) -> list[Suggestion]:
    """Leads for an autocomplete box: by id (``L-42``, ``42``) or by a name or alias (word starts, then
    any part), recently changed first when nothing is typed yet."""
    extra, params = visibility_sql(viewer_id, viewer_access)
    found: dict[int, Suggestion] = {}

    def keep(rows: Sequence[Any]) -> None:
        for row in rows:
            lead_id, partner, status = row[0], row[1], row[2]
            found.setdefault(lead_id, Suggestion(lead_id, partner, status))

    text = (text or "").strip()[:QUERY_MAX]
    if not text:
        keep(
            await db.fetchall(
                f"SELECT l.id, l.partner, l.status FROM leads l WHERE l.guild_id = ?{extra} "
                "ORDER BY l.updated_at DESC LIMIT ?",
                (guild_id, *params, limit),
            )
        )
        return list(found.values())
    try:
        lead_id = parse_lead_id(text)
    except NotFound:
        lead_id = None
    if lead_id is not None:
        keep(
            await db.fetchall(
                f"SELECT l.id, l.partner, l.status FROM leads l WHERE +l.guild_id = ?{extra} AND l.id = ?",
                (guild_id, *params, lead_id),
            )
        )
    terms = terms_of(text)
    for table, prefix, usable in (
        ("leads_fts", True, True),
        ("leads_fts_tri", False, all(len(t) >= 3 for t in terms)),
    ):
        if not terms or not usable or len(found) >= limit:
            continue
        match = "{partner aliases} : (" + _quoted(terms, prefix=prefix) + ")"
        keep(
            await db.fetchall(
                f"SELECT l.id, l.partner, l.status FROM {table} f CROSS JOIN leads l ON l.id = f.rowid "
                f"WHERE {table} MATCH ? AND l.guild_id = ?{extra} ORDER BY f.rowid DESC LIMIT ?",
                (match, guild_id, *params, limit),
            )
        )
    return list(found.values())[:limit]
