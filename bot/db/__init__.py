"""The SQLite database: two files, each with one aiosqlite connection; forward-only migrations,
transactions, backups.

*Two files.* The main database (leads, reviews, checklists, updates, digests) runs in WAL mode, so
readers and ``partnerbot backup`` run beside the writes. Anonymous feedback lives in a file of its own,
the *feedback store* (``feedback_path``), because a write-ahead log keeps every committed page in commit
order until it is checkpointed: feedback pages sitting between pages that carry member ids and exact
times (a lead logged, an answer given) would date each item and name its author. The feedback store
therefore uses a rollback journal (``journal_mode=DELETE``: the journal holds only the pages as they were
before a write and is deleted at COMMIT, so no log of past writes exists on disk) and rewrites its
order-revealing tables in key order before every COMMIT (``forget_order``): where a row sits inside its
page would otherwise show which row came later. Its file's modification time is set back to the start
of the UTC day after each write. Both files fsync every commit (``synchronous=FULL``).

*How services talk to SQLite.* Only through a :class:`Database`, never through aiosqlite or sqlite3
objects of their own, and in these shapes:

- a read: ``await db.fetchone/fetchall/fetchval(sql, params)``; several reads in one hand-over to the
  database thread (a page and its count, a lead with its aliases and flags): ``await db.call(fn, ...)``
  with ``fn`` a plain function on the sqlite3 connection;
- a write: ``await db.run_sync(fn, ...)`` with ``fn`` a plain function on the sqlite3 connection. It is
  atomic, group-committed with the writers waiting at the same moment (one fsync for all of them), and
  returns only once the COMMIT is on disk, so the caller may say "saved". This is the write path that
  serves both durability and speed, and new code uses it;
- ``async with db.transaction() as conn`` remains for the older writes that await between their
  statements (one trip through the event loop each); it is as durable, but takes a COMMIT of its own.

aiosqlite offers no public way to run a function on its thread: :func:`on_db_thread` is the one place
that reaches into it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.db._commit import Batch, Job, WriteStats, commit_batch, forget_order
from bot.db._migrate import (
    FEEDBACK_MIGRATIONS,
    FEEDBACK_MOVED_OUT,
    LATEST_VERSION,
    MAIN_MIGRATIONS,
    DatabaseTooNew,
    _move_feedback_out,
    migrate,
)

__all__ = [
    "FEEDBACK_MIGRATIONS",
    "FEEDBACK_MOVED_OUT",
    "FEEDBACK_ORDERLESS",
    "LATEST_VERSION",
    "MAIN_MIGRATIONS",
    "Database",
    "DatabaseTooNew",
    "Params",
    "Row",
    "WriteStats",
    "feedback_path",
    "migrate",
    "on_db_thread",
    "open_database",
]

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


async def on_db_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """``fn(sqlite3_connection, *args)`` run on ``conn``'s own thread, in its queue of statements.

    The one use of aiosqlite's internals (``Connection._execute`` and ``_conn``): the sqlite3 connection
    lives on that thread and may only be used there, and aiosqlite offers statements but no public way to
    run a function there, which group commit, backups and many reads in one hand-over need.
    ``tests/test_internals.py`` fails when an aiosqlite release changes either."""
    return await conn._execute(fn, conn._conn, *args)  # type: ignore[no-any-return]


FEEDBACK_ORDERLESS = (("feedback_waiting", "id"), ("feedback_tombstones", "code_hash"))


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

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path,
        *,
        migrations: str = MAIN_MIGRATIONS,
        forget_order: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.conn = conn
        self.path = path
        self.migrations = migrations
        #: (table, key) rewritten in key order before every COMMIT (see the module).
        self.forget_order = forget_order
        #: The feedback store, when this is the main database (set by :func:`open_database`).
        self.feedback: Database | None = None
        self._write_lock = asyncio.Lock()
        #: run_sync writers waiting for the next batch, in arrival order.
        self._waiting: list[Job] = []
        self._committer: asyncio.Task[None] | None = None
        self.stats = WriteStats()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as conn:`` commits on success, rolls back on any error."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                if self.forget_order:
                    await on_db_thread(self.conn, forget_order, self.forget_order)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    await self.conn.execute("COMMIT")
                except BaseException:
                    if self.conn.in_transaction:  # a COMMIT that failed (busy, I/O) leaves it open
                        await self.conn.execute("ROLLBACK")
                    raise
                self._after_commit()

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
        job = Job(fn, args, asyncio.get_running_loop().create_future())
        self._waiting.append(job)
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_waiting(), name="pb-db-group-commit")
        return await job.outcome  # type: ignore[no-any-return]

    async def _commit_waiting(self) -> None:
        """Commit batches until nobody is waiting. One task at a time runs this (``self._committer``)."""
        batch: list[Job] = []
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
                        outcomes = await on_db_thread(self.conn, commit_batch, Batch(batch), self.forget_order)
                    except Exception as error:  # BEGIN or COMMIT failed: nothing of the batch was saved
                        outcomes = [(False, error)] * len(batch)
                    else:
                        self.stats.add(len(batch))
                        self._after_commit()
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

    def _after_commit(self) -> None:
        """The feedback store's file keeps no time finer than the day in its modification time."""
        if not self.forget_order or str(self.path) == ":memory:":
            return
        midnight = time.time() // 86400 * 86400
        try:
            os.utime(self.path, (midnight, midnight))
        except OSError:  # a file system that refuses: the time is then the write's, as for any file
            pass

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(connection, *args)`` on the database thread without a transaction: several reads
        for one hand-over. ``fn`` must not write (use :meth:`run_sync`)."""
        return await on_db_thread(self.conn, fn, *args)

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and truncate it to zero bytes, between writers.

        Returns False when SQLite could not finish (a reader was active, or the database was busy):
        try again later. A database without a WAL (the feedback store) has nothing to checkpoint."""
        if self.forget_order:
            return True
        try:
            async with self._write_lock:
                row = await self.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:
            return False
        return row is not None and int(row[0]) == 0

    @property
    def total_changes(self) -> int:
        """Rows changed since the connection opened (SQLite's change counter): what was read before it
        moved may be stale. Read on the event loop, so it is exact only between hand-overs."""
        return self.conn.total_changes

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
        """Write an online, consistent copy of the database to ``dest`` (SQLite's backup API), and of the
        feedback store beside it (:func:`feedback_path` of ``dest``): restoring is copying both back."""
        dest = Path(dest)
        if self.feedback is not None:
            await self.feedback.backup(feedback_path(dest))
        dest.parent.mkdir(parents=True, exist_ok=True)

        def _copy(src: sqlite3.Connection) -> None:
            target = sqlite3.connect(dest)
            try:
                src.backup(target)
            finally:
                target.close()

        async with self._write_lock:
            # aiosqlite runs the call on its own thread, where the sqlite3 connection lives.
            await on_db_thread(self.conn, _copy)

    async def close(self) -> None:
        try:
            if self.feedback is not None:
                await self.feedback.close()
        finally:
            await self.conn.close()


