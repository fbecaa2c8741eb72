"""Release in batches, /feedback review, retention and the digest feed, through bot/sim."""

from __future__ import annotations

import re

from bot.services import digest, feedback
from bot.sim import Sim
from tests.cogs.test_feedback_support import count, db_bytes, scheduled_digest, send_by_dm, send_by_modal

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Anything that would tell how many items wait ("Waiting for release: 2", "2 items waiting"...).
WAITING_COUNT = re.compile(r"(?i)waiting[^.\n]*\d|\d+ (?:items?|pieces?)[^.\n]*wait")


async def test_nothing_shows_until_a_scheduled_digest_releases_items_from_three_members(sim: Sim) -> None:
    await send_by_dm(sim, "dave", "first thought")
    sim.advance(days=1)
    await send_by_modal(sim, "erin", "second thought", topic="process")
    early = await sim.slash("feedback review", user="alice")
    assert early.ephemeral and "No feedback has been released yet" in early.text
    assert "at least 3 different members" in early.text and "how much is waiting is never shown" in early.text
    assert not WAITING_COUNT.search(early.text)  # never how many wait
    assert "first thought" not in early.text and "second thought" not in early.text

    await scheduled_digest(sim)  # two members: fewer than min_batch, so nothing is released
    assert await feedback.released_batches(sim.db, sim.guild_id) == []
    still = await sim.slash("feedback review", user="alice")
    assert "No feedback has been released yet" in still.text and "thought" not in still.text

    await send_by_dm(sim, "carol", "third thought", topic="partnership")
    between = await sim.slash("feedback review", user="bob")
    assert "No feedback has been released yet" in between.text  # a third member alone releases nothing
    await scheduled_digest(sim)
    review = await sim.slash("feedback review", user="bob")
    assert review.ephemeral and review.reply is not None
    titles = [e["title"] for e in review.reply.embeds]
    texts = [e["description"] for e in review.reply.embeds]
    assert sorted(texts) == ["first thought", "second thought", "third thought"]
    assert all(re.fullmatch(r".+ · \d{4}-W\d{2}", title) for title in titles)
    assert {t.split(" · ")[1] for t in titles} == {"2026-W02", "2026-W03"}
    assert not DAY.search(review.text)  # week-level dates only, never a day
    assert not WAITING_COUNT.search(review.text) and "how much is waiting is never shown" in review.text
    assert "Batch 1 · released 2026-W04" in review.text  # the week of the digest that released it
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 0


async def test_one_member_sending_many_items_releases_nothing(sim_factory) -> None:
    """The n-1 attack through the bot: items from two members never make a batch, however many there are."""
    sim = await sim_factory(config={"feedback": {"per_day": 50}})
    await send_by_dm(sim, "dave", "the one item someone wants to single out")
    for i in range(8):
        await send_by_modal(sim, "erin", f"padding {i}")
    await scheduled_digest(sim)
    assert await feedback.released_batches(sim.db, sim.guild_id) == []
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 9
    assert "single out" not in "\n".join(m.text for m in sim.channel("digest").messages)
    await send_by_modal(sim, "carol", "a third member")
    await scheduled_digest(sim)
    [batch] = await feedback.released_batches(sim.db, sim.guild_id)
    assert len(batch.items) == 10


async def test_only_a_scheduled_digest_releases_feedback(sim: Sim) -> None:
    for name in ("dave", "erin", "carol"):
        await send_by_modal(sim, name, f"from {name}")
    await sim.tick()  # the feedback cog's own pass releases nothing
    preview = await sim.slash("digest preview", user="alice")
    assert preview.ephemeral and "Partnerships digest" in preview.text and "from dave" not in preview.text
    await sim.slash("digest send", user="alice")  # whoever sends it would choose the moment of a release
    manual = "\n".join(m.text for m in sim.channel("digest").messages)
    assert "Partnerships digest" in manual and "from dave" not in manual
    assert "Feedback is waiting for a batch" in manual and not WAITING_COUNT.search(manual)
    assert await feedback.released_batches(sim.db, sim.guild_id) == []
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 3
    await scheduled_digest(sim)
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 0
    assert "from dave" in "\n".join(m.text for m in sim.channel("digest").messages)


async def test_release_order_is_shuffled_not_arrival_order(sim_factory) -> None:
    sim = await sim_factory(config={"feedback": {"per_day": 50}})
    arrival = []
    for batch in range(12):
        for k in range(3):
            text = f"batch {batch} item {k}"
            arrival.append(text)
            await send_by_modal(sim, ("dave", "erin", "carol")[k], text)
        await scheduled_digest(sim)
    review = await sim.slash("feedback review", user="alice")
    assert review.reply is not None
    batches = await feedback.released_batches(sim.db, sim.guild_id)
    assert [b.number for b in batches] == list(range(12, 0, -1))  # newest batch first
    orders = [[i.text for i in b.items] for b in batches]
    assert sorted(text for order in orders for text in order) == sorted(arrival)
    in_arrival_order = [o for o in orders if o == sorted(o)]
    assert len(in_arrival_order) < len(orders)  # all 12 in arrival order: (1/6)**12


async def test_review_is_for_the_working_group(sim: Sim) -> None:
    for i, name in enumerate(("dave", "erin", "carol")):
        await send_by_dm(sim, name, f"item {i}")
    await scheduled_digest(sim)
    refused = await sim.slash("feedback review", user="dave")
    assert refused.ephemeral and "Only the working group" in refused.text
    assert "item 0" not in refused.text
    allowed = await sim.slash("feedback review", user="carol")  # reviewers rank above the group
    assert "item 0" in allowed.text
    in_dm = await sim.slash("feedback review", user="alice", dm=True)
    assert "item 0" in in_dm.text


