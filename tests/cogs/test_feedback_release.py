"""Release in batches, /feedback review, retention and the digest feed, through bot/sim."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.services import feedback
from bot.sim import Sim
from tests.cogs.test_feedback_support import count, db_bytes, send_by_dm, send_by_modal

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


async def test_two_items_show_nothing_and_the_third_releases_all_three(sim: Sim) -> None:
    await send_by_dm(sim, "dave", "first thought")
    sim.advance(days=1)
    await send_by_modal(sim, "erin", "second thought", topic="process")
    early = await sim.slash("feedback review", user="alice")
    assert early.ephemeral and "No feedback has been released yet" in early.text
    assert "Waiting for release: 2" in early.text
    assert "first thought" not in early.text and "second thought" not in early.text

    sim.advance(days=7)
    await send_by_dm(sim, "carol", "third thought", topic="partnership")
    review = await sim.slash("feedback review", user="bob")
    assert review.ephemeral and review.reply is not None
    titles = [e["title"] for e in review.reply.embeds]
    texts = [e["description"] for e in review.reply.embeds]
    assert sorted(texts) == ["first thought", "second thought", "third thought"]
    assert all(re.fullmatch(r".+ · \d{4}-W\d{2}", title) for title in titles)
    assert {t.split(" · ")[1] for t in titles} == {"2026-W02", "2026-W03"}
    assert not DAY.search(review.text)  # week-level dates only, never a day
    assert "Waiting for release: 0" in review.text
    assert "Batch 1 · released 2026-W03" in review.text


async def test_release_order_is_shuffled_not_arrival_order(sim_factory) -> None:
    sim = await sim_factory(config={"feedback": {"per_day": 50}})
    arrival = []
    for batch in range(12):
        for k in range(3):
            text = f"batch {batch} item {k}"
            arrival.append(text)
            await send_by_modal(sim, ("dave", "erin", "carol")[k], text)
    review = await sim.slash("feedback review", user="alice")
    assert review.reply is not None
    batches = await feedback.released_batches(sim.db, sim.guild_id)
    assert [b.number for b in batches] == list(range(12, 0, -1))  # newest batch first
    orders = [[i.text for i in b.items] for b in batches]
    in_arrival_order = [o for o in orders if o == sorted(o)]
    assert len(in_arrival_order) < len(orders)  # all 12 in arrival order: (1/6)**12


async def test_review_is_for_the_working_group(sim: Sim) -> None:
    for i in range(3):
        await send_by_dm(sim, "dave", f"item {i}")
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
        await send_by_modal(sim, "dave", f"long item {i} " + "word " * 300)
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
    rows = await sim.db.fetchall("SELECT text FROM feedback_items")
    assert [r[0] for r in rows] == ["recent"]


async def test_tick_releases_when_min_batch_was_lowered(sim_factory) -> None:
    sim = await sim_factory(config={"feedback": {"min_batch": 5}})
    for i in range(3):
        await send_by_dm(sim, "dave", f"waiting {i}")
    await sim.tick()
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 3
    lowered = sim.settings.feedback.model_copy(update={"min_batch": 2})
    sim.settings = sim.settings.model_copy(update={"feedback": lowered})
    await sim.restart()  # same database, same server, the new setting
    await sim.tick()
    assert await feedback.waiting_count(sim.db, sim.guild_id) == 0
    assert len(await feedback.released_batches(sim.db, sim.guild_id)) == 1


async def test_digest_feed_reports_a_released_batch_once(sim: Sim) -> None:
    start = sim.clock()
    for i in range(3):
        await send_by_modal(sim, ("dave", "erin", "carol")[i], f"for the digest {i}")
    await send_by_dm(sim, "dave", "still waiting")
    week = timedelta(days=7)
    info = await feedback.digest_info(sim.db, sim.guild_id, start, start + week)
    assert sorted(i.text for i in info.released) == [f"for the digest {i}" for i in range(3)]
    assert info.waiting == 1 and all(i.week == "2026-W02" for i in info.released)
    later = await feedback.digest_info(sim.db, sim.guild_id, start + week, start + 2 * week)
    assert later.released == [] and later.waiting == 1


async def test_markdown_in_feedback_is_shown_as_text_and_nothing_is_cut(sim_factory) -> None:
    """An anonymous item cannot pass for a link, a header or a line from the bot in /feedback review."""
    sim = await sim_factory(config={"feedback": {"max_length": 4000}})
    phishing = "[Open the verification form](https://example.invalid/verify)"
    header = "# Message from the Partnerships bot"
    await send_by_modal(sim, "dave", f"{header}\n{phishing}")
    await send_by_modal(sim, "erin", "**bold** and `code`")
    heavy = "*_" * 2000  # 4,000 characters that escaping doubles: more than one embed holds
    await send_by_modal(sim, "carol", heavy)
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
