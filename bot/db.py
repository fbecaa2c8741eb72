"""The SQLite database: one aiosqlite connection, WAL, forward-only migrations, transactions, backups."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


class DatabaseTooNew(Exception):
    """The file was migrated by a newer version of the bot than this one."""


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in bot/migrations, in order."""
    found = []
    for entry in resources.files("bot.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, ... without gaps: {versions}")
    return found


LATEST_VERSION = len(_migrations())


class Database:
    """One connection shared by the whole bot.

    Writes go through :meth:`transaction`, which serialises writers with a lock (one connection
    cannot hold two transactions) and takes SQLite's write lock at BEGIN, so a transaction never
    fails half-way with "database is locked". Reads outside a transaction are plain autocommit reads.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as conn:`` commits on success, rolls back on any error."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(connection, *args)`` (a plain function on the ``sqlite3`` connection) inside one write
        transaction, BEGIN IMMEDIATE to COMMIT, in a single hand-over to the database thread.

        Commits when ``fn`` returns and rolls back when it raises (the error is raised here). Returns
        only once the COMMIT, with its fsync, is done: the caller may tell the user "saved". The same
        lock as :meth:`transaction` keeps writers one at a time. For hot paths where the four or more
        round trips of an ``async with db.transaction()`` block cost more than the work itself.
        """
        job = _Job(fn, args)
        async with self._write_lock:
            return await self.conn._execute(_in_transaction, self.conn._conn, job)  # type: ignore[no-any-return]

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(connection, *args)`` on the database thread without a transaction: several reads
        for one hand-over. ``fn`` must not write (use :meth:`run_sync`)."""
        return await self.conn._execute(fn, self.conn._conn, *args)  # type: ignore[no-any-return]

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and truncate it to zero bytes, between writers.

        Returns False when SQLite could not finish (a reader was active, or the database was busy):
        try again later."""
        try:
            async with self._write_lock:
                row = await self.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:
            return False
        return row is not None and int(row[0]) == 0

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self.conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return row  # type: ignore[return-value]

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return list(rows)  # type: ignore[arg-type]

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many rows in a single transaction (bulk seeding, imports)."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def user_version(self) -> int:
        return int(await self.fetchval("PRAGMA user_version"))

    async def backup(self, dest: Path) -> None:
        """Write an online, consistent copy of the database to ``dest`` (SQLite's backup API)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)

        def _copy(src: sqlite3.Connection) -> None:
            target = sqlite3.connect(dest)
            try:
                src.backup(target)
            finally:
                target.close()

        async with self._write_lock:
            # aiosqlite runs the call on its own thread, where the sqlite3 connection lives.
            await self.conn._execute(_copy, self.conn._conn)

    async def close(self) -> None:
        await self.conn.close()


class _Job:
    """A function and its arguments whose repr names only the function: aiosqlite logs every call it
    runs at DEBUG, and the arguments may be anything (anonymous feedback text above all)."""

    __slots__ = ("args", "fn")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn = fn
        self.args = args

    def __repr__(self) -> str:
        return f"<transaction {getattr(self.fn, '__qualname__', 'job')}, arguments withheld>"


def _in_transaction(conn: sqlite3.Connection, job: _Job) -> Any:
    """On the database thread: ``job.fn(conn, *job.args)`` between BEGIN IMMEDIATE and COMMIT."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = job.fn(conn, *job.args)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


async def _configure(conn: aiosqlite.Connection) -> None:
    # WAL lets readers (and `partnerbot backup`) run beside the bot's writes.
    await conn.execute("PRAGMA journal_mode=WAL")
    # FULL fsyncs the WAL at every commit: a commit the user was told about survives a killed
    # process *and* a power cut. NORMAL would survive only the former; the cost is measured in bench/.
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=5000")
    # Deleted rows (retracted feedback above all) are overwritten, not left readable in free pages.
    await conn.execute("PRAGMA secure_delete=ON")


async def migrate(db: Database) -> int:
    """Apply every pending migration, each in its own transaction. Returns the resulting version."""
    current = await db.user_version()
    migrations = _migrations()
    if current > len(migrations):
        raise DatabaseTooNew(
            f"{db.path} is at schema version {current}, newer than this bot ({len(migrations)}); "
            "upgrade the bot or restore a backup"
        )
    for version, name, sql in migrations[current:]:
        async with db.transaction() as conn:
            # executescript would COMMIT first; run the statements one by one inside our transaction.
            for statement in _split_sql(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version:d}")
        log.info("applied migration %s", name)
    return len(migrations)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


async def open_database(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    db = Database(conn, path)
    try:
        await _configure(conn)
        await migrate(db)
    except BaseException:
        await conn.close()
        raise
    return db
