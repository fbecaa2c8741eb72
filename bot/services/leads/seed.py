"""Synthetic leads in bulk, for benchmarks and tests: realistic names (several scripts, legal suffixes,
aliases), summaries, statuses and history, written with executemany in one transaction."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import DEFAULT_LEGAL_SUFFIXES, DEFAULT_SECTORS
from bot.db import Database
from bot.services.leads import dedup
from bot.services.leads.model import DIRECTIONS, LEVELS, STATUSES, TIERS, to_ts
from bot.services.leads.names import Names

_SYLLABLE_TEXT = (
    "ka ri to ma ne lu sa vo de pi ra mo te li na ru ko ve si da lo mi ba ze fu go han tel mar "
    "quin dor bel cas fen gri hol jun kel lam nor pel ros sun tor val wen yar zel"
)
_SYLLABLES = tuple(_SYLLABLE_TEXT.split())
_KINDS = (
    "Museum",
    "Library",
    "Archive",
    "Institute",
    "University",
    "Gallery",
    "Society",
    "Trust",
    "Network",
    "Council",
    "Agency",
    "Press",
    "Lab",
    "Collective",
    "Observatory",
    "School",
)
_SUFFIXES = ("", "", "", "", "Foundation", "Inc.", "Ltd", "GmbH", "e.V.", "Association")
_OTHER_SCRIPTS = (
    ("متحف", "مكتبة", "جامعة", "مؤسسة", "أرشيف"),
    ("संग्रहालय", "पुस्तकालय", "विश्वविद्यालय", "संस्थान", "अभिलेखागार"),
    ("博物馆", "图书馆", "大学", "研究所", "档案馆"),
    ("Музей", "Библиотека", "Университет", "Фонд", "Архив"),
)
_PLACES = (
    ("القاهرة", "بيروت", "تونس", "عمّان", "الرباط"),
    ("दिल्ली", "पुणे", "जयपुर", "कोलकाता", "भोपाल"),
    ("北京", "上海", "成都", "西安", "杭州"),
    ("Казань", "Тверь", "Омск", "Пермь", "Самара"),
)
_WORD_TEXT = (
    "open access digitisation collections archives volunteers training workshop editathon images "
    "metadata licences free knowledge outreach students teachers curriculum research data citations "
    "heritage museum library community language translation events funding grant partnership "
    "documentation software infrastructure maps photographs scans oral history women science health "
    "climate biodiversity music film newspapers manuscripts rights public domain wikidata commons "
    "sources references local regional national global network exchange mentoring fellowship"
)
_WORDS = tuple(_WORD_TEXT.split())
# Seeded leads are never in review: a review needs its own row and card.
_SEED_STATUSES = tuple(s for s in STATUSES if s != "in_review")
#: Leads generated and inserted at a time.
_CHUNK = 5000
_ENTITIES = ("Wikimedia Deutschland", "Wikimedia UK", "Wiki Movimento Brasil", "Wikimedia Foundation", None)


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def synthetic_name(rng: random.Random) -> str:
    """A partner name like ``"Kaluvo Marten Archive e.V."``, sometimes in Arabic, Devanagari, Chinese
    or Cyrillic."""
    if rng.random() < 0.08:
        script = rng.randrange(len(_OTHER_SCRIPTS))
        kind, place = rng.choice(_OTHER_SCRIPTS[script]), rng.choice(_PLACES[script])
        joiner = "" if script == 2 else " "
        return f"{place}{joiner}{kind}{joiner}{_word(rng)}"
    parts = [_word(rng)]
    if rng.random() < 0.6:
        parts.append(_word(rng))
    parts.append(rng.choice(_KINDS))
    suffix = rng.choice(_SUFFIXES)
    if suffix:
        parts.append(suffix)
    return " ".join(parts)


def synthetic_text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


async def bulk_insert_leads(
    db: Database,
    guild_id: int,
    n: int,
    now: datetime,
    *,
    seed: int = 0,
    owner_ids: tuple[int, ...] = (1001, 1002, 1003, 1004),
    legal_suffixes: tuple[str, ...] = DEFAULT_LEGAL_SUFFIXES,
    names: Names | None = None,
) -> range:
    """Insert ``n`` synthetic leads (with aliases, a created event each, full-text rows via the
    triggers) in one transaction; returns their ids. Created times spread over the three years before
    ``now``. Their channel cards count as posted, so the bot does not try to post them. With ``names``
    (a leads service's name index) the index is built at once, so the first `/lead add` is not the one
    paying for it."""
    rng = random.Random(seed)
    start = int(await db.fetchval("SELECT coalesce(max(id), 0) FROM leads") or 0) + 1
    had_leads = bool(await db.fetchval("SELECT 1 FROM leads WHERE guild_id = ? LIMIT 1", (guild_id,)))
    plan = _Plan(guild_id, start, n, to_ts(now), owner_ids, legal_suffixes, had_leads)
    await db.run_sync(_insert_all, plan, rng)
    if names is not None:
        await names.warm()
    return range(start, start + n)


@dataclass(frozen=True)
class _Plan:
    guild_id: int
    start: int
    n: int
    end_ts: int
    owner_ids: tuple[int, ...]
    legal_suffixes: tuple[str, ...]
    had_leads: bool


def _insert_all(conn: sqlite3.Connection, plan: _Plan, rng: random.Random) -> None:
    """On the database thread, in one transaction: the leads in chunks, so that only a chunk of rows is
    ever in memory (100k leads as one list would take over 100 MB for a moment)."""
    for first in range(0, plan.n, _CHUNK):
        leads, aliases, events = _chunk(plan, rng, range(plan.start + first, plan.start + min(plan.n, first + _CHUNK)))
        conn.executemany(
            "INSERT INTO leads (id, guild_id, partner, partner_norm, direction, level, sector, tier, entity, "
            "summary, offer, ask, contact, link, visibility, status, owner_id, created_at, updated_at, "
            "card_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            leads,
        )
        conn.executemany("INSERT INTO lead_aliases (guild_id, lead_id, alias, alias_norm) VALUES (?, ?, ?, ?)", aliases)
        conn.executemany(
            "INSERT INTO lead_events (guild_id, lead_id, actor_id, kind, at) VALUES (?, ?, ?, ?, ?)", events
        )
    if not plan.had_leads:
        conn.execute(
            "INSERT OR IGNORE INTO guild_state (guild_id, key, value) VALUES (?, ?, ?)",
            (plan.guild_id, dedup.STATE_KEY, dedup.rules_fingerprint(plan.legal_suffixes)),
        )


def _chunk(
    plan: _Plan, rng: random.Random, ids: range
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    guild_id, suffixes = plan.guild_id, plan.legal_suffixes
    span = int(timedelta(days=3 * 365).total_seconds())
    leads: list[tuple[Any, ...]] = []
    aliases: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for lead_id in ids:
        partner = synthetic_name(rng)
        created = plan.end_ts - rng.randint(0, span)
        updated = min(plan.end_ts, created + rng.randint(0, 90 * 86400))
        leads.append(
            (
                lead_id,
                guild_id,
                partner,
                dedup.normalise_name(partner, suffixes),
                rng.choice(DIRECTIONS),
                rng.choice(LEVELS),
                rng.choice(DEFAULT_SECTORS),
                rng.choice((*TIERS, None)),
                rng.choice(_ENTITIES),
                synthetic_text(rng, 12, 30),
                synthetic_text(rng, 3, 10),
                synthetic_text(rng, 3, 10),
                None,
                f"https://example.org/partners/{lead_id}" if rng.random() < 0.5 else None,
                "public" if rng.random() < 0.2 else "wg",
                rng.choice(_SEED_STATUSES),
                rng.choice(plan.owner_ids),
                created,
                updated,
            )
        )
        if rng.random() < 0.1:
            alias = _word(rng) + " " + rng.choice(_KINDS)
            aliases.append((guild_id, lead_id, alias, dedup.normalise_name(alias, suffixes)))
        events.append((guild_id, lead_id, leads[-1][16], "created", created))
    return leads, aliases, events
