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
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
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


MAIN_MIGRATIONS = "bot.migrations"
FEEDBACK_MIGRATIONS = "bot.migrations.feedback"
#: The main database's migration that drops the feedback tables, once their rows are in the feedback store.
FEEDBACK_MOVED_OUT = 8
#: Tables of the feedback store rewritten in key order before every COMMIT, with that key.
FEEDBACK_ORDERLESS = (("feedback_waiting", "id"), ("feedback_tombstones", "code_hash"))


def _migrations(package: str = MAIN_MIGRATIONS) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file of a migrations package, in order."""
    found = []
    for entry in resources.files(package).iterdir():
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
                if self.forget_order:
                    await self.conn._execute(_forget_order, self.conn._conn, self.forget_order)
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
                        outcomes = await self.conn._execute(
                            _commit_batch, self.conn._conn, _Batch(batch), self.forget_order
                        )
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
        return await self.conn._execute(fn, self.conn._conn, *args)  # type: ignore[no-any-return]

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
            await self.conn._execute(_copy, self.conn._conn)

    async def close(self) -> None:
        try:
            if self.feedback is not None:
                await self.feedback.close()
        finally:
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


def _commit_batch(
    conn: sqlite3.Connection, batch: _Batch, forget_order: tuple[tuple[str, str], ...] = ()
) -> list[tuple[bool, Any]]:
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
        _forget_order(conn, forget_order)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _forget_order(conn: sqlite3.Connection, tables: tuple[tuple[str, str], ...]) -> None:
    """Inside the transaction: write every row of each table back in key order (keys are random), so no
    page shows which row was inserted after which. With ``secure_delete`` the old cells are zeroed; the copy
    is a TEMP table, kept in memory (``temp_store=MEMORY``). Linear in the table's rows: these tables hold
    only what waits for the next digest."""
    for table, key in tables:
        conn.execute(f"CREATE TEMP TABLE pb_reorder AS SELECT * FROM {table}")
        try:
            conn.execute(f"DELETE FROM {table}")
            conn.execute(f"INSERT INTO {table} SELECT * FROM temp.pb_reorder ORDER BY {key}")
        finally:
            conn.execute("DROP TABLE temp.pb_reorder")


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


async def migrate(db: Database, *, stop_before: int | None = None) -> int:
    """Apply every pending migration (those numbered below ``stop_before``, if given), each in its own
    transaction. Returns the resulting version."""
    current = await db.user_version()
    migrations = _migrations(db.migrations)
    if current > len(migrations):
        raise DatabaseTooNew(
            f"{db.path} is at schema version {current}, newer than this bot ({len(migrations)}); "
            "upgrade the bot or restore a backup"
        )
    for version, name, sql in migrations[current:]:
        if stop_before is not None and version >= stop_before:
            return version - 1
        async with db.transaction() as conn:
            # executescript would COMMIT first; run the statements one by one inside our transaction.
            for statement in _split_sql(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version:d}")
        log.info("applied migration %s", name if db.migrations == MAIN_MIGRATIONS else f"feedback/{name}")
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


async def _move_feedback_out(db: Database, store: Database) -> bool:
    """Copy feedback kept in the main database by versions before the feedback store into the store
    (committed there before migration 0008 drops the old tables). Returns whether there was any."""
    if await db.user_version() >= FEEDBACK_MOVED_OUT:
        return False
    if await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name = 'feedback_items'") == 0:
        return False
    items = await db.fetchall("SELECT * FROM feedback_items")
    batches = await db.fetchall("SELECT * FROM feedback_batches")
    stones = await db.fetchall("SELECT * FROM feedback_tombstones")
    if not (items or stones):
        return False
    async with store.transaction() as conn:
        await conn.executemany(
            # A batch's release day becomes its release moment: the midnight (UTC) that ended that day.
            "INSERT OR IGNORE INTO feedback_batches (guild_id, number, released_at)"
            " VALUES (?, ?, CAST(strftime('%s', ?, '+1 day') AS INTEGER))",
            [(b["guild_id"], b["number"], b["released_on"]) for b in batches],
        )
        columns = "id, guild_id, topic, text, day, code_salt, code_hash"
        await conn.executemany(
            # OR IGNORE: a start that died after this commit, before migration 0008, copies again.
            f"INSERT OR IGNORE INTO feedback_waiting ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [tuple(i[c] for c in columns.split(", ")) for i in items if i["batch"] is None],
        )
        await conn.executemany(
            f"INSERT OR IGNORE INTO feedback_released ({columns}, batch, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [tuple(i[c] for c in [*columns.split(", "), "batch", "position"]) for i in items if i["batch"] is not None],
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO feedback_tombstones (code_hash, guild_id, code_salt, reason, expires_on)"
            " VALUES (?, ?, ?, ?, ?)",
            [(s["code_hash"], s["guild_id"], s["code_salt"], s["reason"], s["expires_on"]) for s in stones],
        )
    log.info("moved %d feedback items into the feedback store", len(items))
    return True
