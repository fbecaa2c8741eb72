"""A guild's name index kept current: :class:`Names`, owned by the leads service, built from the database
in chunks (without holding the database thread), renormalised when the rules change, and brought up to
date after each of the service's writes (:class:`NameChange`). The index itself and how names are
normalised and compared are :mod:`bot.services.leads.dedup`'s.

Building: a thousand rows per hand-over to the database thread, entries made and sorted on a worker thread
a chunk at a time and the sorted chunks merged there, so that the warm-up at start (or a rebuild after the
legal suffixes changed) never holds the database thread or the event loop for more than a few milliseconds:
`/lead show` and the rest are served while it runs. Only the duplicate check waits for it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.db import Database
from bot.services.leads.dedup import (
    BUILD_ATTEMPTS,
    BUILD_CHUNK,
    RENORMALISE_CHUNK,
    STATE_KEY,
    NameIndex,
    NameMatch,
    SortedForms,
    normalise_name,
    rules_fingerprint,
)
from bot.services.pacing import paced


async def names_version(db: Database, guild_id: int) -> int:
    return int(await db.fetchval("SELECT version FROM lead_name_state WHERE guild_id = ?", (guild_id,)) or 0)


@dataclass(frozen=True)
class NameChange:
    """What one write did to a guild's names: the names version before and after it (the triggers move it
    on every name change), and the index entries it added (key, lead, name, normal form) or removed."""

    before: int
    after: int
    added: tuple[tuple[str, int, str, str], ...] = ()
    removed: tuple[str, ...] = ()


class Names:
    """The duplicate check's name index of one guild, owned by the leads service that writes the names.

    Built on first use (or by :meth:`warm` after a start), kept current by :meth:`apply` after each write
    of the service, and rebuilt when names changed behind its back (the version in ``lead_name_state``
    moved) or the normalising rules changed."""

    def __init__(self, db: Database, guild_id: int, legal_suffixes: Iterable[str] = ()) -> None:
        self.db = db
        self.guild_id = guild_id
        self.suffixes = tuple(legal_suffixes)
        self.index: NameIndex | None = None
        self._building = asyncio.Lock()
        #: Writes of names under way (see :meth:`writing`), and whether there are none.
        self._writes = 0
        self._settled = asyncio.Event()
        self._settled.set()

    @property
    def building(self) -> bool:
        """Whether the index is being built (the warm-up after a start): a duplicate check waits for it."""
        return self._building.locked()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Around a write that changes names and its :meth:`apply`. A lookup arriving meanwhile waits for
        both (a few milliseconds) instead of finding the database a version ahead of the index and
        rebuilding it from scratch."""
        self._writes += 1
        self._settled.clear()
        try:
            yield
        finally:
            self._writes -= 1
            if not self._writes:
                self._settled.set()

    def normal(self, name: str) -> str:
        return normalise_name(name, self.suffixes)

    async def current(self) -> NameIndex:
        """The index, rebuilt when names changed behind its back or the rules changed. One build at a time:
        a caller arriving during one (the warm-up at start) waits for it and shares it."""
        db, guild_id = self.db, self.guild_id
        fingerprint = rules_fingerprint(self.suffixes)
        async with self._building:
            await self._settled.wait()
            cached = self.index
            if (
                cached is not None
                and cached.fingerprint == fingerprint
                and cached.version == await names_version(db, guild_id)
            ):
                return cached
            rules = await db.fetchval(
                "SELECT value FROM guild_state WHERE guild_id = ? AND key = ?", (guild_id, STATE_KEY)
            )
            if rules != fingerprint:
                await _renormalise(db, guild_id, self.suffixes, fingerprint)
            for _attempt in range(BUILD_ATTEMPTS):
                # Many reads rather than one snapshot: a name that changes meanwhile moves the version, and
                # the build starts again (or, after the last attempt, is kept as stale: the next call rebuilds).
                version = await names_version(db, guild_id)
                index = await _build(db, guild_id, version, fingerprint)
                if await names_version(db, guild_id) == version:
                    break
            self.index = index
            if cached is not None:
                await asyncio.to_thread(cached.release)
            return index

    async def warm(self) -> None:
        """Build the index now rather than during someone's first `/lead add`."""
        await self.current()

    def apply(self, change: NameChange) -> None:
        """Bring the index up to date with a write that just committed, when it was current just before
        it; otherwise (another write came between) it is dropped, and the next use rebuilds it."""
        index = self.index
        if index is None or index.version == change.after:  # none yet, or built after the commit
            return
        if index.version != change.before:
            self.index = None
            return
        for key in change.removed:
            index.remove(key)
        for key, lead_id, name, norm in change.added:
            index.add(key, lead_id, name, norm)
        index.version = change.after

    async def similar(self, name: str, threshold: float) -> list[NameMatch]:
        """Names in the register like ``name``, most similar first (at most three)."""
        return (await self.current()).similar(self.normal(name), threshold)


