"""The role matrix of docs/design.md through bot/sim: every command and every button pressed by a plain member
(dave), the working group (alice) and a reviewer (carol). What a role may do succeeds; what it may not
is answered privately, naming the role it needs, and changes nothing in the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.services import feedback
from bot.services.access import Access
from bot.sim import Sim
from bot.sim.models import InteractionResult, SimMessage
from tests.reliability.conftest import (
    ANSWERS,
    UNEXPECTED,
    answer,
    answered,
    assert_clear_refusal,
    assert_plain,
    changed_tables,
    dump,
    service_lead,
    watch,
)

USERS = ("dave", "alice", "carol")
LEVEL = {"dave": Access.MEMBER, "alice": Access.WORKING_GROUP, "carol": Access.REVIEWER}
NEEDS_TEXT = {
    Access.WORKING_GROUP: "Only the working group can do that.",
    Access.REVIEWER: "Only reviewers can do that.",
}
NOT_YOURS = "These buttons belong to the person who ran the command."
#: Partner names far enough apart that one user's lead is never another's likely duplicate.
DISTINCT = {"dave": "Zanzibar Heritage Trust", "alice": "Quito Film Archive", "carol": "Helsinki Botanical Society"}
RATIONALE = "Their data practices conflict with our privacy policy."

Ctx = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One action. ``prepare`` builds what the action needs for one user (before the database is
    fingerprinted); ``act`` does it as that user; ``expect`` is a text the allowed answer contains."""

    name: str
    needs: Access
    act: Callable[[Sim, str, Ctx], Awaitable[InteractionResult]]
    prepare: Callable[[Sim, str], Awaitable[Ctx]] | None = None
    expect: Callable[[Ctx], str] | str = ""
    writes: bool = False
    #: What the refusal says, when it is not the role (a lead a member may not see does not exist for them).
    refusal: str | None = None


# -- scene builders -------------------------------------------------------------------------------
async def own_lead(sim: Sim, user: str) -> Ctx:
    """A lead logged by ``user`` (wg visibility) with a contact only the working group may see."""
    lead = await service_lead(sim, f"Lead of {user} {len(await _all_leads(sim))}", owner=user, contact="ceo@x.org")
    return {"lead": lead, "ref": lead.ref}


async def alices_lead(sim: Sim, user: str) -> Ctx:
    lead = await service_lead(sim, f"Archive {len(await _all_leads(sim))}", owner="alice", summary="Maps")
    return {"lead": lead, "ref": lead.ref}


async def _all_leads(sim: Sim) -> list[Any]:
    return await sim.db.fetchall("SELECT id FROM leads")


async def lead_in_review(sim: Sim, user: str) -> Ctx:
    ctx = await own_lead(sim, "dave")  # visible to dave, so what stops him is his role
    await sim.slash("lead move", user="alice", lead=ctx["ref"], status="assessing")
    await sim.slash("lead move", user="alice", lead=ctx["ref"], status="in_review")
    card = sim.channel("leads").with_button("Approve")
    assert card is not None and ctx["ref"] in card.text
    return {**ctx, "card": card}


def checklist_at(position: int) -> Callable[[Sim, str], Awaitable[Ctx]]:
    """A fresh run whose question ``position`` (0-based) is the one being asked."""

    async def prepare(sim: Sim, user: str) -> Ctx:
        ctx = await alices_lead(sim, user)
        r = await sim.slash("checklist start", user="alice", lead=ctx["ref"])
        assert "Started" in r.text, r.text
        thread = sim.thread(ctx["ref"])
        for _, how in ANSWERS[:position]:
            assert thread.last is not None
            await answer(sim, thread.last, how, "alice")
        assert thread.last is not None and f"Question {position + 1} of" in thread.last.text
        run_id = int(await sim.db.fetchval("SELECT max(id) FROM checklist_runs"))
        return {**ctx, "thread": thread, "question": thread.last, "run": run_id}

    return prepare


async def pager_of(owner: str, sim: Sim) -> SimMessage:
    r = await sim.slash("lead list", user=owner)
    assert r.reply is not None and "Next" in r.reply.buttons, r
    return r.reply


async def eleven_leads_each(sim: Sim, user: str) -> Ctx:
    if not await _all_leads(sim):
        for owner in USERS:
            for n in range(11):
                await service_lead(sim, f"{owner.title()} partner number {n:02d}", owner=owner)
    return {}