async def _configure(conn: aiosqlite.Connection, *, journal: str = "WAL") -> None:
    # WAL lets readers (and `partnerbot backup`) run beside the bot's writes; the feedback store keeps no
    # log of past writes (a rollback journal, deleted at every COMMIT; see the module).
    await conn.execute(f"PRAGMA journal_mode={journal}")
    await conn.execute("PRAGMA temp_store=MEMORY")
    # FULL fsyncs the WAL at every commit: a commit the user was told about survives a killed
    # process *and* a power cut. NORMAL would survive only the former; the cost is measured in bench/.
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=5000")
    # Deleted rows (retracted feedback above all) are overwritten, not left readable in free pages.
    await conn.execute("PRAGMA secure_delete=ON")


def feedback_path(path: str | Path) -> Path:
    """Where the feedback store of the database at ``path`` lives: ``data/partnerships.db`` ->
    ``data/partnerships.feedback.db``."""
    path = Path(path)
    if str(path) == ":memory:":
        return path
    return path.with_name(f"{path.stem}.feedback{path.suffix or '.db'}")


async def _open(path: Path, *, journal: str, migrations: str, **kwargs: Any) -> Database:
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    db = Database(conn, path, migrations=migrations, **kwargs)
    try:
        await _configure(conn, journal=journal)
    except BaseException:
        await conn.close()
        raise
    return db


async def open_database(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the database at ``path`` and its feedback store."""
    path = Path(path)
    db = await _open(path, journal="WAL", migrations=MAIN_MIGRATIONS)
    try:
        await migrate(db, stop_before=FEEDBACK_MOVED_OUT)
        db.feedback = await _open(
            feedback_path(path), journal="DELETE", migrations=FEEDBACK_MIGRATIONS, forget_order=FEEDBACK_ORDERLESS
        )
        await migrate(db.feedback)
        moved = await _move_feedback_out(db, db.feedback)
        await migrate(db)
        if moved:
            await db.checkpoint()  # the copies left in the WAL go too
    except BaseException:
        await db.close()
        raise
    return db
