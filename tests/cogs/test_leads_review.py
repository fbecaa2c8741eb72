"""The review card through bot/sim: quorum, minimum time with the clock advanced, veto with its rationale,
recusal, reviewers only, presses after the review closed and after a restart, and a card Discord refused."""

from __future__ import annotations

from bot.services import leads
from bot.sim import Sim
from bot.sim.models import SimMessage
from tests.cogs.test_leads_support import assert_refused, lead_of, service_lead, snapshot

RATIONALE = "Their data practices conflict with our privacy policy."


async def open_review(sim: Sim, name: str = "Europeana") -> tuple[leads.Lead, SimMessage]:
    lead = await service_lead(sim, name, owner="alice")
    await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")
    r = await sim.slash("lead move", user="alice", lead=lead.ref, status="in_review")
    assert "moved from assessing to in review" in r.text
    card = sim.channel("leads").with_button("Approve")
    assert card is not None and f"Review: {lead.ref} · {name}" in card.text
    assert card.buttons == ["Approve", "Veto", "Recuse"]
    assert [b["custom_id"] for b in card.components[0]["components"]] == [
        f"pb:review:approve:{lead.id}", f"pb:review:veto:{lead.id}", f"pb:review:recuse:{lead.id}",
    ]  # fmt: skip
    assert f"0 of {sim.settings.review.quorum} needed" in card.text
    return lead, card


async def test_quorum_then_minimum_time(sim: Sim) -> None:
    lead, card = await open_review(sim)
    r = await sim.click(card, "Approve", user="carol")
    assert r.ephemeral and "Your approval of L-1 is recorded (1 of 2 needed)." in r.text
    assert "1 of 2 needed" in card.text and f"<@{sim.member('carol').id}>" in card.text  # the tally is live
    r = await sim.click(card, "Approve", user="erin")
    assert "(2 of 2 needed)" in r.text and "is approved" not in r.text
    assert (await lead_of(sim, lead)).status == "in_review"  # 72 hours have not passed
    sim.advance(hours=71)
    await sim.tick()
    assert (await lead_of(sim, lead)).status == "in_review"
    sim.advance(hours=1)
    await sim.tick()
    assert (await lead_of(sim, lead)).status == "approved"
    assert "Approved" in card.text and card.buttons == []
    history = await sim.slash("lead show", user="alice", lead=lead.ref)
    assert "in review → approved" in history.text and "approved" in history.text
    # The window closing approved it, not erin's vote: the move has no actor.
    [line] = [x for x in history.text.split("\n") if "→ approved" in x]
    assert "the review closed with its quorum of approvals" in line and "<@" not in line
    [event] = [e for e in await leads_events(sim, lead) if e[0] == "status" and e[2] == "approved"]
    assert event == ("status", "in_review", "approved", None, None)
    sim.advance(days=7)
    await sim.tick()  # the weekly digest
    [digest] = [m for m in sim.all_messages() if "Partnerships digest" in m.text]
    [moved] = [x for x in digest.text.split("\n") if "→ approved" in x]
    assert "by the bot (review rules)" in moved and "<@" not in moved


async def leads_events(sim: Sim, lead: leads.Lead) -> list[tuple[object, ...]]:
    rows = await sim.db.fetchall(
        "SELECT kind, from_status, to_status, actor_id, note FROM lead_events WHERE lead_id = ? ORDER BY id",
        (lead.id,),
    )
    return [tuple(r) for r in rows]


async def test_approval_after_the_minimum_time_decides_at_once(sim: Sim) -> None:
    lead, card = await open_review(sim)
    sim.advance(hours=80)
    await sim.click(card, "Approve", user="carol")
    r = await sim.click(card, "Approve", user="erin")
    assert "L-1 is approved" in r.text
    assert (await lead_of(sim, lead)).status == "approved"
    erin = sim.member("erin").id
    assert (await leads_events(sim, lead))[-2:] == [
        ("approve", None, None, erin, None), ("status", "in_review", "approved", None, None),
    ]  # fmt: skip