async def test_review_pages_long_lists(sim_factory) -> None:
    sim = await sim_factory(config={"feedback": {"per_day": 50}})
    for i in range(9):
        await send_by_modal(sim, ("dave", "erin", "carol")[i % 3], f"long item {i} " + "word " * 300)
    await scheduled_digest(sim)
    review = await sim.slash("feedback review", user="alice")
    assert review.reply is not None
    assert review.reply.buttons == ["Previous", "Next"]
    assert "Page 1 of" in review.text
    seen = {e["description"][:12] for e in review.reply.embeds}
    page = review.reply
    while page.button("Next") and not page.button("Next").get("disabled"):  # type: ignore[union-attr]
        turned = await sim.click(page, "Next", user="alice")
        assert turned.updated is not None
        page = turned.updated
        seen |= {e["description"][:12] for e in page.embeds}
    assert len(seen) == 9
    other = await sim.click(review.reply, "Previous", user="bob")
    assert "belong to the person" in other.text


async def test_retention_deletes_old_items_in_the_tick(sim: Sim) -> None:
    await send_by_dm(sim, "dave", "OLDFEEDBACKTEXT from last year")
    sim.advance(days=200)
    await send_by_dm(sim, "dave", "recent")
    sim.advance(days=166)
    await sim.tick()
    assert await count(sim) == 1
    assert b"OLDFEEDBACKTEXT" not in db_bytes(sim)
    rows = await sim.db.feedback.fetchall("SELECT text FROM feedback_items")
    assert [r[0] for r in rows] == ["recent"]


async def test_a_lowered_min_batch_applies_at_the_next_scheduled_digest_after_a_restart(sim_factory) -> None:
    """The setting takes effect with a restart, which also forgets who sent what was waiting: those
    items then count as no member, so the lower setting alone cannot release them."""
    sim = await sim_factory(config={"feedback": {"min_batch": 5}})
    for name in ("dave", "erin", "carol"):
        await send_by_dm(sim, name, f"waiting from {name}")
    await scheduled_digest(sim)
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 3  # three members: fewer than 5
    lowered = sim.settings.feedback.model_copy(update={"min_batch": 2})
    sim.settings = sim.settings.model_copy(update={"feedback": lowered})
    await sim.restart()  # same database, same server, the new setting
    await scheduled_digest(sim)
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 3  # unknown authors count as no member
    assert await feedback.released_batches(sim.db, sim.guild_id) == []
    await send_by_modal(sim, "alice", "after the restart")
    await scheduled_digest(sim)
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 4  # one known member: fewer than 2
    await send_by_modal(sim, "bob", "after the restart too")
    await sim.tick()
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 5  # released only by a scheduled digest
    await scheduled_digest(sim)
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 0
    [batch] = await feedback.released_batches(sim.db, sim.guild_id)
    assert len(batch.items) == 5


async def test_digest_feed_reports_a_released_batch_once(sim: Sim) -> None:
    for i in range(3):
        await send_by_modal(sim, ("dave", "erin", "carol")[i], f"for the digest {i}")
    await scheduled_digest(sim)
    await send_by_dm(sim, "dave", "still waiting")
    await scheduled_digest(sim)
    first, second = [r for r in await digest.list_runs(sim.db, sim.guild_id) if r.status == "delivered"]
    info = await feedback.digest_info(sim.db, sim.guild_id, first.period_start, first.period_end)
    assert sorted(i.text for i in info.released) == [f"for the digest {i}" for i in range(3)]
    assert info.waiting is True and all(i.week == "2026-W02" for i in info.released)
    later = await feedback.digest_info(sim.db, sim.guild_id, second.period_start, second.period_end)
    assert later.released == [] and later.waiting is True
    # What the channel shows: each released item in the digest that released it, and never again; the
    # waiting item only as a line without a count.
    posted = [m.text for m in sim.channel("digest").messages]
    assert len(posted) == 2
    assert all(f"for the digest {i}" in posted[0] for i in range(3))
    assert all("for the digest" not in text for text in posted[1:])
    assert "still waiting" not in "\n".join(posted)
    waiting_line = "Feedback is waiting for a batch: it is released with a scheduled digest"
    assert waiting_line in posted[1] and not WAITING_COUNT.search(posted[1])


async def test_markdown_in_feedback_is_shown_as_text_and_nothing_is_cut(sim_factory) -> None:
    """An anonymous item cannot pass for a link, a header or a line from the bot in /feedback review."""
    sim = await sim_factory(config={"feedback": {"max_length": 4000}})
    phishing = "[Open the verification form](https://example.invalid/verify)"
    header = "# Message from the Partnerships bot"
    await send_by_modal(sim, "dave", f"{header}\n{phishing}")
    await send_by_modal(sim, "erin", "**bold** and `code`")
    heavy = "*_" * 2000  # 4,000 characters that escaping doubles: more than one embed holds
    await send_by_modal(sim, "carol", heavy)
    await scheduled_digest(sim)
    review = await sim.slash("feedback review", user="alice")
    page = review.reply
    assert page is not None
    seen = [e.get("description") or "" for e in page.embeds]
    while (button := page.button("Next")) is not None and not button.get("disabled"):
        await sim.click(page, "Next", user="alice")  # the pager turns the same message
        seen += [e.get("description") or "" for e in page.embeds]
    shown = "\n".join(seen)
    assert "\\[Open the verification form\\](https://example.invalid/verify)" in shown
    assert "\\# Message from the Partnerships bot" in shown
    assert "\\*\\*bold\\*\\* and \\`code\\`" in shown
    assert shown.replace("\n", "").count("\\*\\_") == 2000  # every character, across embeds
    assert sim.server.violations == []
