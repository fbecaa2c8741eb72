"""Discord failing around a checklist: answers are never lost, and the tick finishes what was refused."""

from __future__ import annotations

from typing import Any

from bot.services import checklists, leads
from bot.sim import Sim
from tests.cogs.test_checklists import PLAN, act, add_lead, started


async def test_next_question_refused_is_posted_by_the_tick(sim: Sim) -> None:
    _, thread = await started(sim)
    question = thread.last
    sim.fail_next(503, route=f"POST /channels/{thread.id}/messages")
    r = await sim.click(question, "Yes", user="alice")
    assert r.updated is question and "answered by" in question.text
    assert thread.last is question  # Discord refused the next question
    run = await checklists.get_run(sim.db, sim.guild_id, 1)
    assert run.answers["level_fit"].value == "yes" and run.position == 1 and run.needs_post
    await sim.tick()
    assert "Question 2 of 21" in thread.last.text and thread.last.selects
    await sim.tick()  # nothing left to do: no second copy
    assert sum("Question 2 of 21" in m.text for m in thread.messages) == 1
    await sim.select(thread.last, ["internal"], user="bob")
    assert "Question 3 of 21" in thread.last.text


async def test_a_refused_interaction_reply_loses_nothing(sim: Sim) -> None:
    _, thread = await started(sim)
    question = thread.last
    sim.fail_next(kind="timeout", route="/callback")  # discord.py retries a 5xx here by itself
    r = await sim.click(question, "No", user="alice")
    # The pressed message could not be updated: the member is told privately what became of the press.
    assert r.reply is not None and r.ephemeral
    assert r.text.startswith("Your choice on question 1 is recorded") and "/checklist status" in r.text
    run = await checklists.get_run(sim.db, sim.guild_id, 1)
    assert run.answers["level_fit"].value == "no"
    assert "Question 2 of 21" in thread.last.text  # the run moved on all the same


async def test_thread_refused_at_start_is_opened_by_the_tick(sim: Sim) -> None:
    lead = await add_lead(sim)
    sim.fail_next(503, route="/threads")
    r = await sim.slash("checklist start", user="alice", lead=lead.ref)
    assert r.ephemeral
    assert r.text == "Run #1 for L-1 is saved; its thread will be created as soon as Discord allows."
    assert sim.threads("checklists") == []
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "assessing"
    await sim.tick()
    thread = sim.thread("Assessment · L-1 · Europeana")
    assert "Question 1 of 21" in thread.last.text
    assert sim.member("alice").id in thread.member_ids
    again = await sim.slash("checklist start", user="bob", lead=lead.ref)
    assert again.text.endswith(f"<#{thread.id}>")


async def test_refused_summary_and_crash_before_marking_are_posted_once(sim: Sim) -> None:
    lead, thread = await started(sim)
    for qid, action in PLAN:
        if qid == "impact":
            sim.fail_next(503, route=f"POST /channels/{thread.id}/messages")
        await act(sim, thread.last, action, "bob")
    assert not any("Assessment complete" in m.text for m in thread.messages)
    # The lead's update does not wait for Discord.
    assert (await leads.get_lead(sim.db, sim.guild_id, lead.id)).status == "in_review"
    await sim.restart()
    await sim.tick()
    await sim.tick()
    assert sum("Assessment complete" in m.text for m in thread.messages) == 1
    run = await checklists.get_run(sim.db, sim.guild_id, 1)
    assert run.summary_message_id is not None and run.lead_sync == checklists.SYNC_DONE
    assert await checklists.pending_runs(sim.db, sim.guild_id) == []


async def test_question_posted_before_a_crash_is_not_posted_twice(sim: Sim) -> None:
    _, thread = await started(sim)
    await sim.click(thread.last, "Yes", user="alice")
    # As if the bot died after Discord accepted question 2 but before the database heard of it.
    async with sim.db.transaction() as conn:
        await conn.execute("UPDATE checklist_runs SET posted_position = 0 WHERE id = 1")
    await sim.restart()
    await sim.tick()
    assert sum("Question 2 of 21" in m.text for m in thread.messages) == 1
    assert not await checklists.pending_runs(sim.db, sim.guild_id)


async def test_archived_thread_is_reopened_by_the_tick(sim: Sim) -> None:
    _, thread = await started(sim)
    sim.fail_next(503, route=f"POST /channels/{thread.id}/messages")
    await sim.click(thread.last, "Yes", user="alice")
    await sim.archive(thread)
    await sim.tick()
    assert not thread.archived and "Question 2 of 21" in thread.last.text


async def test_server_language_for_thread_posts(sim_factory: Any) -> None:
    sim: Sim = await sim_factory(config={"locale": "es"})
    lead = await add_lead(sim)
    r = await sim.slash("checklist start", user="alice", lead=lead.ref, locale="fr")
    assert r.text == f"Évaluation du partenariat lancé pour L-1 dans <#{sim.thread('L-1').id}>."
    thread = sim.thread("Evaluación · L-1 · Europeana")
    first = thread.last
    assert "Pregunta 1 de 21 · Encaje" in first.text and first.buttons == ["Sí", "No"]
    await sim.click(first, "Sí", user="bob")
    assert "Sí · respondió" in first.text
    assert thread.last.selects[0]["placeholder"] == "Elige una opción"
    labels = [o["label"] for o in thread.last.selects[0]["options"]]
    assert labels == ["Interna (entre organismos del movimiento)", "Externa (con una organización ajena)"]
