"""The library internals the bot relies on (bot/internals.py and ``bot.db.on_db_thread``) are still there
and still behave as the bot expects: a discord.py or aiosqlite release that changes them fails here,
naming what changed, instead of failing in production."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

import aiosqlite
import discord

from bot.db import on_db_thread
from bot.internals import decode_gateway_json, routed
from bot.sim import Sim


async def test_discord_view_store_has_what_routed_reads(sim: Sim) -> None:
    store = getattr(sim.bot._connection, "_view_store", None)
    assert store is not None, "discord.py's ConnectionState no longer keeps a _view_store"
    for name in ("_views", "_modals", "_dynamic_items"):
        assert isinstance(getattr(store, name, None), dict), f"discord.py's ViewStore no longer has {name}"


def test_discord_decodes_json_through_utils_from_json() -> None:
    assert callable(discord.utils._from_json)
    assert decode_gateway_json('{"a": [1, "é"]}') == {"a": [1, "é"]}


def _press(sim: Sim, custom_id: str) -> discord.Interaction:
    """A button press as Discord sends it, on a message the bot does not know."""
    user = sim.member("alice")
    payload, _ = sim._base_payload(
        3, user, sim.channel("general"), "en-US", {"custom_id": custom_id, "component_type": 2}
    )
    return discord.Interaction(data=payload, state=sim.bot._connection)  # type: ignore[arg-type]


async def test_routed_tells_a_persistent_item_from_a_gone_view(sim: Sim) -> None:
    assert routed(sim.bot, _press(sim, "pb:review:approve:1")) is True  # the review buttons: persistent
    assert routed(sim.bot, _press(sim, "pb:list:next:123")) is False  # a short-lived view that is gone


async def test_aiosqlite_runs_a_function_on_its_thread(tmp_path: Path) -> None:
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    async with aiosqlite.connect(tmp_path / "x.db") as conn:
        assert isinstance(conn._conn, sqlite3.Connection)

        def on_thread(raw: sqlite3.Connection, value: int) -> int:
            return int(raw.execute("SELECT ? + 1", (value,)).fetchone()[0])

        assert await on_db_thread(conn, on_thread, 41) == 42
