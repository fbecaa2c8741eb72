"""``/update`` through the simulated Discord: the modal, the announcement, its thread, retries, refusals."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.sim import Sim
from bot.sim.faults import FAILURES

FORM = {"title": "Met the national library", "body": "They would like to digitise maps with us.", "link": ""}


async def _rows(sim: Sim) -> list[dict[str, Any]]:
    return [dict(r) for r in await sim.db.fetchall("SELECT * FROM updates ORDER BY id")]


async def _post(sim: Sim, user: str = "alice", locale: str = "en-US", **fields: str) -> Any:
    r = await sim.slash("update post", user=user, locale=locale, area="legal")
    assert r.modal is not None, r.text
    return await sim.submit(r.modal, {**FORM, **fields}, user=user, locale=locale)


async def test_post_opens_a_modal_then_announces_with_a_thread(sim: Sim) -> None:
    r = await sim.slash("update post", user="alice", area="legal")
    assert r.modal is not None and r.modal.title == "Update: legal"
    assert {f.custom_id: f.max_length for f in r.modal.fields} == {"title": 200, "body": 4000, "link": 1000}
    assert not r.modal.field("link").required
    done = await sim.submit(r.modal, {**FORM, "link": "https://example.org/maps"}, user="alice")
    assert done.ephemeral and "saved and posted" in done.text and "thread" in done.text

    (post,) = sim.channel("announcements").messages
    (embed,) = post.embeds
    assert embed["title"] == FORM["title"] and embed["description"] == FORM["body"]
    assert embed["url"] == "https://example.org/maps"
    assert f"<@{sim.member('alice').id}>" in post.text and "legal" in post.text
    (thread,) = sim.threads("announcements")
    assert thread.starter_message_id == post.id and thread.name == FORM["title"]
    assert "Reply in this thread" in thread.messages[0].text

    (row,) = await _rows(sim)
    assert row["message_id"] == post.id and row["thread_id"] == thread.id and row["area"] == "legal"
    assert row["author_id"] == sim.member("alice").id and row["posted_at"] is not None
    # Nothing is left to retry.
    await sim.tick()
    assert len(sim.channel("announcements").messages) == 1 and len(sim.threads("announcements")) == 1


async def test_no_thread_when_discussion_threads_are_off(sim_factory: Callable[..., Awaitable[Sim]]) -> None:
    sim = await sim_factory(config={"updates": {"discussion_threads": False}})
    done = await _post(sim)
    assert "saved and posted" in done.text and "thread" not in done.text
    assert len(sim.channel("announcements").messages) == 1 and sim.threads("announcements") == []
    await sim.tick()
    assert sim.threads("announcements") == []


@pytest.mark.parametrize("failure", FAILURES)
async def test_failed_post_is_kept_and_retried_by_tick(sim: Sim, failure: str) -> None:
    sim.fail_next(**FAILURES[failure], route="POST /channels", channel="announcements")
    done = await _post(sim)
    assert "is saved, but posting it" in done.text
    (row,) = await _rows(sim)
    assert row["message_id"] is None and row["title"] == FORM["title"]
    assert sim.channel("announcements").messages == []

    await sim.tick()
    (post,) = sim.channel("announcements").messages
    (row,) = await _rows(sim)
    assert row["message_id"] == post.id and row["thread_id"] is not None
    await sim.tick()
    assert len(sim.channel("announcements").messages) == 1


async def test_forbidden_channel_is_logged_once_and_retried(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    sim.forbid("announcements")
    with caplog.at_level(logging.WARNING, logger="bot.cogs.updates._cog"):
        await _post(sim)
        for _ in range(3):
            sim.advance(minutes=1)
            await sim.tick()
    assert len([r for r in caplog.records if "failed" in r.getMessage()]) == 1
    assert (await _rows(sim))[0]["message_id"] is None
    sim.allow("announcements")
    await sim.tick()
    assert len(sim.channel("announcements").messages) == 1
    assert (await _rows(sim))[0]["message_id"] == sim.channel("announcements").messages[0].id


async def test_failed_thread_is_opened_later(sim: Sim) -> None:
    sim.fail_next(403, route="/threads")
    done = await _post(sim)
    assert "saved and posted" in done.text and "thread" not in done.text
    assert sim.threads("announcements") == []
    assert (await _rows(sim))[0]["thread_id"] is None
    await sim.tick()
    (thread,) = sim.threads("announcements")
    assert (await _rows(sim))[0]["thread_id"] == thread.id


async def test_body_over_4000_characters_is_refused_and_nothing_stored(sim: Sim) -> None:
    done = await _post(sim, body="x" * 4001)
    assert done.ephemeral and "4001 characters long; the limit is 4000" in done.text
    assert await _rows(sim) == [] and sim.channel("announcements").messages == []


@pytest.mark.parametrize("link", ["ftp://example.org/a", "example.org", "javascript:alert(1)"])
async def test_link_that_is_not_http_is_refused(sim: Sim, link: str) -> None:
    done = await _post(sim, link=link)
    assert done.ephemeral and "must start with http:// or https://" in done.text
    assert await _rows(sim) == [] and sim.channel("announcements").messages == []


async def test_empty_title_is_refused(sim: Sim) -> None:
    done = await _post(sim, title="   ")
    assert done.ephemeral and "title cannot be empty" in done.text
    assert await _rows(sim) == []


@pytest.mark.parametrize("user", ["dave", "carol"])
async def test_only_the_working_group_may_post(sim: Sim, user: str) -> None:
    r = await sim.slash("update post", user=user)
    if user == "dave":
        assert r.modal is None and r.ephemeral and "Only the working group" in r.text
        assert await _rows(sim) == []
    else:  # reviewers can do everything the working group can
        assert r.modal is not None


async def test_unknown_area_is_refused_before_the_modal(sim: Sim) -> None:
    r = await sim.slash("update post", user="alice", area="astrology")
    assert r.modal is None and r.ephemeral and "Choose one of: legal, technical" in r.text
    assert await _rows(sim) == []


async def test_area_autocomplete_offers_configured_areas(sim: Sim) -> None:
    choices = await sim.autocomplete("update post", "area", "tech", user="alice")
    assert [c["value"] for c in choices] == ["technical"]
    assert len(await sim.autocomplete("update post", "area", "", user="alice")) == 7


async def test_post_without_area(sim: Sim) -> None:
    r = await sim.slash("update post", user="bob")
    assert r.modal is not None and r.modal.title == "Post a working-group update"
    await sim.submit(r.modal, FORM, user="bob")
    assert (await _rows(sim))[0]["area"] is None


async def test_list_newest_first_for_members(sim: Sim) -> None:
    for n in range(3):
        await _post(sim, title=f"Update number {n}")
        sim.advance(minutes=5)
    r = await sim.slash("update list", user="dave", limit=2)
    assert r.ephemeral
    text = r.text
    assert "Update number 2" in text and "Update number 1" in text and "Update number 0" not in text
    assert text.index("Update number 2") < text.index("Update number 1")
    assert "https://discord.com/channels/" in text


async def test_list_when_empty_and_unposted(sim: Sim) -> None:
    r = await sim.slash("update list", user="alice")
    assert "No updates have been posted yet" in r.text
    sim.forbid("announcements")
    await _post(sim)
    r = await sim.slash("update list", user="alice")
    assert "not posted yet" in r.text


async def test_replies_and_posts_follow_languages(sim: Sim) -> None:
    r = await sim.slash("update post", user="alice", locale="fr")
    assert r.modal is not None and r.modal.field("title").label == "Titre"
    done = await sim.submit(r.modal, FORM, user="alice", locale="fr")
    assert "enregistrée et publiée" in done.text
    # The channel post is in the server's language (English here).
    assert "Posted by" in sim.channel("announcements").messages[0].text
    refused = await _post(sim, locale="ar", body="x" * 4001)
    assert "4000" in refused.text and "الحد" in refused.text
