"""Restarts lose nothing: a checklist run half-way, a review with one approval and a digest Discord
refused all survive ``restart()`` and complete afterwards, through the messages posted before it."""

from __future__ import annotations

from typing import Any

from bot.services import checklists, leads
from bot.services.leads.review import review_state
from bot.sim import Sim, SimChannel, SimMessage
from tests.reliability.conftest import ANSWERS, answer, service_lead, slash_lead, watch

HALF = 10


async def checklist_half_way(sim: Sim) -> tuple[leads.Lead, SimChannel]:
    lead = await slash_lead(sim, "Europeana")
    r = await sim.slash("checklist start", user="alice", lead=lead.ref)
    assert r.ephemeral and "Started" in r.text, r.text
    thread = sim.thread(lead.ref)
    for index, (qid, how) in enumerate(ANSWERS[:HALF]):
        message = thread.last
        assert message is not None and f"Question {index + 1} of 21" in message.text, (qid, message)
        await answer(sim, message, how, "bob" if index % 2 else "alice")
    return lead, thread


async def review_with_one_approval(sim: Sim) -> tuple[leads.Lead, SimMessage]:
    lead = await slash_lead(sim, "National Library of Wales")
    await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")
    moved = await sim.slash("lead move", user="alice", lead=lead.ref, status="in_review")
    assert "to in review" in moved.text, moved.text
    card = sim.channel("leads").with_button("Approve")
    assert card is not None and lead.ref in card.text
    r = await sim.click(card, "Approve", user="carol")
    assert r.ephemeral and "(1 of 2 needed)" in r.text, r.text
    return lead, card


async def digest_rows(sim: Sim) -> list[dict[str, Any]]:
    return [dict(r) for r in await sim.db.fetchall("SELECT * FROM digest_runs ORDER BY id")]


async def test_checklist_review_and_digest_survive_a_restart(sim: Sim) -> None:
    with watch() as problems:
        await sim.tick()  # the digest's first period starts now (Monday 08:00)
        lead_a, thread = await checklist_half_way(sim)
        lead_b, card = await review_with_one_approval(sim)
        question = thread.last
        assert question is not None and f"Question {HALF + 1} of 21" in question.text

        # Monday 09:00: the digest is due, but the bot may not post in its channel.
        sim.forbid("digest")
        sim.advance(hours=1)
        await sim.tick()
        assert sim.channel("digest").messages == []
        before = await digest_rows(sim)
        pending = before[-1]
        assert pending["status"] == "pending" and pending["last_error"] == 403

        await sim.restart()

        # Nothing was lost on the way down.
        run = (await checklists.runs_for_lead(sim.db, sim.guild_id, lead_a.id))[0]
        assert run.status == "open" and run.position == HALF
        assert sorted(run.answers) == sorted(qid for qid, _ in ANSWERS[:HALF]) and run.skipped_count == 1
        assert run.answers["we_give"].value == "Two editathons a year"
        state = await review_state(sim.db, sim.guild_id, lead_b.id)
        assert state is not None and state.is_open and state.approvals == 1
        assert await digest_rows(sim) == before

        # The digest: the channel is allowed again and the next tick delivers the same run, once.
        sim.allow("digest")
        await sim.tick()
        after = await digest_rows(sim)
        delivered = after[-1]
        assert len(after) == len(before) and delivered["id"] == pending["id"] and delivered["status"] == "delivered"
        posted = list(sim.channel("digest").messages)
        assert len(posted) >= 1 and "Europeana" in "\n".join(m.text for m in posted)
        sim.advance(minutes=5)
        await sim.tick()
        assert sim.channel("digest").messages == posted

        # The checklist: the question posted before the restart is answered with its old buttons.
        for index, (qid, how) in enumerate(ANSWERS[HALF:], start=HALF):
            message = thread.last
            assert message is not None and f"Question {index + 1} of 21" in message.text, (qid, message)
            await answer(sim, message, how, "alice" if index % 2 else "bob")
        run = await checklists.get_run(sim.db, sim.guild_id, run.id)
        assert run.status == "completed" and run.answered_count + run.skipped_count == len(ANSWERS)
        assert "Assessment complete" in "\n".join(m.text for m in thread.messages[-3:])
        assert (await leads.get_lead(sim.db, sim.guild_id, lead_a.id)).status == "in_review"

        # The review: the card posted before the restart takes the second approval.
        sim.advance(hours=73)
        r = await sim.click(card, "Approve", user="erin")
        assert r.ephemeral and f"{lead_b.ref} is approved" in r.text, r.text
        assert (await leads.get_lead(sim.db, sim.guild_id, lead_b.id)).status == "approved"
        assert card.buttons == [] and "Approved" in card.text
        problems.check()


