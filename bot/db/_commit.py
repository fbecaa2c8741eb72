"""Group commit's parts: the writers of a batch, run on the database thread between one BEGIN and one
COMMIT (see :class:`bot.db.Database`), and the reordering that keeps the feedback store's pages from
showing which row came later."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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


class Job:
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


class Batch:
    """The writers of one group commit, in arrival order (its repr withholds their arguments too)."""

    __slots__ = ("jobs",)

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs

    def __repr__(self) -> str:
        return f"<group commit of {len(self.jobs)}: {', '.join(map(repr, self.jobs))}>"


#: The savepoint each writer of a batch runs in. One name will do: writers run one after another.
_SAVEPOINT = "pb_writer"


def commit_batch(
    conn: sqlite3.Connection, batch: Batch, orderless: tuple[tuple[str, str], ...] = ()
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
        forget_order(conn, orderless)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def forget_order(conn: sqlite3.Connection, tables: tuple[tuple[str, str], ...]) -> None:
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
