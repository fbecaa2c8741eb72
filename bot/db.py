"""The SQLite database: one aiosqlite connection, WAL, forward-only migrations, transactions, backups."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
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

    Writes go through :meth:`run_sync` (a plain function on the ``sqlite3`` connection) or
    :meth:`transaction` (an ``async with`` block). Both take SQLite's write lock at BEGIN, so a
    transaction never fails half-way with "database is locked", and both return only once their COMMIT,
    fsync included (``synchronous=FULL``), is done. Reads outside a transaction are plain autocommit reads.

    *Group commit.* With ``synchronous=FULL`` every COMMIT waits for the disk to confirm the write (a
    fraction of a millisecond on this project's machines, several on a slow disk). One COMMIT per writer
    would make members who save at the same moment queue for the disk one after another. So
    :meth:`run_sync` writers that arrive while a commit is in progress are batched: the next commit takes
    every one of them, in arrival order, into a single transaction with a single COMMIT and fsync, in one
    hand-over to the database thread. Each writer runs inside its own SAVEPOINT, so one that raises rolls
    back only its own work and gets its own exception, while the others in the batch are committed.
    Every writer's ``await`` returns only after the shared COMMIT has completed, so a writer that returned
    is exactly as durable as before; a COMMIT that fails fails every writer of the batch. A lone writer is
    a batch of one. :meth:`transaction` blocks keep a transaction of their own: they await between their
    statements (each a trip through the event loop), and sharing their transaction would make every
    writer of a batch wait for the slowest block. The write lock orders blocks and batches.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        #: run_sync writers waiting for the next batch, in arrival order.
        self._waiting: list[_Job] = []
        self._committer: asyncio.Task[None] | None = None
        self.stats = WriteStats()

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
        """Run ``fn(connection, *args)`` (a plain function on the ``sqlite3`` connection) as one atomic
        write, group-committed with the other writers waiting at the same time (see the class).

        ``fn``'s writes are kept when it returns and rolled back when it raises (the error is raised
        here; the other writers of its batch are unaffected). Returns only once the COMMIT, with its
        fsync, is done: the caller may tell the user "saved". ``fn`` runs on the database thread, after
        the writers that arrived before it and seeing their writes; it must not BEGIN, COMMIT or ROLLBACK
        itself. For hot paths where the four or more round trips of an ``async with db.transaction()``
        block cost more than the work itself.
        """
        job = _Job(fn, args, asyncio.get_running_loop().create_future())
        self._waiting.append(job)
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_waiting(), name="pb-db-group-commit")
        return await job.outcome  # type: ignore[no-any-return]

    async def _commit_waiting(self) -> None:
        """Commit batches until nobody is waiting. One task at a time runs this (``self._committer``)."""
        batch: list[_Job] = []
        try:
            while self._waiting:
                async with self._write_lock:
                    # Taken once the lock is ours: the writers that queued behind a transaction() block or
                    # behind the previous batch's fsync all go in. A writer cancelled meanwhile is left out.
                    batch = [job for job in self._waiting if not job.outcome.done()]
                    self._waiting = []
                    if not batch:
                        continue
                    try:
                        outcomes = await self.conn._execute(_commit_batch, self.conn._conn, _Batch(batch))
                    except Exception as error:  # BEGIN or COMMIT failed: nothing of the batch was saved
                        outcomes = [(False, error)] * len(batch)
                    else:
                        self.stats.add(len(batch))
                for job, (ok, value) in zip(batch, outcomes, strict=True):
                    job.settle(ok, value)
                batch = []
        except BaseException:
            # Cancelled (the bot is shutting down) or worse: nobody may wait forever, nor hear "saved".
            for job in batch + self._waiting:
                job.outcome.cancel()
            self._waiting = []
            raise
        finally:
            self._committer = None

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


@dataclass
class WriteStats:
    """What group commit did so far: benchmarks and tests read it."""

    #: COMMITs of run_sync batches (each one fsync).
    commits: int = 0
    #: run_sync writers those commits carried (failed ones included: they were in the batch).
    writers: int = 0
    largest_batch: int = 0

    def add(self, writers: int) -> None:
        self.commits += 1
        self.writers += writers
        self.largest_batch = max(self.largest_batch, writers)


class _Job:
    """One run_sync writer: a function, its arguments and the future its caller awaits. Its repr names
    only the function: aiosqlite logs every call it runs at DEBUG, and the arguments may be anything
    (anonymous feedback text above all)."""

    __slots__ = ("args", "fn", "outcome")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], outcome: asyncio.Future[Any]) -> None:
        self.fn = fn
        self.args = args
        self.outcome = outcome

    def settle(self, ok: bool, value: Any) -> None:
        """Hand the caller its result (``ok``) or its exception, unless it stopped waiting."""
        if self.outcome.done():  # cancelled meanwhile
            return
        if ok:
            self.outcome.set_result(value)
        else:
            self.outcome.set_exception(value)

    def __repr__(self) -> str:
        return f"<transaction {getattr(self.fn, '__qualname__', 'job')}, arguments withheld>"


class _Batch:
    """The writers of one group commit, in arrival order (its repr withholds their arguments too)."""

    __slots__ = ("jobs",)

    def __init__(self, jobs: list[_Job]) -> None:
        self.jobs = jobs

    def __repr__(self) -> str:
        return f"<group commit of {len(self.jobs)}: {', '.join(map(repr, self.jobs))}>"


#: The savepoint each writer of a batch runs in. One name will do: writers run one after another.
_SAVEPOINT = "pb_writer"


def _commit_batch(conn: sqlite3.Connection, batch: _Batch) -> list[tuple[bool, Any]]:
    """On the database thread: every job of ``batch`` in its own savepoint, between one BEGIN IMMEDIATE
    and one COMMIT. Returns (True, result) or (False, exception) per job, in order.

    Raises (after rolling everything back) when BEGIN or COMMIT fails, or when a job's error made SQLite
    abandon the whole transaction (disk full, I/O error): then the batch's earlier writes are gone too,
    and every writer of the batch must hear so.
    """
    conn.execute("BEGIN IMMEDIATE")
    outcomes: list[tuple[bool, Any]] = []
    try:
        for job in batch.jobs:
            conn.execute(f"SAVEPOINT {_SAVEPOINT}")
            try:
                value = job.fn(conn, *job.args)
            except Exception as error:
                if not conn.in_transaction:
                    raise
                conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
                conn.execute(f"RELEASE {_SAVEPOINT}")
                outcomes.append((False, error))
                continue
            if not conn.in_transaction:
                raise RuntimeError(f"{job!r} ended the transaction itself; run_sync functions must not")
            conn.execute(f"RELEASE {_SAVEPOINT}")
            outcomes.append((True, value))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


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