async def duplicate_prompt_of(owner: str, sim: Sim) -> SimMessage:
    if not await sim.db.fetchval("SELECT count(*) FROM leads WHERE partner = 'Europeana'"):
        await service_lead(sim, "Europeana", owner="alice")
    r = await sim.slash(
        "lead add", user=owner, partner="Europeana Foundation", level="global", direction="external", summary="x"
    )
    assert r.reply is not None and "Log anyway" in r.reply.buttons, r
    return r.reply


async def feedback_released(sim: Sim, user: str) -> Ctx:
    if not await sim.db.feedback.fetchval("SELECT count(*) FROM feedback_items"):
        for n in range(12):
            item = await feedback.submit(
                sim.db, sim.guild_id, "general", f"Feedback number {n} " + "text " * 40,
                now=sim.clock(), max_length=2000,
            )  # fmt: skip
            sim.bot.services.feedback.authors.note(item.item_id, f"member {n % 3}".encode())
        # As the scheduled digest does: the items come from three members, enough for one batch.
        released = await feedback.release(
            sim.db, sim.guild_id, at=sim.clock(), min_batch=3, authors=sim.bot.services.feedback.authors
        )
        assert released is not None
    return {}


async def dm_preview(sim: Sim, user: str) -> Ctx:
    (message,) = await sim.dm(user, f"Anonymous thoughts from someone ({user})")
    assert message.buttons == ["Send anonymously", "Cancel"], message.text
    return {"preview": message}


# -- the matrix -----------------------------------------------------------------------------------
def slash(command: str, **options: Any) -> Callable[[Sim, str, Ctx], Awaitable[InteractionResult]]:
    async def act(sim: Sim, user: str, ctx: Ctx) -> InteractionResult:
        values = {"name": DISTINCT[user], **ctx}
        filled = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in options.items()}
        channel = ctx.get("thread") if command == "checklist status" else None
        return await sim.slash(command, user=user, channel=channel, options=filled)

    return act


def click(label: str, on: str = "question") -> Callable[[Sim, str, Ctx], Awaitable[InteractionResult]]:
    async def act(sim: Sim, user: str, ctx: Ctx) -> InteractionResult:
        return await sim.click(ctx[on], label, user=user)

    return act


def choose(values: list[str], on: str) -> Callable[[Sim, str, Ctx], Awaitable[InteractionResult]]:
    async def act(sim: Sim, user: str, ctx: Ctx) -> InteractionResult:
        return await sim.select(ctx[on], values, user=user)

    return act


MEMBER, WG, REVIEWER = Access.MEMBER, Access.WORKING_GROUP, Access.REVIEWER

