"""Anonymous feedback storage: what is kept, release in batches, retraction, retention, drafts."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database, open_database
from bot.errors import Conflict, InvalidInput, NotFound
from bot.services import feedback
from bot.services.feedback import (
    CODE_ALPHABET,
    Draft,
    Drafts,
    check_topic,
    digest_info,
    iso_week,
    normalise_code,
    purge_expired,
    release,
    released_batches,
    retract,
    submit,
    waiting_count,
)
from bot.services.feedback_text import clean

GUILD = 111
OTHER_GUILD = 222
NOW = datetime(2026, 1, 14, 15, 37, 12, tzinfo=UTC)  # a Wednesday


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "t.db")
    yield database
    await database.close()


#: Who sent what, in memory (the bot keeps one: its FeedbackService.authors).
AUTHORS = feedback.Authors()


async def add(
    db: Database, text: str, *, topic: str = "general", now: datetime = NOW, guild: int = GUILD, by: object = None
) -> feedback.Submitted:
    """Submit ``text``; ``by`` names its author (a fresh member each time when not given)."""
    result = await submit(db, guild, topic, text, now=now, max_length=2000)
    AUTHORS.note(result.item_id, repr(by if by is not None else secrets.token_hex(8)).encode())
    return result


async def release_now(db: Database, *, at: datetime = NOW, min_batch: int = 3, guild: int = GUILD) -> int | None:
    return await release(db, guild, at=at, min_batch=min_batch, authors=AUTHORS)


def store(db: Database) -> Database:
    assert db.feedback is not None
    return db.feedback


def wal_size(db: Database) -> int:
    return Path(f"{db.path}-wal").stat().st_size


def raw_bytes(db: Database) -> bytes:
    """Every byte of both database files and any log beside them."""
    data = b""
    for path in (db.path, store(db).path):
        for suffix in ("", "-wal", "-journal", "-shm"):
            extra = Path(f"{path}{suffix}")
            if extra.exists():
                data += extra.read_bytes()
    return data


async def test_schema_has_no_column_that_could_carry_an_author(db: Database) -> None:
    fb = store(db)
    columns = {row["name"] for row in await fb.fetchall("PRAGMA table_info(feedback_waiting)")}
    assert columns == {"id", "guild_id", "topic", "text", "day", "code_salt", "code_hash"}
    columns = {row["name"] for row in await fb.fetchall("PRAGMA table_info(feedback_released)")}
    assert columns == {"id", "guild_id", "topic", "text", "day", "code_salt", "code_hash", "batch", "position"}
    batch_columns = {row["name"] for row in await fb.fetchall("PRAGMA table_info(feedback_batches)")}
    assert batch_columns == {"guild_id", "number", "released_at"}
    # Nothing of feedback is left in the main database.
    assert await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'feedback%'") == 0


async def test_submit_stores_masked_text_topic_and_day_only(db: Database) -> None:
    result = await add(db, "Mail me at x@y.org, @everyone", topic="partnership")
    row = await store(db).fetchone("SELECT * FROM feedback_waiting WHERE id = ?", (result.item_id,))
    assert row is not None
    assert row["guild_id"] == GUILD
    assert row["topic"] == "partnership"
    assert row["text"] == clean("Mail me at x@y.org, @everyone", max_length=2000).text
    assert row["text"] == result.text.text
    assert "x@y.org" not in row["text"]
    assert row["day"] == "2026-01-14"
    assert result.text.emails == 1 and result.text.mentions == 1


async def test_retraction_code_is_random_long_and_kept_only_hashed(db: Database) -> None:
    result = await add(db, "a thought")
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", result.code)
    assert len(normalise_code(result.code)) * 5 >= 64
    row = await store(db).fetchone("SELECT code_salt, code_hash FROM feedback_waiting")
    assert row is not None and len(row["code_salt"]) == 16 and len(row["code_hash"]) == 32
    data = raw_bytes(db)
    assert result.code.encode() not in data
    assert normalise_code(result.code).encode() not in data
    codes = {(await add(db, f"n{i}")).code for i in range(30)}
    assert len(codes) == 30


async def test_ids_are_random_not_in_arrival_order(db: Database) -> None:
    ids = [(await add(db, f"item {i}")).item_id for i in range(40)]
    assert ids != sorted(ids)
    assert min(ids) > 2**40  # drawn from 63 bits, not a counter


async def test_bad_input_changes_nothing(db: Database) -> None:
    for topic, text, key in [
        ("general", "   ", "feedback.empty"),
        ("general", "x" * 2001, "feedback.too_long"),
        ("gossip", "hello", "feedback.bad_topic"),
    ]:
        with pytest.raises(InvalidInput) as err:
            await add(db, text, topic=topic)
        assert err.value.key == key
    assert await waiting_count(db, GUILD) == 0


async def test_nothing_is_released_between_digests_however_many_wait(db: Database) -> None:
    for i in range(10):
        await add(db, f"note {i}")
    assert await released_batches(db, GUILD) == []
    assert await waiting_count(db, GUILD) == 10


async def test_a_scheduled_release_takes_every_waiting_item_from_enough_members(db: Database) -> None:
    await add(db, "one", now=NOW - timedelta(days=7))
    await add(db, "two", topic="process")
    assert await release_now(db) is None  # two members: fewer than min_batch
    await add(db, "three", topic="other")
    assert await release_now(db) == 1
    [batch] = await released_batches(db, GUILD)
    assert batch.number == 1
    assert batch.week == "2026-W03"
    assert sorted(item.text for item in batch.items) == ["one", "three", "two"]
    assert {item.week for item in batch.items} == {"2026-W02", "2026-W03"}
    positions = [r[0] for r in await store(db).fetchall("SELECT position FROM feedback_released ORDER BY position")]
    assert positions == [0, 1, 2]
    assert await waiting_count(db, GUILD) == 0
    assert await release_now(db) is None  # nothing left


async def test_one_member_counts_once_however_many_items_they_send(db: Database) -> None:
    """The n-1 attack on the service: one member's many items never make up a batch with one other."""
    await add(db, "the victim's", by="victim")
    for i in range(10):
        await add(db, f"attacker {i}", by="attacker")
    assert await release_now(db, min_batch=3) is None
    assert await waiting_count(db, GUILD) == 11
    await add(db, "a third member", by="third")
    assert await release_now(db, min_batch=3) == 1


