"""/checklist through bot/sim: the shipped assessment answered to the end with every question type, Skip
and Back, a restart half-way finished with the old buttons, an archived thread, a race, the summary and
what it does to the lead."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from bot.config import LeadsSettings
from bot.services import checklists, leads
from bot.services.access import Access
from bot.services.leads.queries import lead_detail
from bot.services.leads.service import log_lead
from bot.sim import Sim, SimChannel, SimMessage

#: (question id, what to do) for the shipped partnership assessment, in order.
PLAN: list[tuple[str, Any]] = [
    ("level_fit", "Yes"),
    ("direction", ["external"]),
    ("values_overlap", "4"),
    ("hard_lines", "No"),
    ("we_give", ("text", "Two editathons a year and training")),
    ("we_get", ("text", "Access to the photo archive under CC BY-SA")),
    ("worth_it", "4"),
    ("knowledge_equity", "Skip"),
    ("user_data", "Yes"),
    ("brand_risk", "5"),
    ("strategy_fit", ["yes"]),
    ("consulted", "Skip"),
    ("prior_partnerships", ["none"]),
    ("tier", ["collaborative"]),
    ("contact_authority", "Yes"),
    ("agreement", ["money", "deliverables"]),
    ("open_to_others", "Yes"),
    ("licensing", ["free"]),
    ("documentation", ["wiki", "report"]),
    ("capacity", "3"),
    ("impact", ("text", "Articles improved and files uploaded")),
]


async def add_lead(sim: Sim, partner: str = "Europeana") -> leads.Lead:
    result = await log_lead(
        sim.db,
        sim.guild_id,
        leads.LeadDraft(partner=partner, level="global", direction="external"),
        owner_id=sim.member("dave").id,
        now=sim.clock(),
        settings=LeadsSettings(),
        check_duplicates=False,
    )
    assert result.lead is not None
    return result.lead


async def started(sim: Sim, partner: str = "Europeana") -> tuple[leads.Lead, SimChannel]:
    lead = await add_lead(sim, partner)
    r = await sim.slash("checklist start", user="alice", lead=lead.ref)
    assert r.ephemeral and "Started Partnership assessment" in r.text
    return lead, sim.thread(f"Assessment · {lead.ref} · {partner}")


def mention(sim: Sim, name: str) -> str:
    return f"<@{sim.member(name).id}>"


async def act(sim: Sim, message: SimMessage, action: Any, user: str) -> Any:
    """Answer the question on ``message`` the way a member would."""
    if isinstance(action, list):
        return await sim.select(message, action, user=user)
    if isinstance(action, tuple):
        opened = await sim.click(message, "Answer", user=user)
        assert opened.modal is not None
        return await sim.submit(opened.modal, {"answer": action[1]}, user=user)
    return await sim.click(message, action, user=user)


async def db_state(sim: Sim) -> tuple[Any, ...]:
    runs = [tuple(r) for r in await sim.db.fetchall("SELECT * FROM checklist_runs ORDER BY id")]
    answers = [tuple(r) for r in await sim.db.fetchall("SELECT * FROM checklist_answers ORDER BY run_id, question_id")]
    lead_rows = [tuple(r) for r in await sim.db.fetchall("SELECT id, status FROM leads ORDER BY id")]
    return runs, answers, lead_rows


async def test_the_shipped_assessment_end_to_end(sim: Sim) -> None:
    events: list[leads.LeadEvent] = []

    async def on_lead_event(event: leads.LeadEvent) -> None:
        events.append(event)

    sim.bot.add_listener(on_lead_event, "on_lead_event")
    lead, thread = await started(sim)
    assert thread.parent_id == sim.channel("checklists").id
    assert sim.member("alice").id in thread.member_ids
    intro, first = thread.messages
    assert "Assessment of **L-1 · Europeana**" in intro.text and "21 questions" in intro.text
    assert "Question 1 of 21 · Fit" in first.text and first.buttons == ["Yes", "No"]
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "assessing"
    assert [(e.from_status, e.to_status) for e in events] == [("logged", "assessing")]

    run_id = 1
    for index, (qid, action) in enumerate(PLAN):
        message = thread.last
        assert f"Question {index + 1} of 21" in message.text, (qid, message.text)
        if qid == "we_give":
            assert message.buttons == ["Answer", "Back"]
        if qid == "knowledge_equity":
            assert message.buttons == ["1", "2", "3", "4", "5", "Skip", "Back"]
        if qid == "brand_risk":
            # Back from brand risk revises the user-data answer, then the run goes on from there.
            back = await sim.click(message, "Back", user="bob")
            assert back.updated is message and "went back to the previous question" in message.text
            assert message.buttons == []
            again = thread.last
            assert "Question 9 of 21" in again.text and "Current answer: Yes" in again.text
            await sim.click(again, "Yes", user="bob")
            message = thread.last
            assert "Question 10 of 21" in message.text
        if qid == "strategy_fit":
            # Half-way: a restart; the question already posted is answered with its old buttons.
            await sim.restart()
            sim.bot.add_listener(on_lead_event, "on_lead_event")
        if qid == "contact_authority":
            await sim.archive(thread)
            assert thread.archived
        user = "bob" if index % 2 else "alice"
        result = await act(sim, message, action, user)
        assert result.updated is message, (qid, result.text)
        assert message.buttons == [] and message.selects == []
        if action == "Skip":
            assert f"Skipped by {mention(sim, user)}" in message.text
        else:
            assert f"answered by {mention(sim, user)}" in message.text
        if qid == "contact_authority":
            assert not thread.archived  # reopened to go on

    run = await checklists.get_run(sim.db, sim.guild_id, run_id)
    assert run.status == "completed" and (run.answered_count, run.skipped_count) == (19, 2)
    assert run.answers["agreement"].value == ["money", "deliverables"]
    assert run.answers["we_get"].value == "Access to the photo archive under CC BY-SA"
    summary = thread.last.text
    assert "Assessment complete: Partnership assessment" in "\n".join(m.text for m in thread.messages[-3:])
    everything = "\n".join(m.text for m in thread.messages if "Assessment complete" in m.text or "Answers ·" in m.text)
    assert "19 answered, 2 skipped" in everything
    assert mention(sim, "alice") in everything and mention(sim, "bob") in everything
    assert "High** · Data about users would be shared with the partner. (9)" in everything
    assert "High** · High brand risk if the partnership goes badly. (10)" in everything
    assert "Answers · Value" in everything and "Two editathons a year and training" in everything
    assert "Money or in-kind support, Deliverables and deadlines" in everything
    assert summary  # the thread ends with the summary, no further question
    assert not any("Question" in m.text and m.buttons for m in thread.messages)

    after = await leads.get_lead(sim.db, sim.guild_id, lead.id)
    assert after.status == "in_review"
    # Raised as the answers were given: which question, and who answered it.
    assert {(f.source, f.severity, f.message) for f in after.flags} >= {
        (f"checklist:{run_id}:user_data", "high", "Data about users would be shared with the partner. (question 9)"),
        (f"checklist:{run_id}:brand_risk", "high", "High brand risk if the partnership goes badly. (question 10)"),
    }
    assert all(f.raised_by is not None for f in after.flags)
    detail = await lead_detail(
        sim.db, sim.guild_id, lead.id, viewer_id=sim.member("alice").id, viewer_access=Access.REVIEWER
    )
    assert any(n.text.startswith("Checklist #1 completed: Partnership assessment. 19 answered") for n in detail.notes)
    assert events[-1].to_status == "in_review"
    # The leads cog heard the move and opened the review.
    review_cards = [m for m in sim.channel("leads").messages if "Approve" in m.buttons]
    assert len(review_cards) == 1 and "Europeana" in review_cards[0].text

    status = await sim.slash("checklist status", user="bob", channel=thread)
    assert status.ephemeral and "Completed: question 21 of 21 · 19 answered · 2 skipped" in status.text
    results = await sim.slash("checklist results", user="alice", lead="L-1")
    assert "Assessment complete: Partnership assessment" in results.text
    assert "#1 · Partnership assessment v1 · Completed" in results.text


async def test_two_members_press_at_once_first_wins(sim: Sim) -> None:
    _, thread = await started(sim)
    question = thread.last
    stale = copy.deepcopy(question)
    first, second = await asyncio.gather(sim.click(question, "Yes", user="alice"), sim.click(stale, "No", user="bob"))
    winners = [r for r in (first, second) if r.updated is not None]
    losers = [r for r in (first, second) if r.updated is None]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].ephemeral and "already answered" in losers[0].text
    answers = await sim.db.fetchall("SELECT question_id, value FROM checklist_answers")
    assert len(answers) == 1
    questions = [m for m in thread.messages if "Question 2 of 21" in m.text]
    assert len(questions) == 1  # the next question was posted once


async def test_status_shows_progress_in_the_thread(sim: Sim) -> None:
    _, thread = await started(sim)
    await sim.click(thread.last, "No", user="alice")
    r = await sim.slash("checklist status", user="bob", channel=thread, locale="fr")
    assert r.ephemeral
    assert "En cours\u202f: question 2 sur 21 · 1 réponse · 0 passée" in r.text
    assert "S'agit-il d'un partenariat interne" in r.text


async def test_second_start_points_to_the_open_thread(sim: Sim) -> None:
    _, thread = await started(sim)
    before = await db_state(sim)
    again = await sim.slash("checklist start", user="bob", lead="1")
    assert again.ephemeral
    assert again.text == f"L-1 already has an open Partnership assessment run: <#{thread.id}>"
    assert await db_state(sim) == before
    assert len(sim.threads("checklists")) == 1


async def test_cancel_tells_the_thread_and_archives_it(sim: Sim) -> None:
    _, thread = await started(sim)
    question = thread.last
    stale = copy.deepcopy(question)
    choices = await sim.autocomplete("checklist cancel", "run", "", user="alice")
    assert choices == [{"name": "#1 · L-1 · Europeana · Partnership assessment", "value": "1"}]
    r = await sim.slash("checklist cancel", user="bob", run="#1")
    assert r.ephemeral and r.text == "Run #1 cancelled. Its answers are kept."
    assert thread.archived
    assert f"This checklist was cancelled by {mention(sim, 'bob')}" in thread.last.text
    assert question.buttons == []
    before = await db_state(sim)
    late = await sim.click(stale, "Yes", user="alice")
    assert late.ephemeral and late.text == "Run #1 was cancelled; it takes no more answers."
    again = await sim.slash("checklist cancel", user="bob", run="1")
    assert again.ephemeral and again.text == "Run #1 was cancelled; it takes no more answers."
    assert await db_state(sim) == before


async def test_autocomplete_for_leads_and_questionnaires(sim: Sim) -> None:
    await add_lead(sim, "Europeana")
    await add_lead(sim, "Wikimedia Deutschland")
    found = await sim.autocomplete("checklist start", "lead", "Euro", user="alice")
    assert found[0] == {"name": "L-1 · Europeana (logged)", "value": "L-1"}
    questionnaires = await sim.autocomplete("checklist start", "questionnaire", "", user="alice")
    assert questionnaires == [{"name": "Partnership assessment (v1)", "value": "partnership-assessment"}]
    spanish = await sim.autocomplete("checklist start", "questionnaire", "evalu", user="alice", locale="es-ES")
    assert spanish == [{"name": "Evaluación de la alianza (v1)", "value": "partnership-assessment"}]