CASES = [
    # Everyone in the server.
    Case("about", MEMBER, slash("about"), expect="Partnerships bot"),
    Case(
        "lead add",
        MEMBER,
        slash("lead add", partner="{name}", level="local", direction="external", summary="Oral history"),
        expect="Logged L-",
        writes=True,
    ),
    Case("lead add (form)", MEMBER, slash("lead add", partner="{name}", level="local", direction="internal")),
    Case("lead show (own)", MEMBER, slash("lead show", lead="{ref}"), own_lead, expect=lambda c: c["ref"]),
    Case("lead list", MEMBER, slash("lead list"), own_lead, expect=lambda c: c["ref"]),
    Case("lead search", MEMBER, slash("lead search", query="Lead"), own_lead, expect=lambda c: c["ref"]),
    Case(
        "lead move withdrawn (own)",
        MEMBER,
        slash("lead move", lead="{ref}", status="withdrawn"),
        own_lead,
        expect="moved from logged to withdrawn",
        writes=True,
    ),
    Case("update list", MEMBER, slash("update list"), expect="Latest working-group updates"),
    Case("feedback give", MEMBER, slash("feedback give", topic="general")),
    Case("feedback privacy", MEMBER, slash("feedback privacy"), expect="What happens to anonymous feedback"),
    Case("feedback retract", MEMBER, slash("feedback retract", code="7K3M-Q9TX-2BHD-W4RE"), expect="No feedback"),
    Case("feedback Send anonymously", MEMBER, click("Send anonymously", "preview"), dm_preview, writes=True),
    Case("feedback Cancel", MEMBER, click("Cancel", "preview"), dm_preview),
    Case("feedback topic", MEMBER, choose(["process"], "preview"), dm_preview),
    # The working group (and reviewers).
    Case(
        "lead show (anyone's)",
        WG,
        slash("lead show", lead="{ref}"),
        alices_lead,
        expect=lambda c: c["ref"],
        refusal="that you can see",
    ),
    Case(
        "lead move assessing", WG, slash("lead move", lead="{ref}", status="assessing"), own_lead, "to assessing", True
    ),
    Case(
        "lead note",
        WG,
        slash("lead note", lead="{ref}", text="Met them at the conference."),
        alices_lead,
        "Note added",
        True,
    ),
    Case(
        "lead assign", WG, slash("lead assign", lead="{ref}", entity="Wikimedia UK"), alices_lead, "assigned to", True
    ),
    Case(
        "lead edit",
        WG,
        slash("lead edit", lead="{ref}", field="summary", value="Digitised maps"),
        alices_lead,
        "updated",
        True,
    ),
    Case("lead export", WG, slash("lead export", format="csv"), alices_lead, expect="exported as csv"),
    Case("checklist start", WG, slash("checklist start", lead="{ref}"), alices_lead, expect="Started", writes=True),
    Case("checklist status", WG, slash("checklist status"), checklist_at(0), expect="Partnership assessment"),
    Case("checklist results", WG, slash("checklist results", lead="{ref}"), checklist_at(0), expect="Partnership"),
    Case("checklist cancel", WG, slash("checklist cancel", run="{run}"), checklist_at(0), "cancelled", True),
    Case("checklist Yes", WG, click("Yes"), checklist_at(0), expect="answered by", writes=True),
    Case("checklist select", WG, choose(["internal"], "question"), checklist_at(1), "answered by", True),
    Case("checklist Back", WG, click("Back"), checklist_at(1), expect="went back", writes=True),
    Case("checklist Answer (form)", WG, click("Answer"), checklist_at(4)),
    Case("checklist Skip", WG, click("Skip"), checklist_at(7), expect="Skipped by", writes=True),
    Case("update post (form)", WG, slash("update post", area="legal")),
    Case("digest preview", WG, slash("digest preview"), expect="1 of 1"),
    Case("digest send", WG, slash("digest send"), expect="Digest posted", writes=True),
    Case("digest next", WG, slash("digest next")),
    Case("feedback review", WG, slash("feedback review"), expect="No feedback has been released yet"),
    # Reviewers only.
    Case("review Approve", REVIEWER, click("Approve", "card"), lead_in_review, "Your approval", True),
    Case("review Veto (form)", REVIEWER, click("Veto", "card"), lead_in_review),
    Case("review Recuse", REVIEWER, click("Recuse", "card"), lead_in_review, "You recused", True),
    Case(
        "lead move vetoed",
        REVIEWER,
        slash("lead move", lead="{ref}", status="vetoed", note=RATIONALE),
        lead_in_review,
        "to vetoed",
        True,
    ),
]


def _expected(case: Case, ctx: Ctx) -> str:
    return case.expect(ctx) if callable(case.expect) else case.expect


async def assert_allowed(sim: Sim, case: Case, r: InteractionResult, ctx: Ctx, before: dict[str, Any]) -> None:
    assert answered(r), (case.name, r)
    text = r.text
    assert_plain(text)
    assert "can do that" not in text and UNEXPECTED not in text and "There is no lead" not in text, (case.name, text)
    expected = _expected(case, ctx)
    assert expected in text, (case.name, expected, text)
    if case.writes:
        assert changed_tables(before, await dump(sim.db)), f"{case.name}: allowed but nothing was saved"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_role_matrix(sim: Sim, case: Case) -> None:
    with watch() as problems:
        for user in USERS:
            ctx = await case.prepare(sim, user) if case.prepare else {}
            before = await dump(sim.db)
            r = await case.act(sim, user, ctx)
            if LEVEL[user] >= case.needs:
                await assert_allowed(sim, case, r, ctx, before)
            else:
                assert_clear_refusal(r, case.refusal or NEEDS_TEXT[case.needs])
                assert changed_tables(before, await dump(sim.db)) == [], f"{case.name} refused to {user} changed data"
        problems.check()