async def test_items_of_unknown_author_count_as_no_member(db: Database) -> None:
    """After a restart the bot no longer knows who sent what: whatever was waiting counts as nobody (it
    may be the same member as an item sent since), and goes out with the next batch of enough members."""
    forgetful = feedback.Authors()
    for i in range(5):
        await submit(db, GUILD, "general", f"before restart {i}", now=NOW, max_length=2000)
    assert await release(db, GUILD, at=NOW, min_batch=1, authors=forgetful) is None
    after = await submit(db, GUILD, "general", "after restart", now=NOW, max_length=2000)
    forgetful.note(after.item_id, b"someone")
    assert await release(db, GUILD, at=NOW, min_batch=2, authors=forgetful) is None
    again = await submit(db, GUILD, "general", "after restart, someone else", now=NOW, max_length=2000)
    forgetful.note(again.item_id, b"someone else")
    assert await release(db, GUILD, at=NOW, min_batch=2, authors=forgetful) == 1
    [batch] = await released_batches(db, GUILD)
    assert len(batch.items) == 7


async def test_an_item_retracted_while_a_release_waits_is_checked_again(db: Database) -> None:
    """The members are counted again on the items still there when the release is written."""
    first = await add(db, "one", by="a")
    await add(db, "two", by="b")
    await add(db, "three", by="c")
    ids = [r[0] for r in await store(db).fetchall("SELECT id FROM feedback_waiting")]
    await retract(db, GUILD, first.code, now=NOW, retention_days=365)
    number = await store(db).run_sync(
        feedback._release_sync, GUILD, ids, 0, AUTHORS.of(ids), 3
    )  # as if counted before the retraction
    assert number is None and await waiting_count(db, GUILD) == 2


async def test_a_retraction_finds_its_item_after_a_release_moved_it(db: Database) -> None:
    sent = await add(db, "moved meanwhile")
    await add(db, "b")
    await add(db, "c")
    found = await store(db).call(feedback._find_code, GUILD, sent.code)  # matched while still waiting
    assert isinstance(found, tuple) and found[1] == "feedback_waiting"
    assert await release_now(db) == 1
    result = await retract(db, GUILD, sent.code, now=NOW, retention_days=365)
    assert result.was_released is True
    assert sum(len(b.items) for b in await released_batches(db, GUILD)) == 2


