"""`/lead move` through bot/sim: every legal move, every illegal one (refused with the legal moves listed
and nothing changed), the notes some moves need, and the event every cog hears."""

from __future__ import annotations

from bot.i18n import term
from bot.services import leads
from bot.services.leads.pipeline import TRANSITIONS, find_move, legal_targets
from bot.services.leads.review import cast_vote
from bot.sim import Sim
from tests.cogs.test_leads_support import assert_refused, lead_of, move_to, service_lead, snapshot

#: A way to reach each status through legal moves (approval comes from the review).
PATHS = {
    "logged": [],
    "assessing": ["assessing"],
    "in_review": ["assessing", "in_review"],
    "approved": ["assessing", "in_review", "approved"],
    "negotiating": ["assessing", "in_review", "approved", "negotiating"],
    "active": ["assessing", "in_review", "approved", "negotiating", "active"],
    "paused": ["assessing", "in_review", "approved", "negotiating", "paused"],
    "completed": ["assessing", "in_review", "approved", "negotiating", "active", "completed"],
    "vetoed": ["assessing", "in_review", "vetoed"],
    "declined": ["declined"],
    "withdrawn": ["withdrawn"],
}
NOTE = "A note that is long enough for anything."


def word(status: str) -> str:
    """A status as an English reader sees it in a sentence (``in review``)."""
    return term("en", "status", status)


async def lead_in(sim: Sim, status: str, name: str) -> leads.Lead:
    lead = await service_lead(sim, name, owner="alice")
    for step in PATHS[status]:
        if step == "approved":
            for reviewer in ("carol", "erin"):
                await cast_vote(
                    sim.db, sim.guild_id, lead.id, "approve", reviewer_id=sim.member(reviewer).id,
                    reviewer_access=leads.pipeline.Access.REVIEWER, now=sim.clock(),
                )  # fmt: skip
            sim.advance(hours=73)
            await sim.tick()
        else:
            await move_to(sim, lead, step)
    found = await lead_of(sim, lead)
    assert found.status == status
    return found


async def test_every_legal_move_through_the_command(sim: Sim) -> None:
    heard: list[leads.LeadEvent] = []

    async def on_lead_event(event: leads.LeadEvent) -> None:
        heard.append(event)

    sim.bot.add_listener(on_lead_event, "on_lead_event")
    legal = [(source, m.target) for source, moves in TRANSITIONS.items() for m in moves if not m.by_review]
    for number, (source, target) in enumerate(legal):
        lead = await lead_in(sim, source, f"Legal {number} {source} {target}")
        heard.clear()
        r = await sim.slash("lead move", user="carol", lead=lead.ref, status=target, note=NOTE)
        assert r.ephemeral and f"{lead.ref} moved from {word(source)} to {word(target)}." in r.text, r.text
        assert (await lead_of(sim, lead)).status == target
        assert [(e.lead_id, e.from_status, e.to_status) for e in heard] == [(lead.id, source, target)]
    # Entering review posted a review card; every lead has a card that shows its status.
    assert any("Review: " in m.text for m in sim.channel("leads").messages)


async def test_every_illegal_move_is_refused_with_the_legal_ones(sim: Sim) -> None:
    leads_by_status = {status: await lead_in(sim, status, f"Illegal from {status}") for status in PATHS}
    before = await snapshot(sim.db)
    for source, lead in leads_by_status.items():
        for target in leads.STATUSES:
            if target == source or (find_move(source, target) is not None and target != "approved"):
                continue
            r = await sim.slash("lead move", user="carol", lead=lead.ref, status=target, note=NOTE)
            if target == "approved" and source == "in_review":
                await assert_refused(sim, r, before, "approved by its review")
            elif not TRANSITIONS[source]:
                await assert_refused(sim, r, before, f"{lead.ref} is {word(source)}: it cannot move any more.")
            else:
                legal = ", ".join(word(s) for s in legal_targets(source))
                await assert_refused(
                    sim, r, before, f"{lead.ref} cannot move from {word(source)} to {word(target)}.",
                    f"from {word(source)}: {legal}.",
                )  # fmt: skip


async def test_moves_that_need_a_note(sim: Sim) -> None:
    logged = await lead_in(sim, "logged", "Needs a reason")
    active = await lead_in(sim, "active", "Needs lessons")
    reviewing = await lead_in(sim, "in_review", "Needs a rationale")
    before = await snapshot(sim.db)
    r = await sim.slash("lead move", user="alice", lead=logged.ref, status="declined")
    await assert_refused(sim, r, before, "Declining a lead needs a note saying why it was declined.")
    assert "lessons" not in r.text
    r = await sim.slash("lead move", user="alice", lead=active.ref, status="completed")
    await assert_refused(sim, r, before, "Completing a lead needs a note with the lessons learned.")
    assert "why" not in r.text
    for locale, declined, completed in (
        ("es-ES", "por qué se rechaza", "lecciones aprendidas"),
        ("fr", "pourquoi elle est déclinée", "leçons apprises"),
        ("ar", "سبب رفضها", "الدروس المستفادة"),
    ):
        r = await sim.slash("lead move", user="alice", lead=logged.ref, status="declined", locale=locale)
        await assert_refused(sim, r, before, declined)
        assert completed not in r.text
        r = await sim.slash("lead move", user="alice", lead=active.ref, status="completed", locale=locale)
        await assert_refused(sim, r, before, completed)
    r = await sim.slash("lead move", user="carol", lead=reviewing.ref, status="vetoed", note="too short")
    await assert_refused(sim, r, before, "at least 20 characters")
    r = await sim.slash("lead move", user="alice", lead=logged.ref, status="declined", note="n" * 1001)
    await assert_refused(sim, r, before, "at most 1000 characters")
    done = await sim.slash(
        "lead move", user="alice", lead=active.ref, status="completed", note="Start small next time."
    )
    assert "moved from active to completed" in done.text
    shown = await sim.slash("lead show", user="alice", lead=active.ref)
    assert "active → completed" in shown.text and "Start small next time." in shown.text


async def test_same_status_is_refused(sim: Sim) -> None:
    lead = await lead_in(sim, "assessing", "Already there")
    before = await snapshot(sim.db)
    r = await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")
    await assert_refused(sim, r, before, f"{lead.ref} is already assessing.")
