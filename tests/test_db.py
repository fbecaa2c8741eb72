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
