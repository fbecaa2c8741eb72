"""Checklist runs against a real database: answers, skip, back, races, completion, cancel, digest feed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config import LeadsSettings
from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotFound
from bot.services import checklists, leads
from bot.services.access import Access
from bot.services.leads.queries import lead_detail
from bot.services.leads.service import LeadsService, log_lead
from bot.services.questionnaires import Questionnaire

GUILD = 1
ALICE, BOB = 11, 12
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

MINI: dict[str, Any] = {
    "id": "mini",
    "version": 1,
    "title": "Mini assessment",
    "description": "Five questions.",
    "questions": [
        {
            "id": "data",
            "section": "Risk",
            "text": "Shares user data?",
            "type": "yesno",
            "flag": {"when": ["yes"], "severity": "high", "message": "User data shared"},
        },
        {
            "id": "risk",
            "section": "Risk",
            "text": "Brand risk?",
            "type": "scale",
            "flag": {"when": [4, 5], "severity": "medium", "message": "Brand risk"},
        },
        {
            "id": "tier",
            "section": "Terms",
            "text": "Tier?",
            "type": "choice",
            "options": ["contributory", "collaborative", "co-creative"],
        },
        {
            "id": "commits",
            "section": "Terms",
            "text": "Commits us to?",
            "type": "multi",
            "options": ["money", "exclusivity", "none"],
            "flag": {"when": ["exclusivity"], "severity": "high", "message": "Exclusivity"},
        },
        {"id": "notes", "section": "Terms", "text": "Anything else?", "type": "text", "required": False},
    ],
}


def mini(**changes: Any) -> Questionnaire:
    return Questionnaire.model_validate({**MINI, **changes})


async def new_lead(db: Database, partner: str = "Europeana", guild_id: int = GUILD) -> leads.Lead:
    result = await log_lead(
        db,
        guild_id,
        leads.LeadDraft(partner=partner, level="global", direction="external"),
        owner_id=ALICE,
        now=NOW,
        settings=LeadsSettings(),
        check_duplicates=False,
    )
    assert result.lead is not None
    return result.lead


def lead_service(db: Database, guild_id: int = GUILD) -> LeadsService:
    return LeadsService(db, guild_id, LeadsSettings(), lambda: NOW)


async def start(db: Database, lead: leads.Lead, questionnaire: Questionnaire | None = None) -> checklists.StartOutcome:
    return await checklists.start_run(
        db, GUILD, lead.id, questionnaire or mini(), leads=lead_service(db), actor_id=ALICE,
        actor_access=Access.WORKING_GROUP, now=NOW,
    )  # fmt: skip


async def dump(db: Database) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], str]:
    """Everything a refused action must leave as it was."""
    runs = [tuple(r) for r in await db.fetchall("SELECT * FROM checklist_runs ORDER BY id")]
    answers = [tuple(r) for r in await db.fetchall("SELECT * FROM checklist_answers ORDER BY run_id, question_id")]
    statuses = ",".join(r[0] for r in await db.fetchall("SELECT status FROM leads ORDER BY id"))
    return runs, answers, statuses


async def answer_all(db: Database, run_id: int, *, risk: int = 4, data: str = "yes") -> checklists.Step:
    await checklists.answer(db, GUILD, run_id, "data", data, actor_id=ALICE, now=NOW)
    await checklists.answer(db, GUILD, run_id, "risk", risk, actor_id=BOB, now=NOW)
    await checklists.answer(db, GUILD, run_id, "tier", ["collaborative"], actor_id=ALICE, now=NOW)
    await checklists.answer(db, GUILD, run_id, "commits", ["money", "exclusivity"], actor_id=BOB, now=NOW)
    return await checklists.answer(db, GUILD, run_id, "notes", "  Looks fine.  ", actor_id=ALICE, now=NOW)


async def test_start_opens_a_run_and_moves_the_lead_to_assessing(db: Database) -> None:
    lead = await new_lead(db)
    outcome = await start(db, lead)
    assert outcome.created
    assert outcome.event is not None and (outcome.event.from_status, outcome.event.to_status) == (
        "logged",
        "assessing",
    )
    run = outcome.run
    assert (run.status, run.position, run.thread_id, run.total) == ("open", 0, None, 5)
    assert run.current is not None and run.current.id == "data"
    assert (await leads.get_lead(db, GUILD, lead.id)).status == "assessing"
    row = await db.fetchone("SELECT questionnaire_id, questionnaire_version FROM checklist_runs")
    assert tuple(row) == ("mini", 1)


async def test_second_start_returns_the_open_run(db: Database) -> None:
    lead = await new_lead(db)
    first = await start(db, lead)
    again = await start(db, lead)
    assert not again.created and again.event is None and again.run.id == first.run.id
    other = await start(db, lead, mini(id="other"))
    assert other.created and other.run.id != first.run.id


async def test_simultaneous_starts_make_one_run(db: Database) -> None:
    lead = await new_lead(db)
    outcomes = await asyncio.gather(*(start(db, lead) for _ in range(3)))
    assert sum(o.created for o in outcomes) == 1
    assert len({o.run.id for o in outcomes}) == 1


async def test_start_for_a_missing_lead_changes_nothing(db: Database) -> None:
    await new_lead(db)
    before = await dump(db)
    with pytest.raises(NotFound) as raised:
        await checklists.start_run(
            db, GUILD, 999, mini(), leads=lead_service(db), actor_id=ALICE, actor_access=Access.WORKING_GROUP, now=NOW
        )
    assert raised.value.key == "lead.unknown"
    with pytest.raises(NotFound):  # another guild's lead is no lead at all
        lead = await new_lead(db, "Other", guild_id=2)
        await checklists.start_run(
            db, GUILD, lead.id, mini(), leads=lead_service(db), actor_id=ALICE, actor_access=Access.WORKING_GROUP,
            now=NOW,
        )  # fmt: skip
    runs, answers, _ = await dump(db)
    assert (runs, answers) == before[:2]


async def test_a_full_run_records_answers_flags_and_participants(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    step = await answer_all(db, run_id)
    assert step.completed
    run = step.run
    assert run.status == "completed" and run.completed_by == ALICE and run.completed_at == NOW
    assert {k: a.value for k, a in run.answers.items()} == {
        "data": "yes",
        "risk": 4,
        "tier": "collaborative",
        "commits": ["money", "exclusivity"],
        "notes": "Looks fine.",
    }
    assert run.answers["risk"].answered_by == BOB
    assert run.participants == (ALICE, BOB)
    assert [(f.severity, f.message) for f in run.flags()] == [
        ("high", "User data shared"),
        ("high", "Exclusivity"),
        ("medium", "Brand risk"),
    ]


async def test_each_bad_value_is_refused_and_nothing_changes(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    before = await dump(db)
    for value in ("maybe", 3, ["yes", "no"]):
        with pytest.raises(InvalidInput):
            await checklists.answer(db, GUILD, run_id, "data", value, actor_id=ALICE, now=NOW)
    await checklists.answer(db, GUILD, run_id, "data", "no", actor_id=ALICE, now=NOW)
    for value in (0, 6, "x"):
        with pytest.raises(InvalidInput):
            await checklists.answer(db, GUILD, run_id, "risk", value, actor_id=ALICE, now=NOW)
    await checklists.answer(db, GUILD, run_id, "risk", "2", actor_id=ALICE, now=NOW)
    for value in (["unknown"], ["contributory", "collaborative"]):
        with pytest.raises(InvalidInput):
            await checklists.answer(db, GUILD, run_id, "tier", value, actor_id=ALICE, now=NOW)
    await checklists.answer(db, GUILD, run_id, "tier", "co-creative", actor_id=ALICE, now=NOW)
    for value in ([], ["money", "gold"]):
        with pytest.raises(InvalidInput):
            await checklists.answer(db, GUILD, run_id, "commits", value, actor_id=ALICE, now=NOW)
    assert before != await dump(db)  # the good answers above went in, the bad ones did not
    run = await checklists.get_run(db, GUILD, run_id)
    assert run.position == 3 and set(run.answers) == {"data", "risk", "tier"}


async def test_text_over_1000_characters_is_refused(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    for qid, value in (("data", "no"), ("risk", 1), ("tier", "collaborative"), ("commits", ["none"])):
        await checklists.answer(db, GUILD, run_id, qid, value, actor_id=ALICE, now=NOW)
    before = await dump(db)
    with pytest.raises(InvalidInput) as raised:
        await checklists.answer(db, GUILD, run_id, "notes", "x" * 1001, actor_id=ALICE, now=NOW)
    assert raised.value.key == "checklist.text_too_long" and raised.value.params == {"limit": 1000, "length": 1001}
    with pytest.raises(InvalidInput) as raised:
        await checklists.answer(db, GUILD, run_id, "notes", "   ", actor_id=ALICE, now=NOW)
    assert raised.value.key == "checklist.text_empty"
    assert await dump(db) == before
    step = await checklists.answer(db, GUILD, run_id, "notes", "y" * 1000, actor_id=ALICE, now=NOW)
    assert step.completed


async def test_two_presses_on_one_question_first_wins(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    results = await asyncio.gather(
        checklists.answer(db, GUILD, run_id, "data", "yes", actor_id=ALICE, now=NOW),
        checklists.answer(db, GUILD, run_id, "data", "no", actor_id=BOB, now=NOW),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, checklists.Step)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].key == "checklist.already_answered"
    run = await checklists.get_run(db, GUILD, run_id)
    assert run.position == 1 and run.step == 1
    assert run.answers["data"].value == winners[0].answer.value  # type: ignore[union-attr]
    # A press on an old question after the run moved on is refused the same way.
    before = await dump(db)
    with pytest.raises(Conflict):
        await checklists.answer(db, GUILD, run_id, "data", "no", actor_id=BOB, now=NOW)
    with pytest.raises(Conflict):
        await checklists.back(db, GUILD, run_id, "data", now=NOW)
    assert await dump(db) == before


async def test_skip_only_optional_questions(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    before = await dump(db)
    with pytest.raises(InvalidInput) as raised:
        await checklists.skip(db, GUILD, run_id, "data", actor_id=ALICE, now=NOW)
    assert raised.value.key == "checklist.required"
    assert await dump(db) == before
    for qid, value in (("data", "no"), ("risk", 1), ("tier", "collaborative"), ("commits", ["none"])):
        await checklists.answer(db, GUILD, run_id, qid, value, actor_id=ALICE, now=NOW)
    step = await checklists.skip(db, GUILD, run_id, "notes", actor_id=BOB, now=NOW)
    assert step.completed and step.answer is not None and step.answer.skipped and step.answer.value is None
    assert (step.run.answered_count, step.run.skipped_count) == (4, 1)
    assert step.run.flags() == []


async def test_back_revisits_the_previous_question(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    with pytest.raises(InvalidInput) as raised:
        await checklists.back(db, GUILD, run_id, "data", now=NOW)
    assert raised.value.key == "checklist.no_previous"
    await checklists.answer(db, GUILD, run_id, "data", "yes", actor_id=ALICE, now=NOW)
    step = await checklists.back(db, GUILD, run_id, "risk", now=NOW)
    assert step.went_back and step.run.position == 0 and step.run.current is not None
    assert step.run.current.id == "data" and step.run.answers["data"].value == "yes"  # kept until revised
    step = await checklists.answer(db, GUILD, run_id, "data", "no", actor_id=BOB, now=NOW)
    assert step.run.position == 1 and step.run.answers["data"].value == "no"
    assert step.run.answers["data"].answered_by == BOB
    assert step.run.step == 3


async def test_completed_run_syncs_to_the_lead_once(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    run = (await answer_all(db, run_id)).run
    event = await checklists.sync_lead(db, run, leads=lead_service(db), on_complete="in_review", locale="en", now=NOW)
    assert event is not None and (event.from_status, event.to_status) == ("assessing", "in_review")
    after = await leads.get_lead(db, GUILD, lead.id)
    assert after.status == "in_review"
    # Every flag the answers raise, each naming its question and who answered it.
    assert {(f.severity, f.message.rsplit(" (question", 1)[0]) for f in after.flags} == {
        ("high", "User data shared"),
        ("high", "Exclusivity"),
        ("medium", "Brand risk"),
    }
    raisers = {f.source: f.raised_by for f in after.flags}
    prefix = f"checklist:{run_id}:"
    assert raisers == {prefix + "data": ALICE, prefix + "risk": BOB, prefix + "commits": BOB}
    detail = await lead_detail(db, GUILD, lead.id, viewer_id=ALICE, viewer_access=Access.WORKING_GROUP)
    notes = [n.text for n in detail.notes]
    assert len(notes) == 1 and notes[0].startswith(f"Checklist #{run_id} completed: Mini assessment.")
    assert "High: User data shared" in notes[0] and "Medium: Brand risk" in notes[0]
    run = await checklists.get_run(db, GUILD, run_id)
    assert run.lead_sync == checklists.SYNC_DONE
    assert (
        await checklists.sync_lead(db, run, leads=lead_service(db), on_complete="in_review", locale="en", now=NOW)
        is None
    )
    detail = await lead_detail(db, GUILD, lead.id, viewer_id=ALICE, viewer_access=Access.WORKING_GROUP)
    assert len(detail.notes) == 1


async def test_on_complete_none_leaves_the_status(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    run = (await answer_all(db, run_id, risk=1, data="no")).run
    assert await checklists.sync_lead(db, run, leads=lead_service(db), on_complete="none", locale="es", now=NOW) is None
    after = await leads.get_lead(db, GUILD, lead.id)
    assert after.status == "assessing"
    assert [f.message for f in after.flags] == ["Exclusivity (pregunta 4)"]


async def test_closed_runs_take_no_answers(db: Database) -> None:
    lead = await new_lead(db)
    done_id = (await start(db, lead)).run.id
    await answer_all(db, done_id)
    open_id = (await start(db, lead)).run.id  # a new run may start once the first is complete
    assert open_id != done_id
    cancelled = await checklists.cancel_run(db, GUILD, open_id, actor_id=BOB, now=NOW)
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", BOB)
    before = await dump(db)
    with pytest.raises(Conflict) as raised:
        await checklists.answer(db, GUILD, open_id, "data", "yes", actor_id=ALICE, now=NOW)
    assert raised.value.key == "checklist.run_cancelled"
    with pytest.raises(Conflict) as raised:
        await checklists.answer(db, GUILD, done_id, "notes", "late", actor_id=ALICE, now=NOW)
    assert raised.value.key == "checklist.run_completed"
    with pytest.raises(Conflict):
        await checklists.cancel_run(db, GUILD, done_id, actor_id=BOB, now=NOW)
    with pytest.raises(Conflict):
        await checklists.cancel_run(db, GUILD, open_id, actor_id=BOB, now=NOW)
    with pytest.raises(NotFound):
        await checklists.cancel_run(db, GUILD, 999, actor_id=BOB, now=NOW)
    assert await dump(db) == before


async def test_an_edited_questionnaire_leaves_old_runs_alone(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    await checklists.answer(db, GUILD, run_id, "data", "yes", actor_id=ALICE, now=NOW)
    edited = mini(version=2, questions=[{"id": "only", "text": "New?", "type": "yesno"}])
    other = await new_lead(db, "Wikidata Friends")
    new_run = (await start(db, other, edited)).run
    old_run = await checklists.get_run(db, GUILD, run_id)
    assert [q.id for q in old_run.questionnaire.questions] == ["data", "risk", "tier", "commits", "notes"]
    assert old_run.questionnaire.version == 1 and new_run.questionnaire.version == 2
    step = await checklists.answer(db, GUILD, run_id, "risk", 5, actor_id=ALICE, now=NOW)
    assert step.run.position == 2


async def test_pending_runs_and_posting_marks(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    assert [r.id for r in await checklists.pending_runs(db, GUILD)] == [run_id]  # no thread yet
    await checklists.set_thread(db, GUILD, run_id, 555)
    assert (await checklists.get_run(db, GUILD, run_id)).needs_post
    assert await checklists.mark_posted(db, GUILD, run_id, 0, 777)
    assert await checklists.pending_runs(db, GUILD) == []
    assert (await checklists.run_for_thread(db, GUILD, 555)).id == run_id
    await checklists.answer(db, GUILD, run_id, "data", "yes", actor_id=ALICE, now=NOW)
    assert not await checklists.mark_posted(db, GUILD, run_id, 0, 778)  # stale position: ignored
    assert [r.id for r in await checklists.pending_runs(db, GUILD)] == [run_id]
    with pytest.raises(NotFound) as raised:
        await checklists.run_for_thread(db, GUILD, 556)
    assert raised.value.key == "checklist.not_a_run_thread"


async def test_completed_between_feeds_the_digest(db: Database) -> None:
    lead = await new_lead(db)
    run_id = (await start(db, lead)).run.id
    await answer_all(db, run_id)
    found = await checklists.completed_between(
        db, GUILD, NOW - timedelta(days=1), NOW + timedelta(seconds=1), leads=lead_service(db)
    )
    assert len(found) == 1
    item = found[0]
    assert (item.run_id, item.lead_id, item.partner, item.questionnaire_title, item.completed_at) == (
        run_id,
        lead.id,
        "Europeana",
        "Mini assessment",
        NOW,
    )
    assert item.flags == [("high", "User data shared"), ("high", "Exclusivity"), ("medium", "Brand risk")]
    later = await checklists.completed_between(
        db, GUILD, NOW + timedelta(seconds=1), NOW + timedelta(days=1), leads=lead_service(db)
    )
    assert later == []
    other = await checklists.completed_between(
        db, 2, NOW - timedelta(days=1), NOW + timedelta(days=1), leads=lead_service(db, 2)
    )
    assert other == []


def test_parse_run_id() -> None:
    assert checklists.parse_run_id("#12") == 12
    assert checklists.parse_run_id(" 7 ") == 7
    with pytest.raises(NotFound):
        checklists.parse_run_id("twelve")