async def test_submissions_at_once_share_commits(db: Database) -> None:
    """Members submitting at the same moment are group-committed (bot/db): fewer commits than
    submissions, every item stored, and each rewritten in id order once per commit."""
    before = store(db).stats.commits
    done = await asyncio.gather(*(add(db, f"note {n}") for n in range(30)))
    assert store(db).stats.commits - before < 30
    assert await waiting_count(db, GUILD) == 30
    assert len({d.item_id for d in done}) == len({d.code for d in done}) == 30
    assert await release_now(db) == 1
    assert sum(len(b.items) for b in await released_batches(db, GUILD)) == 30


async def test_release_order_is_shuffled(db: Database) -> None:
    orders = set()
    for i in range(25):
        for j in range(3):
            await add(db, f"b{i}-{j}")
        await release_now(db, at=NOW + timedelta(days=7 * i))
    for batch in await released_batches(db, GUILD):
        orders.add(tuple(item.text[-1] for item in batch.items))
    assert len(orders) > 1  # 25 batches all in arrival order: (1/6)**24
    numbers = [b.number for b in await released_batches(db, GUILD)]
    assert numbers == sorted(numbers, reverse=True)  # newest batch first


async def test_guilds_are_kept_apart(db: Database) -> None:
    await add(db, "here", guild=OTHER_GUILD)
    await add(db, "a")
    await add(db, "b")
    assert await release_now(db) is None
    await add(db, "c")
    assert await release_now(db) == 1
    assert await waiting_count(db, OTHER_GUILD) == 1
    assert [i.text for b in await released_batches(db, GUILD) for i in b.items if i.text == "here"] == []


async def test_retract_removes_the_item_and_says_so_twice(db: Database) -> None:
    result = await add(db, "please forget me")
    retracted = await retract(db, GUILD, result.code.lower().replace("-", " "), now=NOW, retention_days=365)
    assert retracted == feedback.Retracted(item_id=result.item_id, was_released=False, wiped=True)
    assert await waiting_count(db, GUILD) == 0
    with pytest.raises(Conflict) as err:
        await retract(db, GUILD, result.code, now=NOW, retention_days=365)
    assert err.value.key == "feedback.already_retracted"


async def test_wrong_or_malformed_code_changes_nothing(db: Database) -> None:
    result = await add(db, "keep me")
    wrong = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    with pytest.raises(NotFound) as err:
        await retract(db, GUILD, wrong, now=NOW, retention_days=365)
    assert err.value.key == "feedback.code_unknown"
    with pytest.raises(NotFound):
        await retract(db, OTHER_GUILD, result.code, now=NOW, retention_days=365)
    for bad in ("", "ABC", "UUUU-UUUU-UUUU-UUUU", result.code + "X"):
        with pytest.raises(InvalidInput) as bad_err:
            await retract(db, GUILD, bad, now=NOW, retention_days=365)
        assert bad_err.value.key == "feedback.code_malformed"
    assert await waiting_count(db, GUILD) == 1
    assert await store(db).fetchval("SELECT COUNT(*) FROM feedback_tombstones") == 0


def test_codes_tolerate_common_misreadings() -> None:
    assert normalise_code("o1il-abcd-efgh-jkmn") == "0111ABCDEFGHJKMN"


async def test_retracting_a_released_item_removes_it_from_review(db: Database) -> None:
    codes = [(await add(db, f"item {i}")).code for i in range(3)]
    await release_now(db)
    result = await retract(db, GUILD, codes[1], now=NOW, retention_days=365)
    assert result.was_released is True
    [batch] = await released_batches(db, GUILD)
    assert sorted(i.text for i in batch.items) == ["item 0", "item 2"]


async def test_retracted_text_leaves_no_trace_in_the_file_or_wal(db: Database) -> None:
    markers = [f"MARKER{i:04d}{secrets.token_hex(6)}" for i in range(300)]
    codes = {}
    for i, marker in enumerate(markers):
        # Long texts, in several scripts, so rows spill into overflow pages and pages split.
        body = f"{marker} " + ("é" * (i * 7 % 1500)) + " الشراكة " * (i % 40) + marker[::-1]
        codes[marker] = (await add(db, body)).code
        if i % 3 == 2:
            await release_now(db, at=NOW + timedelta(days=i))
    victims = markers[::13]
    for marker in victims:
        await retract(db, GUILD, codes[marker], now=NOW, retention_days=365)
    data = raw_bytes(db)
    for marker in victims:
        assert marker.encode() not in data
        assert marker[::-1].encode() not in data
    kept = [m for m in markers if m not in victims]
    assert all(m.encode() in data for m in kept)  # the scan does find text that is still there
    assert wal_size(db) == 0


