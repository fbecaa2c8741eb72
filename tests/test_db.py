"""The database: migrations, pragmas, transactions, refusal of a newer schema, online backup."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.db import LATEST_VERSION, Database, DatabaseTooNew, _migrations, open_database

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
    with caplog.at_level("DEBUG", logger="aiosqlite"):
        await db.run_sync(_insert_state, "secret-key", "secret text")
    assert "_insert_state" in caplog.text
    assert "secret" not in caplog.text


async def test_checkpoint_truncates_the_wal(db: Database) -> None:
    await db.run_sync(_insert_state, "a", "1")
    # PASSIVE changes nothing here and reports (busy, frames in the WAL, frames checkpointed).
    assert tuple(await db.fetchone("PRAGMA wal_checkpoint(PASSIVE)") or ())[1] > 0
    assert await db.checkpoint() is True
    assert tuple(await db.fetchone("PRAGMA wal_checkpoint(PASSIVE)") or ()) == (0, 0, 0)
    assert await db.fetchval("SELECT value FROM guild_state WHERE key = 'a'") == "1"
