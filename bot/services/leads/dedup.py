"""Duplicate detection: partner names normalised for comparison, and an in-memory name index per guild
that finds similar names and aliases without scanning every lead.

Normalising: Unicode NFKC, case folding, accents folded for Latin letters only (an accent on a Latin
letter is a spelling variant; a combining mark in Devanagari, Arabic, Hebrew, Thai or Cyrillic is part of
the letter and is kept), punctuation and symbols to spaces, invisible format characters dropped, and
configured legal suffixes (Inc, GmbH, e.V., Foundation...) removed from either end.

Finding: exact matches by dictionary; fuzzy ones by *sorted neighbourhood* blocking: every name sits in
three sorted lists (as written, reversed, and with its words sorted), a new name looks at a window of
neighbours in each (a typo near the end keeps the prefix, one near the start keeps the suffix, swapped
words keep the sorted form), and only those few hundred candidates are scored with rapidfuzz. The cost
is O(log n) plus a constant, so 100k leads check as fast as 1k.
"""

from __future__ import annotations

import bisect
import hashlib
import sqlite3
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.db import Database

#: Bump when the normalisation changes, so stored normal forms are recomputed.
NORMALISER_VERSION = 1
#: Neighbours looked at on each side in each sorted list.
WINDOW = 48
STATE_KEY = "leads.name_rules"

# Latin letters that carry their "accent" in the base character rather than a combining mark.
_LATIN_LETTERS = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "ŧ": "t",
        "ı": "i",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ŋ": "n",
        "ſ": "s",
    }
)


@lru_cache(maxsize=4096)
def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def fold_latin(text: str) -> str:
    """Remove accents from Latin letters only; marks on any other script's letters stay."""
    out: list[str] = []
    base_is_latin = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch)[0] == "M":
            if base_is_latin:
                continue
        else:
            base_is_latin = _is_latin(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).translate(_LATIN_LETTERS)


def _words(text: str) -> list[str]:
    text = fold_latin(unicodedata.normalize("NFKC", text).casefold())
    chars = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":  # zero-width joiners, direction marks, soft hyphens
            continue
        chars.append(" " if category[0] in "PSZC" else ch)
    return "".join(chars).split()