async def test_veto_with_rationale_ends_the_review(sim: Sim) -> None:
    lead, card = await open_review(sim)
    await sim.click(card, "Approve", user="carol")
    r = await sim.click(card, "Veto", user="erin")
    assert r.modal is not None and r.modal.title == "Veto L-1"
    before = await snapshot(sim.db)
    short = await sim.submit(r.modal, {"rationale": "Not for us."}, user="erin")
    await assert_refused(sim, short, before, "at least 20 characters")
    done = await sim.submit(r.modal, {"rationale": RATIONALE}, user="erin")
    assert done.ephemeral and "You vetoed L-1" in done.text
    assert (await lead_of(sim, lead)).status == "vetoed"
    assert "Vetoed" in card.text and RATIONALE in card.text and card.buttons == []
    # A decided review says when it was decided, never when it could have been approved.
    assert "Can be approved from" not in card.text and "Decided" in card.text
    events = await leads.events_between(
        sim.db, sim.guild_id, sim.clock().replace(year=2000), sim.clock().replace(year=2100)
    )
    veto = [e for e in events if e.to_status == "vetoed"]
    assert [(e.actor_id, e.note) for e in veto] == [(sim.member("erin").id, RATIONALE)]


async def test_recused_reviewer_does_not_count(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = await sim_factory(config={"review": {"quorum": 1, "min_hours": 0}})
    lead, card = await open_review(sim)
    r = await sim.click(card, "Recuse", user="carol")
    assert "You recused yourself from the review of L-1" in r.text
    assert "Recused" in card.text
    before = await snapshot(sim.db)
    again = await sim.click(card, "Approve", user="carol")
    await assert_refused(sim, again, before, "you cannot vote on it")
    veto = await sim.click(card, "Veto", user="carol")
    await assert_refused(sim, veto, before, "you cannot vote on it")
    assert veto.modal is None
    # Nor by the command: a recusal binds every path.
    moved = await sim.slash("lead move", user="carol", lead=lead.ref, status="vetoed", note=RATIONALE)
    await assert_refused(sim, moved, before, "you cannot vote on it")
    await sim.click(card, "Approve", user="erin")
    assert (await lead_of(sim, lead)).status == "approved"


async def test_only_reviewers_may_press(sim: Sim) -> None:
    _, card = await open_review(sim)
    before = await snapshot(sim.db)
    for user in ("alice", "dave"):
        for button in ("Approve", "Veto", "Recuse"):
            r = await sim.click(card, button, user=user)
            await assert_refused(sim, r, before, "Only reviewers can do that.")
            assert r.modal is None
    r = await sim.click(card, "Approve", user="carol")
    again = await sim.click(card, "Approve", user="carol")
    await assert_refused(sim, again, await snapshot(sim.db), "You already did that for L-1.")


async def test_pressing_after_the_review_closed(sim: Sim) -> None:
    lead, card = await open_review(sim)
    stale = SimMessage(dict(card.data))  # what a slow client still shows: the buttons of the open review
    await sim.slash("lead move", user="carol", lead=lead.ref, status="vetoed", note=RATIONALE)
    before = await snapshot(sim.db)
    for button in ("Approve", "Veto", "Recuse"):
        r = await sim.click(stale, button, user="erin")
        await assert_refused(sim, r, before, "The review of L-1 is closed")


async def test_buttons_work_after_a_restart(sim: Sim) -> None:
    lead, card = await open_review(sim)
    await sim.click(card, "Approve", user="carol")
    await sim.restart()
    sim.advance(hours=73)
    r = await sim.click(card, "Approve", user="erin")
    assert "L-1 is approved" in r.text
    assert (await lead_of(sim, lead)).status == "approved"
    erin = sim.member("erin").id
    assert (await leads_events(sim, lead))[-2:] == [
        ("approve", None, None, erin, None), ("status", "in_review", "approved", None, None),
    ]  # fmt: skip
    await sim.restart()
    lead2, card2 = await open_review(sim, "Second partner")
    await sim.restart()
    modal = (await sim.click(card2, "Veto", user="carol")).modal
    assert modal is not None
    await sim.submit(modal, {"rationale": RATIONALE}, user="carol")
    assert (await lead_of(sim, lead2)).status == "vetoed"


async def test_review_card_refused_by_discord_is_posted_by_the_tick(sim: Sim) -> None:
    lead = await service_lead(sim, "Europeana", owner="alice")
    await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")
    sim.fail_next(503, count=2, channel="leads")
    r = await sim.slash("lead move", user="alice", lead=lead.ref, status="in_review")
    assert "moved from assessing to in review" in r.text
    assert sim.channel("leads").with_button("Approve") is None
    await sim.tick()
    card = sim.channel("leads").with_button("Approve")
    assert card is not None and "Review: L-1" in card.text
    await sim.tick()
    assert len([m for m in sim.channel("leads").messages if "Review:" in m.text]) == 1


async def test_checklist_completion_opens_the_review_card(sim: Sim) -> None:
    """Another feature moving a lead into review (the checklists cog does) gets the card posted too."""
    lead = await service_lead(sim, "Europeana", owner="alice")
    event = await leads.transition(
        sim.db, sim.guild_id, lead.id, "assessing", actor_id=1, actor_access=leads.pipeline.Access.WORKING_GROUP,
        note=None, now=sim.clock(),
    )  # fmt: skip
    event = await leads.transition(
        sim.db, sim.guild_id, lead.id, "in_review", actor_id=1, actor_access=leads.pipeline.Access.WORKING_GROUP,
        note=None, now=sim.clock(),
    )  # fmt: skip
    sim.bot.dispatch("lead_event", event)
    await sim.settle()
    assert sim.channel("leads").with_button("Approve") is not None


async def test_a_review_that_recusals_leave_short_of_quorum_says_so(sim: Sim) -> None:
    """Two reviewers and a quorum of two: one recusal and the review can never be approved."""
    lead, card = await open_review(sim)
    assert "Can be approved from" in card.text and "Cannot reach quorum" not in card.text
    r = await sim.click(card, "Recuse", user="carol")
    assert "1 eligible of 2 needed" in r.text and "/lead move" in r.text
    assert "Cannot reach quorum" in card.text and "1 eligible of 2 needed" in card.text
    assert "Can be approved from" not in card.text  # no date it cannot close on
    sim.advance(days=10)
    await sim.tick()
    assert (await lead_of(sim, lead)).status == "in_review"
    preview = await sim.slash("digest preview", user="alice")
    assert "cannot reach quorum: 1 eligible of 2 needed" in preview.text
    assert "Needs attention" in preview.text and "can close" not in preview.text
    # A new reviewer unblocks it: the next refresh of the card counts them.
    sim.add_member("fatima", roles=["reviewers"])
    sim.advance(minutes=2)
    r = await sim.click(card, "Approve", user="erin")
    assert "Cannot reach quorum" not in card.text and "1 of 2 needed" in card.text


async def test_a_vote_is_answered_before_the_reviewers_are_counted(sim: Sim) -> None:
    """Counting the reviewers asks Discord; a rate limit on it must not make the vote's answer late."""
    _, card = await open_review(sim)
    sim.advance(minutes=5)  # the count cached by the card has expired
    sim.fail_next(kind="rate_limit", seconds=3.2, route="/roles/member-counts", count=3)
    r = await sim.click(card, "Recuse", user="carol")
    assert "You recused yourself" in r.text and sim.server.violations == []
    assert "1 eligible of 2 needed" in r.text  # said after the answer, as a follow-up


async def test_enough_reviewers_left_after_a_recusal_is_not_flagged(sim: Sim) -> None:
    sim.add_member("fatima", roles=["reviewers"])
    _, card = await open_review(sim)
    r = await sim.click(card, "Recuse", user="carol")
    assert "eligible" not in r.text and "Cannot reach quorum" not in card.text