async def test_a_second_restart_mid_review_decides_on_the_tick(sim: Sim) -> None:
    """Quorum reached before a restart, minimum time passing while the bot is down: the first tick
    after the start approves the lead and takes the buttons off the old card."""
    with watch() as problems:
        lead, card = await review_with_one_approval(sim)
        r = await sim.click(card, "Approve", user="erin")
        assert "(2 of 2 needed)" in r.text and "is approved" not in r.text
        await sim.restart()
        sim.advance(hours=80)
        await sim.restart()
        await sim.tick()
        assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "approved"
        assert card.buttons == [] and "Approved" in card.text
        problems.check()


async def test_posts_discord_refused_before_a_restart_are_made_once_after_it(sim: Sim) -> None:
    """A lead card, an update and a checklist thread the bot could not post (channels forbidden) are
    saved; after a restart and with the channels allowed again, one tick posts each exactly once."""
    with watch() as problems:
        for channel in ("leads", "announcements", "checklists"):
            sim.forbid(channel)
        lead = await slash_lead(sim, "Europeana")
        form = await sim.slash("update post", user="alice", area="legal")
        assert form.modal is not None
        saved = await sim.submit(form.modal, {"title": "Met the library", "body": "Maps.", "link": ""}, user="alice")
        assert "is saved, but posting it" in saved.text, saved.text
        started = await sim.slash("checklist start", user="alice", lead=lead.ref)
        assert "its thread will be created" in started.text, started.text
        assert sim.channel("leads").messages == sim.channel("announcements").messages == []
        assert sim.threads("checklists") == []

        await sim.restart()
        for channel in ("leads", "announcements", "checklists"):
            sim.allow(channel)
        await sim.tick()
        await sim.tick()
        cards = [m for m in sim.channel("leads").messages if "Europeana" in m.text]
        assert len(cards) == 1
        (post,) = sim.channel("announcements").messages
        assert "Met the library" in post.text and len(sim.threads("announcements")) == 1
        (thread,) = sim.threads("checklists")
        assert thread.last is not None and "Question 1 of 21" in thread.last.text
        await answer(sim, thread.last, "Yes", "alice")  # the run goes on as if nothing happened
        assert "Question 2 of 21" in (thread.last.text if thread.last else "")
        problems.check()


async def test_a_feedback_draft_is_forgotten_by_a_restart_and_says_so(sim: Sim) -> None:
    """Drafts live in memory only (docs/privacy.md section 3): after a restart the old Send button answers that the
    draft is gone, and nothing is stored."""
    with watch() as problems:
        (preview,) = await sim.dm("dave", "The intake form is too long.")
        await sim.restart()
        r = await sim.click(preview, "Send anonymously", user="dave")
        assert r.updated is preview and "This draft is gone" in preview.text and preview.buttons == []
        assert await sim.db.feedback.fetchval("SELECT count(*) FROM feedback_items") == 0
        problems.check()


async def test_short_lived_buttons_pressed_after_a_restart_say_they_expired(sim: Sim) -> None:
    for n in range(11):
        await service_lead(sim, f"Partner number {n:02d}", owner="dave")
    listed = await sim.slash("lead list", user="dave")
    assert listed.reply is not None and "Next" in listed.reply.buttons
    await sim.restart()
    r = await sim.click(listed.reply, "Next", user="dave")
    assert r.reply is not None and r.ephemeral, r  # "these buttons have expired; run the command again"
