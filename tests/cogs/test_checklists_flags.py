"""A flag is on the lead from the moment an answer raises it, says which question raised it and who
answered, and comes off when the answer is changed (issue: a risky lead approved unwarned)."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import InvalidInput
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.pipeline import add_flags
from bot.services.leads.review import cast_vote
from bot.sim import Sim
from tests.cogs.test_checklists import act, mention, started
from tests.cogs.test_leads_support import assert_refused, snapshot

HARD_LINE = "The partnership crosses one of our hard lines."
#: The first three questions of the shipped assessment, answered without raising anything.
OPENING = [("level_fit", "Yes"), ("direction", ["external"]), ("values_overlap", "4")]


async def to_hard_lines(sim: Sim) -> tuple[leads.Lead, object]:
    lead, thread = await started(sim)
    for _, action in OPENING:
        await act(sim, thread.last, action, "alice")
    assert "Question 4 of 21" in thread.last.text
    return lead, thread


async def test_a_hard_line_answer_flags_the_lead_at_once(sim: Sim) -> None:
    lead, thread = await to_hard_lines(sim)
    await act(sim, thread.last, "Yes", "bob")  # the run goes on; the lead is flagged now, not at the end
    flagged = await leads.get_lead(sim.db, sim.guild_id, lead.id)
    (flag,) = flagged.flags
    assert (flag.severity, flag.message) == ("high", f"{HARD_LINE} (question 4)")
    assert flag.raised_by == sim.member("bob").id
    shown = await sim.slash("lead show", user="alice", lead=lead.ref)
    assert HARD_LINE in shown.text and f"answered by {mention(sim, 'bob')}" in shown.text
    (card,) = sim.channel("leads").messages
    assert HARD_LINE in card.text  # the card in the leads channel follows at once
    assert "flagged" in shown.text  # and the history says so


async def test_a_changed_answer_takes_the_flag_off(sim: Sim) -> None:
    lead, thread = await to_hard_lines(sim)
    await act(sim, thread.last, "Yes", "bob")
    await sim.click(thread.last, "Back", user="alice")
    assert "Question 4 of 21" in thread.last.text
    await act(sim, thread.last, "No", "alice")
    cleared = await leads.get_lead(sim.db, sim.guild_id, lead.id)
    assert cleared.flags == ()
    (card,) = sim.channel("leads").messages
    assert HARD_LINE not in card.text
    shown = await sim.slash("lead show", user="alice", lead=lead.ref)
    assert "flag cleared" in shown.text


async def test_flags_from_elsewhere_are_left_alone(sim: Sim) -> None:
    lead, thread = await to_hard_lines(sim)
    await add_flags(
        sim.db, sim.guild_id, lead.id, [leads.Flag("hard_line:acme", "high", "Named on our hard lines.")],
        actor_id=None, now=sim.clock(),
    )  # fmt: skip
    await act(sim, thread.last, "No", "alice")
    kept = await leads.get_lead(sim.db, sim.guild_id, lead.id)
    assert [f.source for f in kept.flags] == ["hard_line:acme"]


async def flagged_and_in_review(sim: Sim) -> tuple[leads.Lead, object, object]:
    """The issue's case: the hard-lines question answered Yes, then the lead moved to review mid-checklist."""
    lead, thread = await to_hard_lines(sim)
    await act(sim, thread.last, "Yes", "bob")
    moved = await sim.slash("lead move", user="alice", lead=lead.ref, status="in_review")
    card = sim.channel("leads").with_button("Approve")
    assert card is not None
    return lead, thread, (moved, card)


async def test_moving_a_flagged_unfinished_lead_to_review_warns_and_closes_the_checklist(sim: Sim) -> None:
    _, thread, (moved, card) = await flagged_and_in_review(sim)
    assert "moved from assessing to in review" in moved.text  # allowed...
    assert "1 open high flag;" in moved.text  # ...but said
    assert "checklist #1 was not finished (4 of 21 questions answered)" in moved.text
    # The review card shows the flag, who raised it, and that the checklist was not finished.
    assert HARD_LINE in card.text and mention(sim, "bob") in card.text
    assert "Not finished (#1: 4 of 21 questions answered)" in card.text
    # The run is closed the way closing a lead closes it: told in its thread, no more answers.
    assert "is now" in thread.last.text and not any(m.buttons for m in thread.messages[-3:-1])
    run = (await sim.db.fetchall("SELECT status FROM checklist_runs"))[0]
    assert run["status"] == "cancelled"


