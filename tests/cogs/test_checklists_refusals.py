"""Every refusal of the checklist feature: a clear private message, and nothing changed."""

from __future__ import annotations

import copy

from bot.i18n import t
from bot.sim import Sim
from tests.cogs.test_checklists import PLAN, act, add_lead, db_state, started


async def test_members_outside_the_working_group_cannot_answer(sim: Sim) -> None:
    _, thread = await started(sim)
    question = thread.last
    before = await db_state(sim)
    r = await sim.click(question, "Yes", user="dave")
    assert r.ephemeral and r.text == "Only the working group can do that."
    assert question.buttons == ["Yes", "No"] and r.updated is None
    assert await db_state(sim) == before


async def test_members_outside_the_working_group_cannot_use_the_commands(sim: Sim) -> None:
    lead, thread = await started(sim)
    before = await db_state(sim)
    threads = len(sim.threads())
    for command, options in (
        ("checklist start", {"lead": lead.ref}),
        ("checklist results", {"lead": lead.ref}),
        ("checklist cancel", {"run": "1"}),
    ):
        r = await sim.slash(command, user="dave", **options)
        assert r.ephemeral and r.text == "Only the working group can do that.", command
    r = await sim.slash("checklist status", user="dave", channel=thread, locale="es-ES")
    assert r.ephemeral and r.text == "Solo el grupo de trabajo puede hacer eso."
    assert await sim.autocomplete("checklist cancel", "run", "", user="dave") == []
    assert await db_state(sim) == before and len(sim.threads()) == threads


async def test_a_lead_that_does_not_exist(sim: Sim) -> None:
    await add_lead(sim)
    before = await db_state(sim)
    for given in ("L-99", "nonsense"):
        r = await sim.slash("checklist start", user="alice", lead=given)
        assert r.ephemeral and r.text == t("en", "lead.unknown", ref=given)
        r = await sim.slash("checklist results", user="alice", lead=given)
        assert r.ephemeral and r.text == t("en", "lead.unknown", ref=given)
    assert await db_state(sim) == before
    assert sim.threads("checklists") == []


async def test_an_unknown_questionnaire(sim: Sim) -> None:
    lead = await add_lead(sim)
    before = await db_state(sim)
    r = await sim.slash("checklist start", user="alice", lead=lead.ref, questionnaire="vibes")
    assert r.ephemeral
    assert r.text == "There is no questionnaire called vibes. Available: partnership-assessment."
    assert await db_state(sim) == before


async def test_status_outside_a_run_thread(sim: Sim) -> None:
    r = await sim.slash("checklist status", user="alice", channel="general")
    assert r.ephemeral and r.text == "Use this inside a checklist thread."
    r = await sim.slash("checklist status", user="alice", channel="checklists", locale="ar")
    assert r.ephemeral and r.text == "استخدم هذا داخل موضوع قائمة تحقق."


async def test_a_text_answer_over_1000_characters(sim: Sim) -> None:
    _, thread = await started(sim)
    for _, action in PLAN[:4]:
        await act(sim, thread.last, action, "alice")
    question = thread.last
    assert "Question 5 of 21" in question.text
    opened = await sim.click(question, "Answer", user="bob")
    assert opened.modal is not None and opened.modal.fields[0].max_length == 1000
    before = await db_state(sim)
    r = await sim.submit(opened.modal, {"answer": "x" * 1001}, user="bob")
    assert r.ephemeral
    assert r.text == "Answers can be at most 1000 characters; yours has 1001. Nothing was saved."
    assert await db_state(sim) == before
    assert question.buttons == ["Answer", "Back"] and thread.last is question
    ok = await sim.submit(opened.modal, {"answer": "x" * 1000}, user="bob")
    assert ok.updated is question and "Question 6 of 21" in thread.last.text


async def test_answering_a_completed_run(sim: Sim) -> None:
    _, thread = await started(sim)
    stale = None
    for qid, action in PLAN:
        if qid == "impact":
            stale = copy.deepcopy(thread.last)
        await act(sim, thread.last, action, "alice")
    assert stale is not None
    before = await db_state(sim)
    opened = await sim.click(stale, "Answer", user="bob")
    assert opened.modal is None and opened.ephemeral
    assert opened.text == "Run #1 is complete; it takes no more answers."
    r = await sim.slash("checklist cancel", user="bob", run="#1")
    assert r.ephemeral and r.text == "Run #1 is complete; it takes no more answers."
    assert await db_state(sim) == before


async def test_unknown_runs_and_leads_without_runs(sim: Sim) -> None:
    lead = await add_lead(sim)
    before = await db_state(sim)
    for given in ("#99", "abc"):
        r = await sim.slash("checklist cancel", user="alice", run=given)
        assert r.ephemeral and r.text == f"There is no checklist run {given}."
    r = await sim.slash("checklist results", user="alice", lead=lead.ref, locale="fr")
    assert r.ephemeral and r.text == "Aucune liste de contrôle n'a encore été faite pour L-1."
    assert await db_state(sim) == before


async def test_a_closed_lead_is_not_assessed(sim: Sim) -> None:
    lead = await add_lead(sim)
    moved = await sim.slash("lead move", user="alice", lead=lead.ref, status="withdrawn", note="Partner withdrew")
    assert "withdrawn" in moved.text
    before = await db_state(sim)
    threads = len(sim.threads())
    r = await sim.slash("checklist start", user="alice", lead=lead.ref)
    assert r.ephemeral and r.text == t("en", "checklist.lead_closed", ref=lead.ref, status="withdrawn")
    assert await db_state(sim) == before and len(sim.threads()) == threads


async def test_closing_a_lead_closes_its_open_checklist(sim: Sim) -> None:
    lead, thread = await started(sim)
    question = thread.last
    moved = await sim.slash("lead move", user="alice", lead=lead.ref, status="withdrawn", note="Partner withdrew")
    assert "withdrawn" in moved.text
    [run] = await sim.db.fetchall("SELECT status, cancelled_by FROM checklist_runs")
    assert tuple(run) == ("cancelled", None)
    assert thread.last is not None
    assert thread.last.text == t("en", "checklist.closed_with_lead", ref=lead.ref, status="withdrawn")
    assert question is not None and question.buttons == []  # the question no longer takes answers
    assert thread.archived
