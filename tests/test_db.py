"""The database: migrations, pragmas, transactions, refusal of a newer schema, online backup."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot import logs
from bot.db import (
    FEEDBACK_MIGRATIONS,
    FEEDBACK_MOVED_OUT,
    LATEST_VERSION,
    Database,
    DatabaseTooNew,
    feedback_path,
    open_database,
)
from bot.db._migrate import _migrations
from bot.services import feedback

REPO = Path(__file__).resolve().parents[1]


async def test_all_migrations_apply_to_an_empty_database(db: Database) -> None:
    assert await db.user_version() == LATEST_VERSION == len(_migrations())
    assert (await db.fetchval("PRAGMA journal_mode")) == "wal"
    assert (await db.fetchval("PRAGMA foreign_keys")) == 1
    assert (await db.fetchval("PRAGMA synchronous")) == 2  # FULL
    assert (await db.fetchval("PRAGMA integrity_check")) == "ok"


def test_migrations_explain_themselves() -> None:
    for _version, name, sql in _migrations():
        assert sql.lstrip().startswith("--"), f"{name} must start with a comment saying why"


async def test_every_table_with_server_data_has_guild_id(db: Database) -> None:
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%VIRTUAL%'"
    )
    shadow = ("_data", "_idx", "_content", "_docsize", "_config")
    for row in tables:
        name = row["name"]
        if name.endswith(shadow):
            continue
        columns = {c["name"] for c in await db.fetchall(f"PRAGMA table_info({name})")}
        assert "guild_id" in columns, f"table {name} lacks guild_id"


async def test_reopening_is_idempotent(tmp_path: Path) -> None:
    first = await open_database(tmp_path / "a.db")
    await first.close()
    second = await open_database(tmp_path / "a.db")
    assert await second.user_version() == LATEST_VERSION
    await second.close()


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO guild_state (guild_id, key, value) VALUES (1, 'k', 'v')")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT COUNT(*) FROM guild_state") == 0
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO guild_state (guild_id, key, value) VALUES (1, 'k', 'v')")
    assert await db.fetchval("SELECT value FROM guild_state WHERE key = 'k'") == "v"


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    conn.close()
    with pytest.raises(DatabaseTooNew, match="newer than this bot"):
        await open_database(path)


async def test_backup_copies_a_live_database(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO guild_state (guild_id, key, value) VALUES (1, 'live', 'yes')")
    target = tmp_path / "backup" / "copy.db"
    await db.backup(target)
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT value FROM guild_state WHERE key='live'").fetchone() == ("yes",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()


async def test_backup_cli_while_the_bot_holds_the_database(tmp_path: Path) -> None:
    (tmp_path / "q").mkdir()
    example = yaml.safe_load((REPO / "config.example.yaml").read_text(encoding="utf-8"))
    example["database"] = str(tmp_path / "live.db")
    example["questionnaires"] = str(REPO / "data" / "questionnaires")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(example), encoding="utf-8")
    live = await open_database(tmp_path / "live.db")
    try:
        async with live.transaction() as conn:
            await conn.execute("INSERT INTO guild_state (guild_id, key, value) VALUES (1, 'cli', 'copied')")
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "backup", str(tmp_path / "out.db"), "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
    finally:
        await live.close()
    copy = sqlite3.connect(tmp_path / "out.db")
    assert copy.execute("SELECT value FROM guild_state WHERE key='cli'").fetchone() == ("copied",)
    copy.close()


def _insert_state(conn: sqlite3.Connection, key: str, value: str) -> int:
    conn.execute("INSERT INTO guild_state (guild_id, key, value) VALUES (1, ?, ?)", (key, value))
    return int(conn.execute("SELECT COUNT(*) FROM guild_state").fetchone()[0])


def _insert_then_fail(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO guild_state (guild_id, key, value) VALUES (1, 'half', 'done')")
    raise ValueError("boom")


async def test_run_sync_commits_in_one_transaction_and_returns_the_result(db: Database, tmp_path: Path) -> None:
    assert await db.run_sync(_insert_state, "a", "1") == 1
    assert await db.run_sync(_insert_state, "b", "2") == 2
    assert not db.conn._conn.in_transaction
    # Committed: another connection sees both rows at once.
    other = sqlite3.connect(db.path)
    try:
        assert other.execute("SELECT key, value FROM guild_state ORDER BY key").fetchall() == [("a", "1"), ("b", "2")]
    finally:
        other.close()


async def test_run_sync_rolls_back_when_the_function_raises(db: Database) -> None:
    with pytest.raises(ValueError, match="boom"):
        await db.run_sync(_insert_then_fail)
    assert not db.conn._conn.in_transaction
    assert await db.fetchval("SELECT COUNT(*) FROM guild_state") == 0
    with pytest.raises(sqlite3.IntegrityError):
        await db.run_sync(_insert_state, "k", None)  # NOT NULL
    assert await db.run_sync(_insert_state, "k", "v") == 1


async def test_run_sync_waits_for_an_open_transaction(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO guild_state (guild_id, key, value) VALUES (1, 'first', 'x')")
        later = asyncio.ensure_future(db.run_sync(_insert_state, "second", "y"))
        await asyncio.sleep(0.01)
        assert not later.done()  # queued behind the open transaction, not inside it
    assert await later == 2


async def test_run_sync_does_not_log_its_arguments(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    # Without the bot's log redaction (an earlier test in this process may have started a bot that installed
    # it): the job's own repr is what keeps the arguments out.
    held = 0
    while logs.installed():
        logs.uninstall()
        held += 1
    try:
        with caplog.at_level("DEBUG", logger="aiosqlite"):
            await db.run_sync(_insert_state, "secret-key", "secret text")
    finally:
        for _ in range(held):
            logs.install()
    assert "_insert_state" in caplog.text
    assert "secret" not in caplog.text


async def test_checkpoint_truncates_the_wal(db: Database) -> None:
    await db.run_sync(_insert_state, "a", "1")
    # PASSIVE changes nothing here and reports (busy, frames in the WAL, frames checkpointed).
    assert tuple(await db.fetchone("PRAGMA wal_checkpoint(PASSIVE)") or ())[1] > 0
    assert await db.checkpoint() is True
    assert tuple(await db.fetchone("PRAGMA wal_checkpoint(PASSIVE)") or ()) == (0, 0, 0)
    assert await db.fetchval("SELECT value FROM guild_state WHERE key = 'a'") == "1"


# -- group commit ----------------------------------------------------------------------------------
async def _commits(db: Database) -> list[str]:
    """Every COMMIT the connection runs from now on (SQLite's trace callback, set on the database thread)."""
    seen: list[str] = []

    def trace(sql: str) -> None:
        if sql.strip().upper() == "COMMIT":
            seen.append(sql)

    await db.call(lambda conn: conn.set_trace_callback(trace))
    return seen


def _visible_elsewhere(path: Path, key: str) -> bool:
    other = sqlite3.connect(path)
    try:
        return other.execute("SELECT 1 FROM guild_state WHERE key = ?", (key,)).fetchone() is not None
    finally:
        other.close()


async def test_concurrent_writers_share_commits_and_all_rows_are_stored(db: Database) -> None:
    commits = await _commits(db)
    before = db.stats.commits

    async def writer(n: int) -> bool:
        await db.run_sync(_insert_state, f"w{n}", str(n))
        # Returned means committed: a second connection already sees the row.
        return _visible_elsewhere(db.path, f"w{n}")

    seen = await asyncio.gather(*(writer(n) for n in range(50)))
    assert all(seen)
    assert await db.fetchval("SELECT count(*) FROM guild_state WHERE key LIKE 'w%'") == 50
    assert 1 <= len(commits) < 50  # writers that arrived during a commit rode the next one
    assert db.stats.commits - before == len(commits) and db.stats.largest_batch > 1


async def test_a_failing_writer_rolls_back_only_itself(db: Database) -> None:
    async with db.transaction():  # hold the writers back so that they form one batch
        writers = [
            asyncio.ensure_future(db.run_sync(_insert_state, "before", "1")),
            asyncio.ensure_future(db.run_sync(_insert_then_fail)),  # inserts 'half', then raises
            asyncio.ensure_future(db.run_sync(_insert_state, "dup", "x")),
            asyncio.ensure_future(db.run_sync(_insert_state, "dup", "y")),  # primary key taken
            asyncio.ensure_future(db.run_sync(_insert_state, "after", "2")),
        ]
        await asyncio.sleep(0.01)
    commits = await _commits(db)
    results = await asyncio.gather(*writers, return_exceptions=True)
    assert len(commits) == 1  # one batch, one commit
    assert isinstance(results[1], ValueError) and str(results[1]) == "boom"
    assert isinstance(results[3], sqlite3.IntegrityError)
    assert [results[0], results[2], results[4]] == [1, 2, 3]  # each saw the writes of those before it
    rows = await db.fetchall("SELECT key, value FROM guild_state ORDER BY key")
    assert [tuple(r) for r in rows] == [("after", "2"), ("before", "1"), ("dup", "x")]
    assert not db.conn._conn.in_transaction


def _orphan_alias(conn: sqlite3.Connection) -> None:
    """A write whose foreign key is checked only at COMMIT, so that the shared COMMIT fails."""
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute("INSERT INTO lead_aliases (guild_id, lead_id, alias, alias_norm) VALUES (1, 424242, 'x', 'x')")


async def test_a_failed_commit_fails_every_writer_of_the_batch(db: Database) -> None:
    async with db.transaction():
        writers = [
            asyncio.ensure_future(db.run_sync(_insert_state, "lost", "1")),
            asyncio.ensure_future(db.run_sync(_orphan_alias)),
        ]
        await asyncio.sleep(0.01)
    results = await asyncio.gather(*writers, return_exceptions=True)
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert await db.fetchval("SELECT count(*) FROM guild_state") == 0  # nobody was told "saved"
    assert not db.conn._conn.in_transaction
    assert await db.run_sync(_insert_state, "next", "1") == 1  # and the next batch goes through


def _abandon_then_fail(conn: sqlite3.Connection) -> None:
    conn.execute("ROLLBACK")  # what SQLite itself does on a full disk or an I/O error
    raise sqlite3.OperationalError("database or disk is full")


async def test_a_writer_that_loses_the_transaction_fails_the_whole_batch(db: Database) -> None:
    async with db.transaction():
        writers = [
            asyncio.ensure_future(db.run_sync(_insert_state, "gone", "1")),
            asyncio.ensure_future(db.run_sync(_abandon_then_fail)),
        ]
        await asyncio.sleep(0.01)
    results = await asyncio.gather(*writers, return_exceptions=True)
    # The first writer's row went with the transaction: it must hear so, not "saved".
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
    assert await db.fetchval("SELECT count(*) FROM guild_state") == 0


async def test_a_writer_cancelled_before_its_batch_is_left_out(db: Database) -> None:
    async with db.transaction():
        kept = asyncio.ensure_future(db.run_sync(_insert_state, "kept", "1"))
        dropped = asyncio.ensure_future(db.run_sync(_insert_state, "dropped", "1"))
        await asyncio.sleep(0.01)
        dropped.cancel()
    assert await kept == 1
    with pytest.raises(asyncio.CancelledError):
        await dropped
    assert [r[0] for r in await db.fetchall("SELECT key FROM guild_state")] == ["kept"]


def _on_disk(*paths: Path | str) -> bytes:
    """The bytes of every one of ``paths`` that exists."""
    return b"".join(Path(p).read_bytes() for p in paths if Path(p).exists())


# -- the feedback store --------------------------------------------------------------------------------
async def test_the_feedback_store_keeps_no_log_and_no_order(db: Database) -> None:
    store = db.feedback
    assert store is not None and store.path == feedback_path(db.path)
    assert await store.fetchval("PRAGMA journal_mode") == "delete"  # no WAL: no record of past commits
    assert await store.fetchval("PRAGMA synchronous") == 2  # FULL: "sent" is on disk
    assert await store.fetchval("PRAGMA secure_delete") == 1
    assert await store.user_version() == len(_migrations(FEEDBACK_MIGRATIONS))
    await feedback.submit(db, 1, "general", "a thought", now=datetime(2026, 1, 5, tzinfo=UTC), max_length=100)
    assert _on_disk(f"{store.path}-wal", f"{store.path}-journal") == b""


async def test_backup_copies_the_feedback_store_too(db: Database, tmp_path: Path) -> None:
    sent = await feedback.submit(
        db, 1, "general", "kept in the backup", now=datetime(2026, 1, 5, tzinfo=UTC), max_length=100
    )
    target = tmp_path / "copies" / "backup.db"
    await db.backup(target)
    restored = await open_database(target)
    try:
        assert await feedback.waiting_count(restored, 1) == 1
        assert restored.feedback is not None
        assert await restored.feedback.fetchval("SELECT text FROM feedback_items WHERE id = ?", (sent.item_id,)) == (
            "kept in the backup"
        )
    finally:
        await restored.close()


async def test_feedback_kept_by_an_older_version_moves_into_the_store(tmp_path: Path) -> None:
    """A database from before the feedback store (schema 7, feedback in the main file) is opened: every
    item, batch and tombstone moves into the store, and no byte of the texts stays in the main file."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA secure_delete=ON")
    for version, _name, sql in _migrations()[: FEEDBACK_MOVED_OUT - 1]:
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO feedback_batches (guild_id, number, released_on) VALUES (1, 1, '2026-01-05')")
    rows = [
        (11, 1, "general", "OLDWAITINGTEXT", "2026-01-06", b"s" * 16, b"h" * 32, None, None),
        (12, 1, "process", "OLDRELEASEDTEXT", "2026-01-04", b"t" * 16, b"i" * 32, 1, 0),
    ]
    conn.executemany("INSERT INTO feedback_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT INTO feedback_tombstones VALUES (1, ?, ?, 'retracted', '2027-01-01')", (b"u" * 16, b"j" * 32))
    conn.commit()
    conn.close()
    db = await open_database(path)
    try:
        assert await db.user_version() == LATEST_VERSION
        assert await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'feedback%'") == 0
        assert await feedback.waiting_count(db, 1) == 1
        [batch] = await feedback.released_batches(db, 1)
        assert [i.text for i in batch.items] == ["OLDRELEASEDTEXT"] and batch.week == "2026-W02"
        assert db.feedback is not None
        assert await db.feedback.fetchval("SELECT COUNT(*) FROM feedback_tombstones") == 1
        main = _on_disk(path, f"{path}-wal")
        assert b"OLDWAITINGTEXT" not in main and b"OLDRELEASEDTEXT" not in main
    finally:
        await db.close()


async def test_a_move_interrupted_before_migration_8_is_finished_at_the_next_start(tmp_path: Path) -> None:
    """The store committed the copied items, then the process died before the old tables were dropped:
    the next start copies again without failing or doubling anything."""
    path = tmp_path / "interrupted.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    for version, _name, sql in _migrations()[: FEEDBACK_MOVED_OUT - 1]:
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO feedback_items VALUES (11, 1, 'general', 'twice copied', '2026-01-06', ?, ?, NULL, NULL)",
        (b"s" * 16, b"h" * 32),
    )
    conn.commit()
    conn.close()
    store = sqlite3.connect(feedback_path(path))  # what the first, interrupted start had written
    for version, _name, sql in _migrations(FEEDBACK_MIGRATIONS):
        store.executescript(sql)
        store.execute(f"PRAGMA user_version = {version}")
    store.execute(
        "INSERT INTO feedback_waiting VALUES (11, 1, 'general', 'twice copied', '2026-01-06', ?, ?)",
        (b"s" * 16, b"h" * 32),
    )
    store.commit()
    store.close()
    db = await open_database(path)
    try:
        assert await db.user_version() == LATEST_VERSION
        assert await feedback.waiting_count(db, 1) == 1
    finally:
        await db.close()
