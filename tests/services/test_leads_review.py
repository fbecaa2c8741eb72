"""Reviews: quorum, minimum time, veto with rationale, recusal, the background close, and the card jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.services import leads
from bot.services.access import Access
from bot.services.leads.cards import card_done, card_job, card_lost
from bot.services.leads.pipeline import configure_review
from bot.services.leads.review import (
    cast_vote,
    check_can_vote,
    close_due_reviews,
    pending_review_cards,
    review_card_done,
    review_card_job,
    review_state,
)
from tests.services.test_leads_support import (
    GUILD,
    NOW,
    REVIEWER_A,
    REVIEWER_B,
    REVIEWER_C,
    add,
    move,
    snapshot,
)


async def in_review(db: Database, partner: str = "Europeana") -> leads.Lead:
    lead = await add(db, partner)
    await move(db, lead.id, "assessing")
    await move(db, lead.id, "in_review")
    return lead


async def vote(db: Database, lead_id: int, choice: str, reviewer: int, *, hours: float = 0, **kw: object):
    kw.setdefault("reviewer_access", Access.REVIEWER)
    return await cast_vote(
        db,
        GUILD,
        lead_id,
        choice,
        reviewer_id=reviewer,
        now=NOW + timedelta(hours=hours),
        **kw,  # type: ignore[arg-type]
    )


async def test_entering_review_opens_one_with_the_configured_terms(db: Database) -> None:
    await configure_review(db, GUILD, quorum=3, min_hours=24)
    lead = await in_review(db)
    [state] = await leads.open_reviews(db, GUILD)
    assert state.lead.id == lead.id and state.lead.status == "in_review"
    assert state.opened_at == NOW and state.closes_at == NOW + timedelta(hours=24)
    assert (state.approvals, state.vetoes, state.recused, state.quorum) == (0, 0, 0, 3)
    job = await review_card_job(db, GUILD, lead.id)
    assert job is not None and job.message_id is None
    assert [j.lead_id for j in await pending_review_cards(db, GUILD)] == [lead.id]


async def test_quorum_before_min_time_waits_for_the_clock(db: Database) -> None:
    lead = await in_review(db)  # defaults: quorum 2, 72 hours
    first = await vote(db, lead.id, "approve", REVIEWER_A, hours=1)
    assert first.decided is None and first.state.approvals == 1
    second = await vote(db, lead.id, "approve", REVIEWER_B, hours=2)
    assert second.decided is None and second.state.approvals == 2
    assert await close_due_reviews(db, GUILD, NOW + timedelta(hours=71)) == []
    [event] = await close_due_reviews(db, GUILD, NOW + timedelta(hours=72))
    # The review's terms approved it, not the last voter: no actor, no note.
    assert (event.from_status, event.to_status, event.actor_id, event.note) == ("in_review", "approved", None, None)
    assert (await leads.get_lead(db, GUILD, lead.id)).status == "approved"
    state = await review_state(db, GUILD, lead.id)
    assert state is not None and state.outcome == "approved" and not state.is_open
    assert await leads.open_reviews(db, GUILD) == []


async def test_approval_after_min_time_decides_at_once(db: Database) -> None:
    lead = await in_review(db)
    await vote(db, lead.id, "approve", REVIEWER_A, hours=80)
    result = await vote(db, lead.id, "approve", REVIEWER_B, hours=81)
    assert result.decided is not None and result.decided.to_status == "approved"
    assert [e.kind for e in result.events] == ["approve", "status"]
    # The vote is the reviewer's; the approval it completed is the review's.
    assert [e.actor_id for e in result.events] == [REVIEWER_B, None]


async def test_veto_ends_the_review_at_once_with_its_rationale(db: Database) -> None:
    lead = await in_review(db)
    await vote(db, lead.id, "approve", REVIEWER_A)
    rationale = "Their data practices conflict with our privacy policy."
    result = await vote(db, lead.id, "veto", REVIEWER_B, hours=1, rationale=rationale)
    assert result.decided is not None
    assert (result.decided.to_status, result.decided.actor_id, result.decided.note) == ("vetoed", REVIEWER_B, rationale)
    assert result.state.outcome == "vetoed" and result.state.vetoes == 1
    assert result.state.veto_details[0].rationale == rationale
    assert (await leads.get_lead(db, GUILD, lead.id)).status == "vetoed"
    # The review is over: every button now refuses and changes nothing.
    before = await snapshot(db)
    for choice in ("approve", "veto", "recuse"):
        with pytest.raises(Conflict) as caught:
            await vote(db, lead.id, choice, REVIEWER_C, hours=2, rationale=rationale)
        assert caught.value.key == "review.closed"
    assert await snapshot(db) == before


async def test_veto_rationale_must_be_20_characters(db: Database) -> None:
    lead = await in_review(db)
    before = await snapshot(db)
    for rationale in (None, "", "   ", "Too short, sorry!!!"):
        with pytest.raises(InvalidInput) as caught:
            await vote(db, lead.id, "veto", REVIEWER_A, rationale=rationale)
        assert caught.value.key == "review.rationale_short"
    assert await snapshot(db) == before
    ok = await vote(db, lead.id, "veto", REVIEWER_A, rationale="x" * 20)
    assert ok.decided is not None


async def test_recused_votes_do_not_count(db: Database) -> None:
    lead = await in_review(db)
    await vote(db, lead.id, "approve", REVIEWER_A)
    recused = await vote(db, lead.id, "recuse", REVIEWER_A, hours=1)
    assert (recused.state.approvals, recused.state.recused) == (0, 1)
    assert recused.state.recused_ids == (REVIEWER_A,)
    before = await snapshot(db)
    with pytest.raises(Conflict) as caught:
        await vote(db, lead.id, "approve", REVIEWER_A, hours=2)
    assert caught.value.key == "review.already_recused"
    with pytest.raises(Conflict):
        await vote(db, lead.id, "veto", REVIEWER_A, hours=2, rationale="I changed my mind about this one.")
    assert await snapshot(db) == before
    await vote(db, lead.id, "approve", REVIEWER_B, hours=3)
    assert await close_due_reviews(db, GUILD, NOW + timedelta(hours=100)) == []
    final = await vote(db, lead.id, "approve", REVIEWER_C, hours=101)
    assert final.decided is not None


async def test_only_reviewers_vote_and_only_once(db: Database) -> None:
    lead = await in_review(db)
    before = await snapshot(db)
    with pytest.raises(NotAllowed) as caught:
        await vote(db, lead.id, "approve", 42, reviewer_access=Access.WORKING_GROUP)
    assert caught.value.key == "error.needs_role.reviewer"
    with pytest.raises(NotAllowed):
        await check_can_vote(db, GUILD, lead.id, reviewer_id=42, access=Access.MEMBER)
    assert await snapshot(db) == before
    await vote(db, lead.id, "approve", REVIEWER_A)
    with pytest.raises(Conflict) as caught:
        await vote(db, lead.id, "approve", REVIEWER_A)
    assert caught.value.key == "review.already_approved"


async def test_leaving_review_another_way_closes_it(db: Database) -> None:
    lead = await in_review(db)
    await move(db, lead.id, "withdrawn", note=None)
    state = await review_state(db, GUILD, lead.id)
    assert state is not None and state.outcome == "ended"
    with pytest.raises(Conflict):
        await vote(db, lead.id, "approve", REVIEWER_A)


async def test_vetoing_by_move_records_the_veto_on_the_review(db: Database) -> None:
    lead = await in_review(db)
    await move(db, lead.id, "vetoed", actor_id=REVIEWER_A, note="Conflicts with the free licence policy.")
    state = await review_state(db, GUILD, lead.id)
    assert state is not None and state.outcome == "vetoed"
    assert [(v.reviewer_id, v.rationale) for v in state.veto_details] == [
        (REVIEWER_A, "Conflicts with the free licence policy.")
    ]


async def test_card_jobs_follow_changes(db: Database) -> None:
    lead = await in_review(db)
    job = await review_card_job(db, GUILD, lead.id)
    assert job is not None
    await review_card_done(db, GUILD, job.review_id, version=job.version, channel_id=5, message_id=6)
    assert await pending_review_cards(db, GUILD) == []
    assert await review_card_job(db, GUILD, lead.id) is None
    await vote(db, lead.id, "approve", REVIEWER_A)
    [again] = await pending_review_cards(db, GUILD)
    assert again.message_id == 6 and again.version > job.version
    # The lead's own card, likewise.
    lead_job = await card_job(db, GUILD, lead.id)
    assert lead_job is not None and lead_job.message_id is None
    await card_done(db, GUILD, lead.id, version=lead_job.version, channel_id=5, message_id=7)
    assert await card_job(db, GUILD, lead.id) is None
    await card_lost(db, GUILD, lead.id)
    lost = await card_job(db, GUILD, lead.id)
    assert lost is not None and lost.message_id is None
