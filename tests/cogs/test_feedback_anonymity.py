"""Anonymity proofs through bot/sim: no author trace in the database, its WAL, a backup or the logs;
retraction leaves no trace of the text; the daily limit lives in memory only."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cogs.feedback._logging import ID, WITHHELD
from bot.db import feedback_path
from bot.services import feedback
from bot.sim import Sim, SimMessage
from tests.cogs.test_feedback_support import count, db_bytes, read, scheduled_digest, send_by_dm, send_by_modal

AUTHORS = 20
PER_AUTHOR = 10  # 5 a day (the default limit) over two days: 200 items


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Everything logged at DEBUG, discord.py included, into a file the test then scans."""
    path = tmp_path / "logs" / "debug.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    names = ("", "discord", "discord.http", "discord.gateway", "discord.client", "discord.state", "bot")
    levels = {name: logging.getLogger(name).level for name in names}
    root.addHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def needles(ids: set[int], names: set[str]) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for value in ids:
        found[str(value).encode()] = f"{value} as text"
        found[value.to_bytes(8, "big")] = f"{value} as 8 bytes big-endian"
        found[value.to_bytes(8, "little")] = f"{value} as 8 bytes little-endian"
    for name in names:
        found[name.encode()] = f"name {name}"
        found[name.title().encode()] = f"display name {name.title()}"
    return found


def scan(files: list[Path], wanted: dict[bytes, str]) -> list[str]:
    hits = []
    for path in files:
        data = path.read_bytes() if path.exists() else b""
        hits += [f"{path.name}: {label}" for needle, label in wanted.items() if needle in data]
    return hits