_NAMES = (
    "SELECT id, 'p' || id, id, partner, partner_norm FROM leads WHERE +guild_id = ? AND id > ? ORDER BY id LIMIT ?",
    "SELECT id, 'a' || id, lead_id, alias, alias_norm FROM lead_aliases WHERE +guild_id = ? AND id > ? "
    "ORDER BY id LIMIT ?",
)


def _rows_after(conn: sqlite3.Connection, sql: str, guild_id: int, after: int, chunk: int) -> list[tuple[Any, ...]]:
    """``chunk`` rows of a table, in id order (``+guild_id`` walks the primary key from ``after``)."""
    return [tuple(r) for r in conn.execute(sql, (guild_id, after, chunk))]


async def _build(db: Database, guild_id: int, version: int, fingerprint: str) -> NameIndex:
    index = NameIndex(version, fingerprint)
    runs: tuple[list[SortedForms], ...] = ([], [], [])
    for sql in _NAMES:
        after = 0
        while rows := await db.call(_rows_after, sql, guild_id, after, BUILD_CHUNK):
            after = rows[-1][0]
            await asyncio.to_thread(index.add_chunk, [row[1:] for row in rows], runs)
    await asyncio.to_thread(index.finish, runs)
    return index


_RENORMALISE = (
    (
        "SELECT id, partner, partner_norm FROM leads WHERE +guild_id = ? AND id > ? ORDER BY id LIMIT ?",
        # Only if the name is still the one normalised: a rename meanwhile stored its own normal form.
        "UPDATE leads SET partner_norm = ? WHERE id = ? AND partner = ? AND partner_norm != ?",
    ),
    (
        "SELECT id, alias, alias_norm FROM lead_aliases WHERE +guild_id = ? AND id > ? ORDER BY id LIMIT ?",
        "UPDATE lead_aliases SET alias_norm = ? WHERE id = ? AND alias = ? AND alias_norm != ?",
    ),
)


async def _renormalise(db: Database, guild_id: int, legal_suffixes: tuple[str, ...], fingerprint: str) -> None:
    """Recompute every stored normal form (the configured legal suffixes or the rules changed), a chunk at
    a time: read, normalised on a worker thread, the changed ones written in a short transaction. Until the
    end, the stored rules stay the old ones, so lookups by name normalise for themselves (``resolve``)."""
    for select, update in _RENORMALISE:
        after = 0
        while rows := await db.call(_rows_after, select, guild_id, after, RENORMALISE_CHUNK):
            after = rows[-1][0]
            changed = await asyncio.to_thread(_renormalised, rows, legal_suffixes)
            if changed:
                await db.run_sync(_update_all, update, changed)
    await db.run_sync(_remember_rules, guild_id, fingerprint)


def _renormalised(rows: list[tuple[Any, ...]], legal_suffixes: tuple[str, ...]) -> list[tuple[str, int, str, str]]:
    """(new form, id, name, new form) for the rows (id, name, stored form) whose form changes."""
    changed = []
    for row_id, name, stored in paced(rows, 50):
        norm = normalise_name(name, legal_suffixes)
        if norm != stored:
            changed.append((norm, row_id, name, norm))
    return changed


def _update_all(conn: sqlite3.Connection, sql: str, rows: list[tuple[str, int, str, str]]) -> None:
    conn.executemany(sql, rows)


def _remember_rules(conn: sqlite3.Connection, guild_id: int, fingerprint: str) -> None:
    conn.execute(
        "INSERT INTO guild_state (guild_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
        (guild_id, STATE_KEY, fingerprint),
    )