@lru_cache(maxsize=16)
def _suffix_words(suffixes: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    found = {tuple(_words(s)) for s in suffixes}
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def normalise_name(name: str, legal_suffixes: Iterable[str] = ()) -> str:
    """The form two names are compared in: ``"Europeana Foundation, Inc."`` -> ``"europeana"``."""
    words = _words(name)
    suffixes = _suffix_words(tuple(legal_suffixes))
    changed = True
    while changed and len(words) > 1:
        changed = False
        for suffix in suffixes:
            size = len(suffix)
            if len(words) > size and tuple(words[-size:]) == suffix:
                del words[-size:]
                changed = True
                break
            if len(words) > size and tuple(words[:size]) == suffix:
                del words[:size]
                changed = True
                break
    return " ".join(words)


@lru_cache(maxsize=16)
def rules_fingerprint(legal_suffixes: tuple[str, ...]) -> str:
    """Identifies the normalisation rules the stored normal forms were made with."""
    text = f"{NORMALISER_VERSION}|" + "|".join(sorted(set(legal_suffixes)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sorted_form(norm: str) -> str:
    return " ".join(sorted(norm.split()))


@dataclass(frozen=True)
class NameMatch:
    """An existing lead whose name or alias is like the new one."""

    lead_id: int
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str  # "p<lead id>" for a partner name, "a<alias id>" for an alias
    lead_id: int
    name: str
    norm: str
    sorted: str


class _SortedForms:
    """Forms in sorted order with the key of each, as two parallel lists (a list of pairs would cost a
    tuple per entry: at 100k leads, tens of megabytes). Equal forms sit together in any order."""

    __slots__ = ("forms", "keys")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        forms: list[str] = []
        keys: list[str] = []
        for form, key in pairs:
            forms.append(form)
            keys.append(key)
        order = sorted(range(len(forms)), key=forms.__getitem__)
        self.forms = [forms[i] for i in order]
        self.keys = [keys[i] for i in order]

    def __len__(self) -> int:
        return len(self.forms)

    def add(self, form: str, key: str) -> None:
        at = bisect.bisect_right(self.forms, form)
        self.forms.insert(at, form)
        self.keys.insert(at, key)

    def remove(self, form: str, key: str) -> None:
        at = bisect.bisect_left(self.forms, form)
        while at < len(self.forms) and self.forms[at] == form:
            if self.keys[at] == key:
                del self.forms[at]
                del self.keys[at]
                return
            at += 1

    def equal(self, form: str) -> list[str]:
        """The keys of every entry with exactly this form."""
        at = bisect.bisect_left(self.forms, form)
        end = bisect.bisect_right(self.forms, form, lo=at)
        return self.keys[at:end]

    def around(self, probe: str, window: int) -> list[str]:
        """The keys of the ``window`` forms before ``probe`` in sorted order and the ``window`` after."""
        at = bisect.bisect_left(self.forms, probe)
        return self.keys[max(0, at - window) : at + window]


class NameIndex:
    """All partner names and aliases of one guild, searchable by similarity.

    Kept small, since it lives in memory for as long as the bot runs: entries have slots, the sorted
    lists are parallel lists of strings the entries share, and exact matches are found in those
    lists too (equal forms sit together) rather than in a dictionary of their own."""

    def __init__(self, version: int, fingerprint: str = "") -> None:
        self.version = version
        self.fingerprint = fingerprint
        self.entries: dict[str, _Entry] = {}
        self._forward = _SortedForms()
        self._backward = _SortedForms()
        self._by_words = _SortedForms()

    def __len__(self) -> int:
        return len(self.entries)

    @staticmethod
    def _entry(key: str, lead_id: int, name: str, norm: str) -> _Entry:
        words = sorted_form(norm)
        return _Entry(key, lead_id, name, norm, norm if words == norm else words)

    @classmethod
    def build(cls, version: int, rows: Iterable[tuple[str, int, str, str]], fingerprint: str = "") -> NameIndex:
        index = cls(version, fingerprint)
        for key, lead_id, name, norm in rows:
            entry = cls._entry(key, lead_id, name, norm)
            index.entries[key] = entry
        entries = index.entries.values()
        index._forward = _SortedForms((e.norm, e.key) for e in entries)
        index._backward = _SortedForms((e.norm[::-1], e.key) for e in entries)
        index._by_words = _SortedForms((e.sorted, e.key) for e in entries)
        return index

    def add(self, key: str, lead_id: int, name: str, norm: str) -> None:
        self.remove(key)
        entry = self._entry(key, lead_id, name, norm)
        self.entries[key] = entry
        self._forward.add(entry.norm, key)
        self._backward.add(entry.norm[::-1], key)
        self._by_words.add(entry.sorted, key)

    def remove(self, key: str) -> None:
        entry = self.entries.pop(key, None)
        if entry is None:
            return
        self._forward.remove(entry.norm, key)
        self._backward.remove(entry.norm[::-1], key)
        self._by_words.remove(entry.sorted, key)

    def candidates(self, norm: str) -> set[str]:
        """Keys of the entries worth scoring against ``norm``."""
        words = sorted_form(norm)
        # Every exact match (however many share the form), then the neighbours.
        found: set[str] = set()
        for form in {norm, words}:
            found.update(self._forward.equal(form))
            found.update(self._by_words.equal(form))
        found.update(self._forward.around(norm, WINDOW))
        found.update(self._backward.around(norm[::-1], WINDOW))
        found.update(self._by_words.around(words, WINDOW))
        return found

    def similar(self, norm: str, threshold: float, *, limit: int = 3) -> list[NameMatch]:
        """The leads whose name or an alias scores at least ``threshold`` (0-100), best first."""
        if not norm:
            return []
        words = sorted_form(norm)
        best: dict[int, NameMatch] = {}
        for key in self.candidates(norm):
            entry = self.entries[key]
            if entry.norm == norm or entry.sorted == words:
                score = 100.0
            else:
                score = max(
                    fuzz.ratio(norm, entry.norm, score_cutoff=threshold),
                    fuzz.ratio(words, entry.sorted, score_cutoff=threshold),
                )
            if score >= threshold:
                current = best.get(entry.lead_id)
                if current is None or score > current.score:
                    best[entry.lead_id] = NameMatch(entry.lead_id, entry.name, round(score, 1))
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.lead_id))
        return ranked[:limit]


_INDEXES: weakref.WeakKeyDictionary[Database, dict[int, NameIndex]] = weakref.WeakKeyDictionary()


def cached_index(db: Database, guild_id: int) -> NameIndex | None:
    return _INDEXES.get(db, {}).get(guild_id)


def store_index(db: Database, guild_id: int, index: NameIndex | None) -> None:
    per_db = _INDEXES.setdefault(db, {})
    if index is None:
        per_db.pop(guild_id, None)
    else:
        per_db[guild_id] = index


async def names_version(db: Database, guild_id: int) -> int:
    return int(await db.fetchval("SELECT version FROM lead_name_state WHERE guild_id = ?", (guild_id,)) or 0)


async def name_index(db: Database, guild_id: int, legal_suffixes: tuple[str, ...]) -> NameIndex:
    """The guild's index, rebuilt when names changed behind its back or the rules changed."""
    fingerprint = rules_fingerprint(tuple(legal_suffixes))
    index = cached_index(db, guild_id)
    if index is not None and index.fingerprint == fingerprint and index.version == await names_version(db, guild_id):
        return index
    # Inside a transaction: a consistent snapshot, and never a half-done write of another task. Built on
    # the database thread straight from the cursor, so the rows are never all in memory at once.
    index = await db.run_sync(_build_index, guild_id, tuple(legal_suffixes), fingerprint)
    store_index(db, guild_id, index)
    return index


def _build_index(
    conn: sqlite3.Connection, guild_id: int, legal_suffixes: tuple[str, ...], fingerprint: str
) -> NameIndex:
    row = conn.execute("SELECT value FROM guild_state WHERE guild_id = ? AND key = ?", (guild_id, STATE_KEY)).fetchone()
    if row is None or row[0] != fingerprint:
        _renormalise(conn, guild_id, legal_suffixes, fingerprint)
    version_row = conn.execute("SELECT version FROM lead_name_state WHERE guild_id = ?", (guild_id,)).fetchone()
    cursor = conn.execute(
        "SELECT 'p' || id, id, partner, partner_norm FROM leads WHERE guild_id = ? "
        "UNION ALL SELECT 'a' || id, lead_id, alias, alias_norm FROM lead_aliases WHERE guild_id = ?",
        (guild_id, guild_id),
    )
    return NameIndex.build(int(version_row[0]) if version_row else 0, (tuple(r) for r in cursor), fingerprint)


def _renormalise(conn: sqlite3.Connection, guild_id: int, legal_suffixes: tuple[str, ...], fingerprint: str) -> None:
    """Recompute every stored normal form (the configured legal suffixes or the rules changed)."""
    leads = conn.execute("SELECT id, partner FROM leads WHERE guild_id = ?", (guild_id,)).fetchall()
    aliases = conn.execute("SELECT id, alias FROM lead_aliases WHERE guild_id = ?", (guild_id,)).fetchall()
    conn.executemany(
        "UPDATE leads SET partner_norm = ? WHERE id = ? AND partner_norm != ?",
        [(n, r[0], n) for r in leads for n in [normalise_name(r[1], legal_suffixes)]],
    )
    conn.executemany(
        "UPDATE lead_aliases SET alias_norm = ? WHERE id = ? AND alias_norm != ?",
        [(n, r[0], n) for r in aliases for n in [normalise_name(r[1], legal_suffixes)]],
    )
    conn.execute(
        "INSERT INTO guild_state (guild_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
        (guild_id, STATE_KEY, fingerprint),
    )