async def test_approving_over_an_open_hard_line_flag_needs_a_written_reason(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = await sim_factory(config={"review": {"quorum": 1, "min_hours": 0}})
    lead, _, (_, card) = await flagged_and_in_review(sim)
    r = await sim.click(card, "Approve", user="carol")
    assert r.modal is not None and r.modal.title == f"Approve {lead.ref}"
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "in_review"  # nothing yet
    reason = "The hard line concerns a past director; their board has since changed."
    done = await sim.submit(r.modal, {"reason": reason}, user="carol")
    assert "recorded" in done.text or "approved" in done.text, done.text
    await sim.tick()
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "approved"
    shown = await sim.slash("lead show", user="alice", lead=lead.ref)
    assert f"approved: {reason}" in shown.text  # the history keeps the reason beside the vote
    await sim.slash("digest send", user="alice")
    digest = "\n".join(m.text for m in sim.channel("digest").messages)
    assert f"approved by {mention(sim, 'carol')}" in digest and "despite open high flags" in digest
    assert reason in digest  # and so does the digest


async def test_no_path_approves_over_a_high_flag_without_a_reason(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = await sim_factory(config={"review": {"quorum": 1, "min_hours": 0}})
    lead, _, _ = await flagged_and_in_review(sim)
    with pytest.raises(InvalidInput):
        await cast_vote(
            sim.db, sim.guild_id, lead.id, "approve", reviewer_id=sim.member("carol").id,
            reviewer_access=Access.REVIEWER, now=sim.clock(),
        )  # fmt: skip
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "in_review"


async def test_an_approval_given_before_a_high_flag_no_longer_counts(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = await sim_factory(config={"review": {"quorum": 1, "min_hours": 1}})
    lead, _ = await to_hard_lines(sim)
    await sim.slash("lead move", user="alice", lead=lead.ref, status="in_review")
    card = sim.channel("leads").with_button("Approve")
    assert card is not None
    await sim.click(card, "Approve", user="carol")  # no flag yet: a plain approval
    await add_flags(
        sim.db, sim.guild_id, lead.id, [leads.Flag("hard_line:x", "high", "Crosses a hard line.")],
        actor_id=None, now=sim.clock(),
    )  # fmt: skip
    sim.advance(hours=2)
    await sim.tick()
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "in_review"  # not approved unwarned
    again = await sim.click(card, "Approve", user="carol")
    assert again.modal is not None  # given again, knowingly, with a reason
    await sim.submit(again.modal, {"reason": "Checked with legal: the flag is about an old contract."}, user="carol")
    await sim.tick()
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "approved"


async def test_after_back_the_earlier_answer_is_shown_as_superseded(sim: Sim) -> None:
    _, thread = await to_hard_lines(sim)
    await act(sim, thread.last, "Yes", "bob")
    first_copy = next(m for m in thread.messages if "Question 4 of 21" in m.text)
    assert "answered by" in first_copy.text and "Asked again below" not in first_copy.text
    await sim.click(thread.last, "Back", user="alice")
    assert "Asked again below: the answer given there replaces this one." in first_copy.text
    asked_again = thread.last
    assert asked_again is not first_copy and "Question 4 of 21" in asked_again.text
    assert "Asked again below" not in asked_again.text and asked_again.buttons


async def test_a_cancelled_checklist_takes_its_flags_off_the_lead(sim: Sim) -> None:
    lead, thread = await to_hard_lines(sim)
    await act(sim, thread.last, "Yes", "bob")
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).flags
    await sim.slash("checklist cancel", user="alice", run="#1")
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).flags == ()


async def test_back_never_takes_the_buttons_off_the_question_asked_again(sim: Sim) -> None:
    """A background pass may post the question asked again before the press has marked the old copy."""
    _, thread = await to_hard_lines(sim)
    await act(sim, thread.last, "Yes", "bob")
    sim.fail_next(kind="slow", seconds=0.3, route="/callback")
    pressing = asyncio.ensure_future(sim.click(thread.last, "Back", user="alice"))
    await asyncio.sleep(0.05)
    await sim.tick()  # the pass posts question 4 again while the press still waits for Discord
    await pressing
    current = thread.last
    assert "Question 4 of 21" in current.text and current.buttons and "Asked again below" not in current.text


async def test_a_reason_given_before_a_new_high_flag_does_not_cover_it(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = await sim_factory(config={"review": {"quorum": 1, "min_hours": 1}})
    lead, _, (_, card) = await flagged_and_in_review(sim)
    opened = await sim.click(card, "Approve", user="carol")
    await sim.submit(opened.modal, {"reason": "The hard line was about an old board."}, user="carol")
    sim.advance(minutes=5)
    await add_flags(
        sim.db, sim.guild_id, lead.id, [leads.Flag("hard_line:y", "high", "Another hard line.")],
        actor_id=None, now=sim.clock(),
    )  # fmt: skip
    sim.advance(hours=2)
    await sim.tick()
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "in_review"


async def test_an_approval_reason_of_blanks_is_refused_privately_and_changes_nothing(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = await sim_factory(config={"review": {"quorum": 1, "min_hours": 0}})
    lead, _, (_, card) = await flagged_and_in_review(sim)
    opened = await sim.click(card, "Approve", user="carol")
    before = await snapshot(sim.db)
    refused = await sim.submit(opened.modal, {"reason": " " * 12}, user="carol")
    await assert_refused(sim, refused, before, "open high flags", "written reason")
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "in_review"