async def test_retention_deletes_old_items_and_their_codes_read_expired(db: Database) -> None:
    old = await add(db, "old news", now=NOW - timedelta(days=366))
    edge = await add(db, "just in time", now=NOW - timedelta(days=365))
    assert await purge_expired(db, GUILD, now=NOW, retention_days=365) == feedback.Purged(items=1, wiped=True)
    texts = [r[0] for r in await store(db).fetchall("SELECT text FROM feedback_waiting")]
    assert texts == ["just in time"]
    with pytest.raises(Conflict) as err:
        await retract(db, GUILD, old.code, now=NOW, retention_days=365)
    assert err.value.key == "feedback.already_expired"
    assert b"old news" not in raw_bytes(db)
    # Tombstones go too, eventually.
    later = NOW + timedelta(days=2 * 365 + 1)
    assert (await purge_expired(db, GUILD, now=later, retention_days=365)).items == 1
    assert await store(db).fetchval("SELECT COUNT(*) FROM feedback_tombstones") == 1  # only the newer one
    with pytest.raises(Conflict):
        await retract(db, GUILD, edge.code, now=later, retention_days=365)
    much_later = later + timedelta(days=366)
    assert (await purge_expired(db, GUILD, now=much_later, retention_days=365)).items == 0
    assert await store(db).fetchval("SELECT COUNT(*) FROM feedback_tombstones") == 0
    with pytest.raises(NotFound):
        await retract(db, GUILD, edge.code, now=much_later, retention_days=365)


async def test_digest_info_reports_each_batch_in_the_digest_that_released_it(db: Database) -> None:
    monday = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    last_monday = monday - timedelta(days=7)
    for i in range(3):
        await add(db, f"first {i}", now=last_monday - timedelta(days=1))
    assert await release_now(db, at=last_monday) == 1
    for i in range(3):
        await add(db, f"second {i}", now=monday - timedelta(hours=1))
    assert await release_now(db, at=monday) == 2
    await add(db, "waiting", now=monday)
    this_week = await digest_info(db, GUILD, last_monday, monday)
    assert sorted(i.text for i in this_week.released) == ["second 0", "second 1", "second 2"]
    assert this_week.waiting is True
    assert {i.week for i in this_week.released} == {"2026-W03"}
    assert all(not re.search(r"\d{4}-\d{2}-\d{2}", i.week) for i in this_week.released)
    week_before = await digest_info(db, GUILD, last_monday - timedelta(days=7), last_monday)
    assert sorted(i.text for i in week_before.released) == ["first 0", "first 1", "first 2"]
    next_week = await digest_info(db, GUILD, monday, monday + timedelta(days=7))
    assert next_week.released == []
    empty = await digest_info(db, OTHER_GUILD, monday - timedelta(days=7), monday + timedelta(days=7))
    assert empty == feedback.FeedbackDigest(released=[], waiting=False)


def test_iso_week_and_topics() -> None:
    assert iso_week(date(2026, 1, 1)) == "2026-W01"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert check_topic("process") == "process"
    with pytest.raises(InvalidInput):
        check_topic("")


def test_drafts_live_fifteen_minutes_for_their_owner_only() -> None:
    drafts = Drafts()
    owner, stranger = b"a" * 32, b"b" * 32
    token = drafts.create(Draft(text=clean("hi", max_length=10), owner=owner, created=NOW))
    assert drafts.get(token, owner, now=NOW + timedelta(minutes=14, seconds=59)).topic == "general"
    with pytest.raises(NotFound):
        drafts.get(token, stranger, now=NOW)
    drafts.set_topic(token, owner, "process", now=NOW)
    with pytest.raises(InvalidInput):
        drafts.set_topic(token, owner, "nope", now=NOW)
    with pytest.raises(NotFound) as err:
        drafts.get(token, owner, now=NOW + timedelta(minutes=15))
    assert err.value.key == "feedback.draft_expired"
    assert len(drafts) == 0


def test_drafts_pop_prune_and_cap_per_owner() -> None:
    drafts = Drafts(per_owner=2)
    owner = b"a" * 32
    tokens = [drafts.create(Draft(text=clean(f"d{i}", max_length=10), owner=owner, created=NOW)) for i in range(3)]
    assert len(drafts) == 2
    with pytest.raises(NotFound):
        drafts.get(tokens[0], owner, now=NOW)
    assert drafts.pop(tokens[2], owner, now=NOW).text.text == "d2"
    with pytest.raises(NotFound):
        drafts.pop(tokens[2], owner, now=NOW)
    assert drafts.prune(NOW + timedelta(minutes=16)) == 1
    assert len(drafts) == 0
