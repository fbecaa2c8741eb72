"""Which lead cards in the leads channel are due: never posted, or the lead changed since (migration
0002 keeps ``version`` and ``card_version`` side by side, so a card Discord refused is found again)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db import Database


@dataclass(frozen=True)
class CardJob:
    """A card to post (no message yet) or to refresh (the lead changed since it was posted)."""

    lead_id: int
    version: int
    channel_id: int | None
    message_id: int | None


async def pending_cards(db: Database, guild_id: int, *, limit: int = 20) -> list[CardJob]:
    rows = await db.fetchall(
        "SELECT id, version, card_channel_id, card_message_id FROM leads "
        "WHERE guild_id = ? AND card_version < version ORDER BY id LIMIT ?",
        (guild_id, limit),
    )
    return [CardJob(r[0], r[1], r[2], r[3]) for r in rows]


async def card_job(db: Database, guild_id: int, lead_id: int) -> CardJob | None:
    row = await db.fetchone(
        "SELECT id, version, card_channel_id, card_message_id FROM leads "
        "WHERE +guild_id = ? AND id = ? AND card_version < version",
        (guild_id, lead_id),
    )
    return None if row is None else CardJob(row[0], row[1], row[2], row[3])


async def card_done(
    db: Database, guild_id: int, lead_id: int, *, version: int, channel_id: int, message_id: int
) -> None:
    """Record that the card for ``version`` of the lead is in the channel."""
    await db.run_sync(_record_card, guild_id, lead_id, version, channel_id, message_id)


def _record_card(
    conn: sqlite3.Connection, guild_id: int, lead_id: int, version: int, channel_id: int, message_id: int
) -> None:
    conn.execute(
        "UPDATE leads SET card_channel_id = ?, card_message_id = ?, card_version = max(card_version, ?) "
        "WHERE +guild_id = ? AND id = ?",
        (channel_id, message_id, version, guild_id, lead_id),
    )


async def card_lost(db: Database, guild_id: int, lead_id: int) -> None:
    """The posted card is gone (deleted in Discord): post a new one next time."""
    await db.run_sync(_forget_card, guild_id, lead_id)


def _forget_card(conn: sqlite3.Connection, guild_id: int, lead_id: int) -> None:
    conn.execute(
        "UPDATE leads SET card_message_id = NULL, card_version = 0 WHERE +guild_id = ? AND id = ?",
        (guild_id, lead_id),
    )
