"""The digest reads every feature through its contract: leads, reviews, checklists, updates, feedback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import LeadsSettings
from bot.db import Database
from bot.services import checklists, digest, feedback, leads, updates
from bot.services.access import Access
from bot.services.leads.pipeline import add_flags
from bot.services.leads.review import cast_vote
from bot.services.leads.service import LeadsService, log_lead
from bot.services.questionnaires import Question, QuestionFlag, Questionnaire

GUILD = 3
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
END = START + timedelta(days=7)
WG, REVIEWER = 101, 202


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


async def _lead(db: Database, partner: str, now: datetime) -> leads.Lead:
    result = await log_lead(
        db,
        GUILD,
        leads.LeadDraft(partner=partner, level="national", direction="external", sector="GLAM"),
        owner_id=WG,
        now=now,
        settings=LeadsSettings(),
        check_duplicates=False,
    )
    assert result.lead is not None
    return result.lead


async def _move(db: Database, lead: leads.Lead, status: str, now: datetime, note: str | None = None) -> None:
    await leads.transition(db, GUILD, lead.id, status, actor_id=WG, actor_access=Access.REVIEWER, note=note, now=now)


async def test_collect_reads_each_feature_for_the_period(db: Database) -> None:
    before = await _lead(db, "Old Archive", START - timedelta(days=60))
    museum = await _lead(db, "City Museum", at(1))
    library = await _lead(db, "National Library", at(2))
    await _move(db, museum, "assessing", at(3))
    await _move(db, museum, "in_review", at(4))
    await cast_vote(
        db,
        GUILD,
        museum.id,
        "veto",
        reviewer_id=REVIEWER,
        reviewer_access=Access.REVIEWER,
        now=at(5),
        rationale="They sell our contributors' data to advertisers.",
    )
    await _move(db, library, "assessing", at(6))
    await _move(db, library, "in_review", at(7))
    await leads.add_note(db, GUILD, library.id, "Called them", actor_id=WG, now=at(8))
    await add_flags(
        db, GUILD, library.id, [leads.Flag("hard_line:test", "high", "Arms trade links")], actor_id=WG, now=at(8)
    )
    questionnaire = Questionnaire(
        id="mini",
        version=1,
        title="Mini assessment",
        questions=(
            Question(
                id="data",
                text="Is user data shared?",
                type="yesno",
                flag=QuestionFlag(when=("yes",), severity="high", message="User data is shared"),
            ),
        ),
    )
    started = await checklists.start_run(
        db, GUILD, library.id, questionnaire, leads=LeadsService(db, GUILD, LeadsSettings(), lambda: at(9)),
        actor_id=WG, actor_access=Access.WORKING_GROUP, now=at(9),
    )  # fmt: skip
    await checklists.answer(db, GUILD, started.run.id, "data", "yes", actor_id=WG, now=at(10))
    update = await updates.create_update(
        db, GUILD, title="Legal check done", body="b", link=None, area=None, areas=(), author_id=WG, now=at(11)
    )
    await updates.mark_posted(db, GUILD, update.id, channel_id=1, message_id=2, now=at(11))
    for n in range(2):
        await feedback.submit(db, GUILD, "general", f"Thought {n}", now=at(12), max_length=2000)

    content = await digest.collect(db, GUILD, START, END, now=END, stale_days=30)

    assert [lead.partner for lead in content.new_leads] == ["City Museum", "National Library"]
    moves = [(e.partner, e.from_status, e.to_status) for e in content.moves]
    assert ("City Museum", "in_review", "vetoed") in moves
    assert ("National Library", "assessing", "in_review") in moves
    assert all(e.kind == "status" for e in content.moves)
    veto = next(e for e in content.moves if e.to_status == "vetoed")
    assert veto.note == "They sell our contributors' data to advertisers." and veto.actor_id == REVIEWER
    assert [r.lead.partner for r in content.reviews] == ["National Library"]
    assert [(c.partner, c.flags) for c in content.checklists] == [
        ("National Library", [("high", "User data is shared")])
    ]
    assert [u.title for u in content.updates] == ["Legal check done"]
    assert content.feedback.waiting is True and content.feedback.released == []
    assert [lead.partner for lead in content.flagged] == ["National Library"]
    assert [lead.id for lead in content.stale] == [before.id]
    assert not content.empty

    rendered = digest.render(content, "en", guild_id=GUILD)
    body = "\n".join(entry for section in rendered.sections for entry in section.entries)
    assert "Rationale: They sell our contributors' data to advertisers." in body
    assert "Mini assessment completed" in body and "high: User data is shared" in body
    assert "Arms trade links" in body
    waiting_line = "Feedback is waiting for a batch: it is released with a scheduled digest once it comes from enough"
    assert waiting_line in body and "Thought" not in body


async def test_a_batch_released_at_the_digests_time_is_in_that_digest_only(db: Database) -> None:
    authors = feedback.Authors()
    for n, member in enumerate((b"first", b"second", b"third")):
        item = await feedback.submit(db, GUILD, "process", f"Thought {n}", now=at(12), max_length=2000)
        authors.note(item.item_id, member)
    assert await feedback.release(db, GUILD, at=END, min_batch=3, authors=authors) == 1
    content = await digest.collect(db, GUILD, START, END, now=END, stale_days=30)
    assert sorted(i.text for i in content.feedback.released) == ["Thought 0", "Thought 1", "Thought 2"]
    assert content.feedback.waiting is False and not content.empty
    body = "\n".join(e for s in digest.render(content, "en", guild_id=GUILD).sections for e in s.entries)
    assert all(f"Thought {n}" in body for n in range(3)) and "Feedback is waiting" not in body
    after = await digest.collect(db, GUILD, END, END + timedelta(days=7), now=END, stale_days=30)
    assert after.feedback.released == [] and after.empty


async def test_an_untouched_period_is_empty(db: Database) -> None:
    content = await digest.collect(db, GUILD, START, END, now=END, stale_days=30)
    assert content.empty and digest.render(content, "en").quiet


async def test_periods_do_not_overlap(db: Database) -> None:
    await _lead(db, "Edge Case Society", END)  # exactly at the boundary: the next period's
    first = await digest.collect(db, GUILD, START, END, now=END, stale_days=30)
    second = await digest.collect(db, GUILD, END, END + timedelta(days=7), now=END, stale_days=30)
    assert first.new_leads == [] and [lead.partner for lead in second.new_leads] == ["Edge Case Society"]
