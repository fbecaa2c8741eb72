"""Helpers shared by the feedback cog tests (no tests here): submit through each path, count rows."""

from __future__ import annotations

import re
from pathlib import Path

from bot.db import feedback_path
from bot.services import digest
from bot.sim import Sim, SimMessage

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match is not None, f"no retraction code in {text!r}"
    return match.group(0)


async def scheduled_digest(sim: Sim) -> None:
    """Move the clock to the digest's next scheduled time and run the bot's background passes: the one
    moment waiting feedback can be released (when it comes from enough members)."""
    await sim.tick()  # the first pass sets the digest's baseline
    cfg = sim.settings.digest
    due = await digest.next_due(sim.db, sim.guild_id, expression=cfg.schedule, timezone=cfg.timezone, now=sim.clock())
    if due > sim.clock():
        sim.advance(seconds=(due - sim.clock()).total_seconds())
    await sim.tick()


async def preview(sim: Sim, user: str, text: str) -> SimMessage:
    messages = await sim.dm(user, text)
    assert len(messages) == 1, [m.text for m in messages]
    assert len(messages[0].buttons) == 2, messages[0].text  # Send anonymously, Cancel (in the member's language)
    return messages[0]


async def send_by_dm(sim: Sim, user: str, text: str, topic: str | None = None) -> str:
    """DM ``text``, pick ``topic``, press Send anonymously; returns the retraction code."""
    message = await preview(sim, user, text)
    if topic is not None:
        chosen = await sim.select(message, [topic], user=user)
        assert chosen.updated is not None
        message = chosen.updated
    sent = await sim.click(message, "Send anonymously", user=user)
    assert sent.updated is not None
    assert sent.updated.buttons == []
    return code_in(sent.updated.content)


async def send_by_modal(sim: Sim, user: str, text: str, topic: str = "general", *, dm: bool = False) -> str:
    opened = await sim.slash("feedback give", user=user, topic=topic, dm=dm)
    assert opened.modal is not None, opened.text
    done = await sim.submit(opened.modal, {"text": text}, user=user)
    assert done.ephemeral, done.text
    assert done.reply is not None
    return code_in(done.reply.content)


async def count(sim: Sim, table: str = "feedback_items") -> int:
    assert sim.db.feedback is not None
    return int(await sim.db.feedback.fetchval(f"SELECT COUNT(*) FROM {table}"))


async def snapshot(sim: Sim) -> list[tuple[object, ...]]:
    rows = await sim.db.feedback.fetchall(
        "SELECT id, topic, text, day, batch, position FROM feedback_items ORDER BY id"
    )
    stones = await sim.db.feedback.fetchall("SELECT code_hash FROM feedback_tombstones ORDER BY code_hash")
    return [tuple(r) for r in rows] + [tuple(s) for s in stones]


def read(path: Path | str) -> bytes:
    """The bytes of ``path`` (empty when it does not exist): the database, its WAL, a log."""
    path = Path(path)
    return path.read_bytes() if path.exists() else b""


def db_bytes(sim: Sim) -> bytes:
    """Both database files (the main one and the feedback store) and every log or journal beside them,
    as someone holding the disk would read them."""
    paths = (sim.settings.database, feedback_path(sim.settings.database))
    return b"".join(read(f"{path}{suffix}") for path in paths for suffix in ("", "-wal", "-journal"))
