"""Handlers that must ask Discord something answer the interaction first: a rate limit on that call
(discord.py sleeps ``retry_after`` before trying again) must not push the first response past Discord's
3 seconds, which bot/sim enforces on the event loop's clock."""

from __future__ import annotations

from bot.sim import Sim
from tests.cogs.test_checklists import started

#: Longer than Discord's 3 seconds for a first response.
SLOW = 3.2


def forget_member(sim: Sim, name: str) -> None:
    """Without the privileged members intent, the bot has no cached member for someone seen only in a DM."""
    guild = sim.bot.get_guild(sim.guild_id)
    assert guild is not None
    member = guild.get_member(sim.member(name).id)
    if member is not None:
        guild._remove_member(member)


def rate_limit_member_lookups(sim: Sim) -> None:
    sim.fail_next(kind="rate_limit", seconds=SLOW, route="GET /guilds/")


async def test_feedback_review_in_a_dm_acknowledges_before_asking_discord(sim: Sim) -> None:
    forget_member(sim, "alice")
    rate_limit_member_lookups(sim)
    r = await sim.slash("feedback review", user="alice", dm=True)
    assert r.deferred and r.ephemeral and r.text, r.text
    assert sim.server.violations == []


async def test_about_in_a_dm_acknowledges_before_asking_discord(sim: Sim) -> None:
    forget_member(sim, "dave")
    rate_limit_member_lookups(sim)
    r = await sim.slash("about", user="dave", dm=True)
    assert r.deferred and "/feedback give" in r.text
    assert sim.server.violations == []


async def test_feedback_give_in_a_dm_opens_the_form_then_checks_membership(sim: Sim) -> None:
    forget_member(sim, "dave")
    r = await sim.slash("feedback give", user="dave", dm=True, topic="general")
    assert r.modal is not None  # at once: nothing was asked of Discord before the form
    rate_limit_member_lookups(sim)
    sent = await sim.submit(r.modal, {"text": "The intake form is too long."}, user="dave")
    assert "Sent anonymously" in sent.text
    assert await sim.db.feedback.fetchval("SELECT count(*) FROM feedback_items") == 1
    assert sim.server.violations == []


async def test_feedback_give_in_a_dm_opens_the_form_in_time_even_when_discord_is_slow(sim: Sim) -> None:
    forget_member(sim, "dave")
    rate_limit_member_lookups(sim)
    r = await sim.slash("feedback give", user="dave", dm=True, topic="general")
    assert r.modal is not None and sim.server.violations == []
    sent = await sim.submit(r.modal, {"text": "The intake form is too long."}, user="dave")
    assert "Sent anonymously" in sent.text


async def test_a_stranger_whose_membership_could_not_be_checked_in_time_is_refused_at_the_form(sim: Sim) -> None:
    sim.add_user("mallory")
    sim.fail_next(kind="rate_limit", seconds=SLOW, route="GET /guilds/")
    r = await sim.slash("feedback give", user="mallory", dm=True, topic="general")
    assert r.modal is not None
    refused = await sim.submit(r.modal, {"text": "Let me in."}, user="mallory")
    assert refused.ephemeral and "member" in refused.text.lower()
    assert await sim.db.feedback.fetchval("SELECT count(*) FROM feedback_items") == 0


async def test_a_checklist_press_in_an_archived_thread_is_answered_before_reopening_it(sim: Sim) -> None:
    _, thread = await started(sim)
    question = thread.last
    await sim.archive(thread)
    sim.fail_next(kind="rate_limit", seconds=SLOW, route=f"PATCH /channels/{thread.id}")
    r = await sim.click(question, "Yes", user="alice")
    assert r.updated is question and "answered by" in question.text
    assert not thread.archived and "Question 2 of 21" in thread.last.text
    assert sim.server.violations == []