async def test_no_author_trace_in_database_wal_backup_or_logs(sim: Sim, debug_log: Path, tmp_path: Path) -> None:
    logging.getLogger("bot.test").debug("scan starts")  # the file exists and is written to
    authors = [sim.add_member(f"fbauthor{i:02d}q") for i in range(AUTHORS)]
    # Record the id of every interaction the simulated Discord hands the bot (test-side only).
    interaction_ids: set[int] = set()
    state = sim.bot._connection
    parse = state.parse_interaction_create

    def recording(data: dict) -> None:
        interaction_ids.add(int(data["id"]))
        parse(data)

    state.parse_interaction_create = recording  # type: ignore[method-assign]
    message_ids: set[int] = set()
    texts: list[str] = []
    for day in range(2):
        for author in authors:
            for k in range(PER_AUTHOR // 2):
                marker = f"FBTEXT{secrets.token_hex(6)}"
                texts.append(marker)
                text = f"{marker} day {day} note {k}: the partnership intake could be faster."
                if k % 2 == 0:
                    before = {m.id for m in sim.dm_channel(author.name).messages}
                    await send_by_dm(sim, author.name, text, topic="partnership" if k else None)
                    message_ids |= {m.id for m in sim.dm_channel(author.name).messages} - before
                else:
                    await send_by_modal(sim, author.name, text, topic="process")
        sim.advance(days=1)
    await sim.tick()
    assert await count(sim) == AUTHORS * PER_AUTHOR
    assert len(message_ids) >= AUTHORS * 3 * 2  # each DM and its preview
    assert len(interaction_ids) >= AUTHORS * PER_AUTHOR

    backup = tmp_path / "backup.db"
    await sim.db.backup(backup)
    db_path = Path(sim.settings.database)
    store, store_backup = feedback_path(db_path), feedback_path(backup)
    dm_channels = {sim.dm_channel(a.name).id for a in authors}
    ids = {a.id for a in authors} | dm_channels | message_ids | interaction_ids
    logs = [debug_log, *sorted(p for p in sim.settings.log_dir.rglob("*") if p.is_file())]
    main_files = [db_path, Path(f"{db_path}-wal"), backup]
    store_files = [store, Path(f"{store}-wal"), Path(f"{store}-journal"), store_backup]
    files = [*main_files, *store_files, *logs]
    assert read(debug_log) and read(f"{db_path}-wal")
    assert scan(files, needles(ids, {a.name for a in authors})) == []
    # Who sent each waiting item is known only in memory, under keyed hashes that reach no file.
    author_keys = set(sim.bot.services.feedback.authors._by_item.values())
    assert len(author_keys) == AUTHORS
    assert scan(files, dict.fromkeys(author_keys, "an author's keyed hash")) == []
    # The feedback store keeps no log of past writes: no WAL, and its journal is gone after each COMMIT.
    assert read(f"{store}-wal") == read(f"{store}-journal") == b""
    # Logs carry no feedback text either, nor does the main database (its WAL included); the feedback store
    # and its backup do (the scan would see it).
    feedback_texts = {t.encode(): t for t in texts}
    assert scan(logs, feedback_texts) == [] and scan(main_files, feedback_texts) == []
    assert all(t.encode() in read(store) and t.encode() in read(store_backup) for t in texts)
    assert b"Dispatching event" in read(debug_log)  # discord.py did log at DEBUG


async def test_retraction_leaves_no_trace_of_the_text(sim: Sim) -> None:
    markers = [f"RETRACTME{secrets.token_hex(8)}" for _ in range(30)]
    codes = {}
    for i, marker in enumerate(markers):
        author = ("dave", "erin", "carol", "alice", "bob")[i % 5]
        body = f"{marker} " + "détails " * (i * 37 % 230) + marker[::-1]
        if i % 2:
            codes[marker] = await send_by_dm(sim, author, body)
        else:
            codes[marker] = await send_by_modal(sim, author, body)
        if i % 5 == 4 and i < 25:
            await scheduled_digest(sim)  # five members: released, and posted in that week's digest
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 5
    gone = markers[::3]  # released and waiting alike
    for i, marker in enumerate(gone):
        if i % 2:
            await sim.slash("feedback retract", user="dave", code=codes[marker])
        else:
            [reply] = await sim.dm("erin", codes[marker])
            assert "deleted" in reply.text
    data = db_bytes(sim)
    for marker in gone:
        assert marker.encode() not in data and marker[::-1].encode() not in data
    assert all(m.encode() in data for m in markers if m not in gone)
    assert await count(sim) == len(markers) - len(gone)
    kept = [i.text for b in await feedback.released_batches(sim.db, sim.guild_id) for i in b.items]
    assert len(kept) == 25 - len([m for m in gone if markers.index(m) < 25])


async def test_daily_limit_holds_resets_with_the_day_and_is_not_on_disk(sim: Sim) -> None:
    per_day = sim.settings.feedback.per_day
    for i in range(per_day):
        if i % 2:
            await send_by_dm(sim, "dave", f"thought {i}")
        else:
            await send_by_modal(sim, "dave", f"thought {i}")
    # Sixth of the day: refused at the preview, at the command and at Send.
    [refused] = await sim.dm("dave", "one more")
    assert f"today's limit of {per_day}" in refused.text and refused.buttons == []
    blocked = await sim.slash("feedback give", user="dave", topic="general")
    assert blocked.modal is None and f"today's limit of {per_day}" in blocked.text
    assert await count(sim) == per_day
    # Someone else is not affected.
    await send_by_dm(sim, "erin", "mine")

    limit = sim.bot.services.feedback.limit
    keys = list(limit._counts)
    secret = limit._secret
    data = db_bytes(sim)
    assert keys and all(k not in data for k in keys) and secret not in data
    assert b"limit" not in await _all_tables(sim)

    # Midnight UTC: a new day, a new allowance.
    sim.advance(hours=16)  # 2026-01-05 08:00 -> 2026-01-06 00:00
    await send_by_dm(sim, "dave", "a new day")
    assert await count(sim) == per_day + 2


async def test_a_restart_forgets_the_counts(sim: Sim) -> None:
    for i in range(sim.settings.feedback.per_day):
        await send_by_dm(sim, "dave", f"n{i}")
    [refused] = await sim.dm("dave", "more")
    assert "limit" in refused.text
    await sim.restart()
    await send_by_dm(sim, "dave", "after restart")


async def test_a_preview_made_before_the_limit_is_refused_at_send(sim: Sim) -> None:
    from tests.cogs.test_feedback_support import preview

    late: SimMessage = await preview(sim, "dave", "prepared early")
    for i in range(sim.settings.feedback.per_day):
        await send_by_modal(sim, "dave", f"n{i}")
    sent = await sim.click(late, "Send anonymously", user="dave")
    assert sent.updated is not None and "limit" in sent.updated.text
    assert await count(sim) == sim.settings.feedback.per_day


async def _all_tables(sim: Sim) -> bytes:
    names = [r[0] for r in await sim.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return " ".join(names).encode()


async def test_discord_payload_logs_are_withheld_and_ids_blanked(sim: Sim, debug_log: Path) -> None:
    dave = sim.member("dave")
    payload = {"t": "MESSAGE_CREATE", "d": {"author": {"id": str(dave.id)}, "content": "secret feedback text"}}
    logging.getLogger("discord.gateway").debug("For Shard ID %s: WebSocket Event: %s", None, payload)
    logging.getLogger("discord.http").debug(
        "%s %s with %s has returned %s",
        "POST",
        f"https://discord.com/api/v10/channels/{sim.dm_channel('dave').id}/messages",
        '{"content": "secret feedback text"}',
        200,
    )
    logging.getLogger("discord.state").debug("unknown user %s", dave.id)
    text = read(debug_log).decode("utf-8")
    assert WITHHELD in text and ID in text
    assert str(dave.id) not in text and str(sim.dm_channel("dave").id) not in text
    assert "secret feedback text" not in text


async def test_each_form_has_its_own_id_that_says_nothing_about_its_author(sim: Sim) -> None:
    forms = [await sim.slash("feedback give", user=who, topic="general") for who in ("dave", "dave", "erin")]
    ids = [f.modal.custom_id for f in forms if f.modal is not None]
    assert len(set(ids)) == 3  # two forms open at once never replace each other
    authors = {sim.member(who).id for who in ("dave", "erin")}
    for value in ids:
        assert value.startswith("pb:fb:give:")
        assert not any(str(a) in value or format(a, "x") in value for a in authors), value