# -- what a member sees, and buttons owned by whoever ran the command --------------------------------
async def test_members_see_only_their_own_leads_without_contacts(sim: Sim) -> None:
    with watch() as problems:
        mine = (await own_lead(sim, "dave"))["lead"]
        theirs = (await alices_lead(sim, "dave"))["lead"]
        before = await dump(sim.db)
        shown = await sim.slash("lead show", user="dave", lead=mine.ref)
        assert mine.partner in shown.text and "ceo@x.org" not in shown.text
        assert "ceo@x.org" in (await sim.slash("lead show", user="alice", lead=mine.ref)).text
        refused = await sim.slash("lead show", user="dave", lead=theirs.ref)
        assert_clear_refusal(refused, f"There is no lead {theirs.ref} that you can see")
        listed = await sim.slash("lead list", user="dave")
        assert mine.ref in listed.text and theirs.partner not in listed.text
        found = await sim.slash("lead search", user="dave", query="Archive")
        assert theirs.partner not in found.text
        choices = await sim.autocomplete("lead show", "lead", "", user="dave")
        assert [c["value"] for c in choices] == [mine.ref]
        exported = await sim.slash("lead export", user="dave", format="json")
        assert_clear_refusal(exported, NEEDS_TEXT[WG])
        assert await dump(sim.db) == before
        problems.check()


@pytest.mark.parametrize("kind", ["lead list", "duplicate prompt", "feedback review"])
async def test_owned_buttons_answer_only_their_owner(sim: Sim, kind: str) -> None:
    with watch() as problems:
        owners = USERS if kind != "feedback review" else ("alice", "carol")
        if kind == "lead list":
            await eleven_leads_each(sim, "dave")
        if kind == "feedback review":
            await feedback_released(sim, "alice")
            await sim.tick()
        for owner in owners:
            if kind == "lead list":
                message, button = await pager_of(owner, sim), "Next"
            elif kind == "duplicate prompt":
                message, button = await duplicate_prompt_of(owner, sim), "Log anyway"
            else:
                r = await sim.slash("feedback review", user=owner)
                assert r.reply is not None and "Next" in r.reply.buttons, r
                message, button = r.reply, "Next"
            shown = message.text
            for other in USERS:
                if other == owner:
                    continue
                for label in [
                    b for b in message.buttons if message.button(b) and not message.button(b).get("disabled")
                ]:
                    before = await dump(sim.db)
                    r = await sim.click(message, label, user=other)
                    assert_clear_refusal(r, NOT_YOURS)
                    assert await dump(sim.db) == before and message.text == shown
            before = await dump(sim.db)
            r = await sim.click(message, button, user=owner)
            assert r.updated is message or r.reply is not None, r
            assert NOT_YOURS not in r.text and UNEXPECTED not in r.text
            if kind == "duplicate prompt":
                assert "Logged L-" in r.text and changed_tables(before, await dump(sim.db))
            else:
                assert message.text != shown  # the next page
        problems.check()


async def test_without_the_members_role_only_about_and_privacy(sim_factory: Callable[..., Awaitable[Sim]]) -> None:
    """With `roles.members` set, someone in the server without that role is not a member."""
    sim = await sim_factory(config={"roles": {"members": "members"}})
    sim.add_member("visitor")
    sim.add_member("member", roles=("members",))
    with watch() as problems:
        before = await dump(sim.db)
        for command, options in (
            ("lead add", {"partner": "Quito Film Archive", "level": "local", "direction": "external", "summary": "x"}),
            ("lead list", {}),
            ("feedback give", {"topic": "general"}),
        ):
            r = await sim.slash(command, user="visitor", options=options)
            assert_clear_refusal(r)
            assert "members" in r.text.lower(), (command, r.text)
        (told,) = await sim.dm("visitor", "I have an opinion")
        assert "member" in told.text.lower() and told.buttons == []
        assert await dump(sim.db) == before
        about = await sim.slash("about", user="visitor")
        assert "/lead add" not in about.text and UNEXPECTED not in about.text
        assert "What happens" in (await sim.slash("feedback privacy", user="visitor")).text
        logged = await sim.slash(
            "lead add", user="member", partner="Quito Film Archive", level="local", direction="external", summary="x"
        )
        assert "Logged L-1" in logged.text
        problems.check()
