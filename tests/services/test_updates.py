"""Updates: validation before anything is stored, the posting bookkeeping, and the digest feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import UpdateSettings
from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.services import outbox, updates

GUILD = 1
AREAS = ("legal", "technical", "PR/brand")
NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)


async def _count(db: Database) -> int:
    return int(await db.fetchval("SELECT COUNT(*) FROM updates"))


async def _create(db: Database, **overrides: object) -> updates.Update:
    values: dict = {
        "title": "Met the national library",
        "body": "They are open to a GLAM partnership.",
        "link": "https://example.org/notes",
        "area": "legal",
        "areas": AREAS,
        "author_id": 42,
        "now": NOW,
    }
    values.update(overrides)
    return await updates.create_update(db, GUILD, **values)


async def test_create_stores_an_unposted_update(db: Database) -> None:
    update = await _create(db, area="Technical", title="  Spaced  ")
    assert update.id > 0 and update.area == "technical" and update.title == "Spaced"
    assert update.link == "https://example.org/notes"
    assert update.created_at == NOW and not update.posted and update.thread_id is None
    assert [u.id for u in await updates.unposted(db, GUILD)] == [update.id]


async def test_body_of_exactly_4000_characters_is_accepted(db: Database) -> None:
    update = await _create(db, body="x" * 4000, link="", area=None)
    assert len(update.body) == 4000 and update.link is None and update.area is None


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"body": "x" * 4001}, "update.body_too_long"),
        ({"body": "   "}, "update.body_empty"),
        ({"title": ""}, "update.title_empty"),
        ({"title": "t" * 201}, "update.title_too_long"),
        ({"link": "ftp://example.org/file"}, "update.bad_link"),
        ({"link": "javascript:alert(1)"}, "update.bad_link"),
        ({"link": "example.org"}, "update.bad_link"),
        ({"link": "https://exa mple.org"}, "update.bad_link"),
        ({"link": "https://" + "a" * 1000}, "update.link_too_long"),
        ({"area": "astrology"}, "update.unknown_area"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_stored(db: Database, overrides: dict, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await _create(db, **overrides)
    assert caught.value.key == key
    assert await _count(db) == 0


async def test_body_limit_is_stated_in_the_message(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        await _create(db, body="y" * 4321)
    assert "4321" in str(caught.value) and "4000" in str(caught.value)


async def test_mark_posted_and_thread_once(db: Database) -> None:
    update = await _create(db)
    await updates.mark_posted(db, GUILD, update.id, channel_id=10, message_id=100, now=NOW)
    # A second record (a retry racing the first) keeps the first message.
    await updates.mark_posted(db, GUILD, update.id, channel_id=10, message_id=200, now=NOW)
    posted = await updates.get_update(db, GUILD, update.id)
    assert posted.message_id == 100 and posted.posted_at == NOW
    assert await updates.unposted(db, GUILD) == []
    assert [u.id for u in await updates.missing_threads(db, GUILD, since=NOW)] == [update.id]
    await updates.mark_thread(db, GUILD, update.id, thread_id=100)
    assert await updates.missing_threads(db, GUILD, since=NOW) == []


async def test_missing_threads_only_within_the_retry_window(db: Database) -> None:
    update = await _create(db)
    await updates.mark_posted(db, GUILD, update.id, channel_id=10, message_id=100, now=NOW)
    assert await updates.missing_threads(db, GUILD, since=NOW + timedelta(seconds=1)) == []


async def test_posted_between_is_half_open_and_ignores_unposted(db: Database) -> None:
    first = await _create(db, title="first")
    second = await _create(db, title="second")
    await _create(db, title="never posted")
    await updates.mark_posted(db, GUILD, first.id, channel_id=1, message_id=11, now=NOW)
    await updates.mark_posted(db, GUILD, second.id, channel_id=1, message_id=12, now=NOW + timedelta(hours=1))
    window = await updates.posted_between(db, GUILD, NOW, NOW + timedelta(hours=1))
    assert [u.title for u in window] == ["first"]
    later = await updates.posted_between(db, GUILD, NOW + timedelta(hours=1), NOW + timedelta(days=1))
    assert [u.title for u in later] == ["second"]
    assert await updates.posted_between(db, GUILD + 1, NOW, NOW + timedelta(days=1)) == []


async def test_list_newest_first_with_limit(db: Database) -> None:
    for hour in range(5):
        await _create(db, title=f"u{hour}", now=NOW + timedelta(hours=hour))
    assert [u.title for u in await updates.list_updates(db, GUILD, limit=3)] == ["u4", "u3", "u2"]
    with pytest.raises(InvalidInput):
        await updates.list_updates(db, GUILD, limit=26)


async def test_other_guilds_updates_are_not_found(db: Database) -> None:
    update = await _create(db)
    with pytest.raises(NotFound):
        await updates.get_update(db, GUILD + 1, update.id)


async def test_text_in_any_script_round_trips(db: Database) -> None:
    update = await _create(db, title="شراكة مع المكتبة", body="Партнёрство 合作 साझेदारी")
    again = await updates.get_update(db, GUILD, update.id)
    assert again.title == "شراكة مع المكتبة" and again.body == "Партнёрство 合作 साझेदारी"


# -- the service: the guild, the clock and the areas bound in ----------------------------------------
async def test_the_service_stores_posts_and_retries_threads_as_of_its_clock(db: Database) -> None:
    clock = [NOW]
    service = updates.UpdatesService(
        db, GUILD, UpdateSettings(areas=AREAS), lambda: clock[0], outbox.Outbox(db, GUILD, lambda: clock[0])
    )
    assert service.check_area("Technical") == "technical" and service.check_area(" ") is None
    update = await service.create(title="t", body="b", link=None, area="legal", author_id=42)
    assert update.guild_id == GUILD and update.created_at == NOW
    assert [u.id for u in await service.unposted()] == [update.id]
    await outbox.begin(db, GUILD, service.post_key(update.id), now=NOW)
    await service.mark_posted(update.id, channel_id=10, message_id=100)
    assert (await service.get(update.id)).posted_at == NOW and await outbox.pending(db, GUILD) == []
    assert [u.id for u in await service.posted_between(NOW, NOW + timedelta(seconds=1))] == [update.id]
    clock[0] = NOW + updates.THREAD_RETRY
    assert [u.id for u in await service.missing_threads()] == [update.id]
    clock[0] += timedelta(seconds=1)
    assert await service.missing_threads() == []  # too late to keep trying
    assert [u.id for u in await service.latest(1)] == [update.id]


async def test_the_service_says_a_failure_is_new_once_until_the_post_goes_through(db: Database) -> None:
    service = updates.UpdatesService(
        db, GUILD, UpdateSettings(areas=AREAS), lambda: NOW, outbox.Outbox(db, GUILD, lambda: NOW)
    )
    update = await _create(db)
    assert service.first_failure(update.id, "post") and not service.first_failure(update.id, "post")
    assert service.first_failure(update.id, "thread") and not service.first_failure(update.id, "thread")
    await service.mark_posted(update.id, channel_id=10, message_id=100)
    assert service.first_failure(update.id, "post") and not service.first_failure(update.id, "thread")
