"""Discord failures never lose data and never leave a user without an answer.

Each cog has a representative scenario: a list of steps (one interaction or one tick each). Every kind of
outbound call a scenario makes (its route, with ids normalised; interaction callbacks told apart by
response type) is failed once in each way Discord and the network fail (a 503, a 429 that discord.py
sleeps through, a 403, a timeout, a dropped connection), on a fresh simulated server, during the first
step that makes it. Then, with Discord healthy again and a minute gone by, the ticks run. Checked:
nothing unhandled (no "Ignoring exception", no task exception, no apology for a failure the bot should
have absorbed), every interaction answered (its normal reply or a private error), everything the user
was told was saved is in the database, and whatever still had to be posted has been posted.

``ROUTES`` lists each scenario's calls with the step that first makes them; a test checks it against
what the scenario really calls, so a new kind of call shows up as a failure to add it here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import term
from bot.services import checklists, digest, leads, updates
from bot.services.leads.cards import pending_cards
from bot.services.leads.review import pending_review_cards, review_state
from bot.sim import Sim
from bot.sim.faults import FAILURES
from bot.sim.models import InteractionResult
from bot.sim.server import Fault, SimServer
from tests.reliability.conftest import UNEXPECTED, answered, assert_plain, service_lead, watch

Ctx = dict[str, Any]
StepFn = Callable[[Sim, Ctx], Awaitable[InteractionResult | None]]
#: Each way one call fails: bot/sim's catalogue of failures discord.py hands to the bot, plus a rate limit
#: (which discord.py absorbs by sleeping ``retry_after`` and asking again).
FAILS: dict[str, dict[str, Any]] = {**FAILURES, "429": {"kind": "rate_limit", "seconds": 0.01}}
INTERACTION_ROUTES = ("/interactions/", "/webhooks/")

QUICK = """\
id: quick
version: 1
title: Quick check
language: en
questions:
  - id: fit
    section: Fit
    text: Does it fit the movement?
    type: yesno
    flag: {when: ["no"], severity: high, message: It does not fit.}
  - id: kind
    section: Fit
    text: Internal or external?
    type: choice
    options:
      - {value: internal, label: Internal}
      - {value: external, label: External}
  - id: give
    section: Value
    text: What do we give?
    type: text
"""


# -- routes -----------------------------------------------------------------------------------------
def route_key(server: SimServer, method: str, path: str) -> str:
    """``POST /channels/<leads id>/messages`` -> ``POST /channels/{leads}/messages``."""

    def channel(match: re.Match[str]) -> str:
        found = server.channels.get(int(match.group(1)))
        if found is None:
            return "/channels/{unknown}"
        if found.type == 1:
            return "/channels/{dm}"
        return "/channels/{thread}" if found.is_thread else f"/channels/{{{found.name}}}"

    path = re.sub(r"^/interactions/\d+/[^/]+/callback$", "/interactions/{id}/{token}/callback", path)
    path = re.sub(r"^/webhooks/\d+/[^/]+", "/webhooks/{id}/{token}", path)
    path = re.sub(r"/channels/(\d+)", channel, path)
    path = re.sub(r"/messages/\d+", "/messages/{message}", path)
    path = re.sub(r"/(thread-members|members|users)/\d+", r"/\1/{user}", path)
    path = re.sub(r"/guilds/\d+", "/guilds/{guild}", path)
    path = re.sub(r"/applications/\d+", "/applications/{app}", path)
    return f"{method} {path}"


@dataclass
class RouteFault(Fault):
    """Fails the next call whose normalised route is ``key`` (the sim's own faults match substrings)."""

    server: Any = None
    key: str = ""
    #: Calls to let through first (to fail a step's second call to the route).
    skip: int = 0

    def matches(self, method: str, path: str, channel_id: int | None) -> bool:
        if route_key(self.server, method, path) != self.key.split(" [")[0]:
            return False
        if self.skip:
            self.skip -= 1
            return False
        return True


# -- scenarios --------------------------------------------------------------------------------------
@dataclass
class Scenario:
    name: str
    steps: list[tuple[str, StepFn]]
    setup: Callable[[Sim], Awaitable[Ctx]] | None = None
    config: dict[str, Any] = field(default_factory=dict)
    #: Steps that are not interactions (a tick, a DM): nobody waits for an answer there.
    quiet: tuple[str, ...] = ()
    #: What the user was told was saved is in the database (given every step's result so far).
    told: Callable[[Sim, Ctx, dict[str, InteractionResult | None]], Awaitable[None]] | None = None
    #: After recovery: nothing is left waiting to be posted.
    settled: Callable[[Sim, Ctx], Awaitable[None]] | None = None


def slash(command: str, user: str = "alice", **options: Any) -> StepFn:
    async def step(sim: Sim, ctx: Ctx) -> InteractionResult:
        filled = {k: (v.format(**ctx) if isinstance(v, str) else v) for k, v in options.items()}
        where = ctx.get("thread_channel") if command == "checklist status" else None
        return await sim.slash(command, user=user, channel=where, options=filled)

    return step


def remember(name: str, step: StepFn, keep: Callable[[InteractionResult], Any]) -> StepFn:
    async def wrapped(sim: Sim, ctx: Ctx) -> InteractionResult | None:
        r = await step(sim, ctx)
        if r is not None:
            ctx[name] = keep(r)
        return r

    return wrapped


def click(on: str, label: str, user: str = "alice") -> StepFn:
    async def step(sim: Sim, ctx: Ctx) -> InteractionResult:
        return await sim.click(ctx[on], label, user=user)

    return step


def submit(on: str, values: dict[str, str], user: str = "alice") -> StepFn:
    async def step(sim: Sim, ctx: Ctx) -> InteractionResult:
        return await sim.submit(ctx[on], values, user=user)

    return step


async def tick(sim: Sim, ctx: Ctx) -> None:
    await sim.tick()


# about
ABOUT = Scenario("about", [("about", slash("about", user="dave"))])


# leads
STATUS_OF = {term("en", "status", status): status for status in leads.STATUSES}


async def find_card(sim: Sim, ctx: Ctx) -> None:
    ctx["card"] = sim.channel("leads").with_button("Approve")


async def leads_told(sim: Sim, ctx: Ctx, results: dict[str, InteractionResult | None]) -> None:
    for r in results.values():
        if r is None:
            continue
        for ref in re.findall(r"Logged (L-\d+)", r.text):
            await leads.get_lead(sim.db, sim.guild_id, leads.parse_lead_id(ref))
        for ref in re.findall(r"Note added to (L-\d+)", r.text):
            count = await sim.db.fetchval("SELECT count(*) FROM lead_notes WHERE lead_id = ?", (ref[2:],))
            assert count >= 1, ref
        for ref, was, to in re.findall(r"(L-\d+) moved from (.+?) to (.+?)\.", r.text):
            was, to = STATUS_OF[was], STATUS_OF[to]  # the words a reader sees (in review), back to in_review
            moved = await sim.db.fetchval(
                "SELECT count(*) FROM lead_events WHERE lead_id = ? AND from_status = ? AND to_status = ?",
                (leads.parse_lead_id(ref), was, to),
            )
            assert moved == 1, (ref, was, to)
        for ref in re.findall(r"Your approval of (L-\d+) is recorded", r.text):
            state = await review_state(sim.db, sim.guild_id, leads.parse_lead_id(ref))
            assert state is not None and state.approvals == 1


async def leads_settled(sim: Sim, ctx: Ctx) -> None:
    assert await pending_cards(sim.db, sim.guild_id) == []
    assert await pending_review_cards(sim.db, sim.guild_id) == []
    ids = await sim.db.fetchall("SELECT card_message_id FROM leads")
    posted = {m.id for m in sim.channel("leads").messages}
    assert all(r[0] in posted for r in ids), "a lead card the database calls posted is not in the channel"


LEADS = Scenario(
    "leads",
    [
        (
            "add",
            slash("lead add", user="dave", partner="Europeana", level="global", direction="external", summary="Art"),
        ),
        (
            "add form",
            remember(
                "form",
                slash("lead add", user="dave", partner="Quito Film Archive", level="local", direction="external"),
                lambda r: r.modal,
            ),
        ),
        ("submit form", submit("form", {"summary": "Films", "link": "https://example.org"}, user="dave")),
        (
            "duplicate",
            remember(
                "prompt",
                slash(
                    "lead add",
                    user="dave",
                    partner="Europeana Foundation",
                    level="global",
                    direction="external",
                    summary="Art",
                ),
                lambda r: r.reply,
            ),
        ),
        ("log anyway", click("prompt", "Log anyway", user="dave")),
        ("note", slash("lead note", lead="L-1", text="Met them at the conference.")),
        ("assess", slash("lead move", lead="L-1", status="assessing")),
        ("review", slash("lead move", lead="L-1", status="in_review")),
        ("(find the card)", find_card),
        ("approve", click("card", "Approve", user="carol")),
        ("export", slash("lead export", format="csv")),
    ],
    quiet=("(find the card)",),
    told=leads_told,
    settled=leads_settled,
)


# checklists
async def checklist_setup(sim: Sim) -> Ctx:
    lead = await service_lead(sim, "Europeana", owner="dave")
    other = await service_lead(sim, "Quito Film Archive", owner="dave")
    return {"ref": lead.ref, "lead_id": lead.id, "other": other.ref}


def question(step: StepFn) -> StepFn:
    """Before the step, the run's current question message is ``ctx["q"]``."""

    async def wrapped(sim: Sim, ctx: Ctx) -> InteractionResult | None:
        thread = sim.thread(ctx["ref"])
        ctx["thread_channel"] = thread
        ctx["q"] = thread.last
        return await step(sim, ctx)

    return wrapped


async def archive(sim: Sim, ctx: Ctx) -> None:
    await sim.archive(sim.thread(ctx["ref"]))


async def checklist_told(sim: Sim, ctx: Ctx, results: dict[str, InteractionResult | None]) -> None:
    runs = await checklists.runs_for_lead(sim.db, sim.guild_id, ctx["lead_id"])
    for name, r in results.items():
        if r is None:
            continue
        if "Started Quick check" in r.text or "is saved; its thread" in r.text:
            assert await sim.db.fetchval("SELECT count(*) FROM checklist_runs") >= (1 if name == "start" else 2)
        if "cancelled. Its answers are kept" in r.text:
            assert await sim.db.fetchval("SELECT status FROM checklist_runs WHERE id = 2") == "cancelled"
        if r.updated is not None and "answered by" in r.updated.text:
            qid = {"yes": "fit", "select": "kind", "submit": "give"}[name]
            assert qid in runs[0].answers, name


async def checklist_settled(sim: Sim, ctx: Ctx) -> None:
    assert await checklists.pending_runs(sim.db, sim.guild_id) == []


CHECKLISTS = Scenario(
    "checklists",
    [
        ("start", slash("checklist start", lead="{ref}")),
        ("yes", question(click("q", "Yes"))),
        ("status", question(slash("checklist status"))),
        ("(archive)", archive),
        ("select", question(lambda sim, ctx: sim.select(ctx["q"], ["external"], user="bob"))),
        ("answer", question(remember("text", click("q", "Answer"), lambda r: r.modal))),
        ("submit", submit("text", {"answer": "Two editathons a year"})),
        ("results", slash("checklist results", lead="{ref}")),
        ("start other", slash("checklist start", lead="{other}")),
        ("cancel", slash("checklist cancel", run="2")),
    ],
    setup=checklist_setup,
    quiet=("(archive)",),
    told=checklist_told,
    settled=checklist_settled,
)


# updates
async def updates_told(sim: Sim, ctx: Ctx, results: dict[str, InteractionResult | None]) -> None:
    for r in results.values():
        for number in re.findall(r"Update (\d+) (?:is )?saved", r.text if r else ""):
            await updates.get_update(sim.db, sim.guild_id, int(number))


async def updates_settled(sim: Sim, ctx: Ctx) -> None:
    assert await updates.unposted(sim.db, sim.guild_id) == []
    assert await updates.missing_threads(sim.db, sim.guild_id, since=sim.clock().replace(year=2000)) == []


UPDATES = Scenario(
    "updates",
    [
        ("post", remember("form", slash("update post", area="legal"), lambda r: r.modal)),
        ("submit", submit("form", {"title": "Met the library", "body": "Maps to digitise.", "link": ""})),
        ("list", slash("update list", user="dave")),
    ],
    told=updates_told,
    settled=updates_settled,
)


# digest
async def digest_setup(sim: Sim) -> Ctx:
    await sim.tick()  # the first period starts now
    await service_lead(sim, "Europeana", owner="dave")
    return {}


async def nine_oclock(sim: Sim, ctx: Ctx) -> None:
    sim.advance(hours=1)
    await sim.tick()


async def digest_told(sim: Sim, ctx: Ctx, results: dict[str, InteractionResult | None]) -> None:
    for r in results.values():
        if r is not None and ("Digest posted" in r.text or "The digest is saved" in r.text):
            assert await sim.db.fetchval("SELECT count(*) FROM digest_runs WHERE kind = 'manual'") >= 1


async def digest_settled(sim: Sim, ctx: Ctx) -> None:
    assert await digest.pending_run(sim.db, sim.guild_id) is None
    delivered = await sim.db.fetchval("SELECT count(*) FROM digest_parts WHERE message_id IS NOT NULL")
    assert len(sim.channel("digest").messages) == delivered >= 1


DIGEST = Scenario(
    "digest",
    [
        ("scheduled", nine_oclock),
        ("preview", slash("digest preview")),
        ("send", slash("digest send")),
        ("next", slash("digest next")),
    ],
    setup=digest_setup,
    quiet=("scheduled",),
    told=digest_told,
    settled=digest_settled,
)


# feedback
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")


async def dm(sim: Sim, ctx: Ctx) -> InteractionResult:
    """A DM is answered in the DM: what the bot sent there, as a result like an interaction's."""
    messages = await sim.dm("dave", "The intake form is too long.")
    ctx["preview"] = messages[0] if messages else None
    return InteractionResult(kind="dm", messages=messages)


async def feedback_told(sim: Sim, ctx: Ctx, results: dict[str, InteractionResult | None]) -> None:
    codes = {c for r in results.values() if r is not None for c in CODE.findall(r.text)}
    # A retraction deletes its item even when the answer saying so is lost on the way.
    retracted = 1 if results.get("retract") is not None else 0
    stored = await sim.db.feedback.fetchval("SELECT count(*) FROM feedback_items")
    assert stored >= len(codes) - retracted, (codes, stored)


async def retract(sim: Sim, ctx: Ctx) -> InteractionResult:
    code = ctx.get("code") or "7K3M-Q9TX-2BHD-W4RE"
    return await sim.slash("feedback retract", user="dave", code=code)


async def latest_preview(sim: Sim, ctx: Ctx) -> None:
    ctx["preview"] = sim.dm_channel("dave").with_button("Send anonymously")


def keep_code(r: InteractionResult) -> str | None:
    found = CODE.findall(r.text)
    return found[0] if found else None


FEEDBACK = Scenario(
    "feedback",
    [
        ("dm", dm),
        ("topic", lambda sim, ctx: sim.select(ctx["preview"], ["process"], user="dave")),
        ("(refresh)", latest_preview),
        ("send", remember("code", click("preview", "Send anonymously", user="dave"), keep_code)),
        ("give", remember("form", slash("feedback give", user="dave", topic="general"), lambda r: r.modal)),
        ("submit", submit("form", {"text": "Thank you for the digest."}, user="dave")),
        ("retract", retract),
        ("review", slash("feedback review")),
    ],
    quiet=("(refresh)",),
    told=feedback_told,
)


SCENARIOS = {s.name: s for s in (ABOUT, LEADS, CHECKLISTS, UPDATES, DIGEST, FEEDBACK)}

#: scenario -> {route: the steps whose call to it is failed}. Every route's first step is listed, plus later
#: steps where the same call means something else (a review card, not a lead card). ``step#2``: the
#: step's second call to the route. Callbacks carry their response type in brackets.
CALLBACK = "POST /interactions/{id}/{token}/callback"
FOLLOWUP = "POST /webhooks/{id}/{token}"
ROUTES: dict[str, dict[str, tuple[str, ...]]] = {
    "about": {f"{CALLBACK} [4]": ("about",)},
    "leads": {
        f"{CALLBACK} [4]": ("add", "approve"),
        "POST /channels/{leads}/messages": ("add", "review"),
        f"{CALLBACK} [9]": ("add form",),
        f"{CALLBACK} [7]": ("log anyway",),
        "PATCH /channels/{leads}/messages/{message}": ("note", "approve"),
        "GET /guilds/{guild}/roles/member-counts": ("review",),
        f"{CALLBACK} [5]": ("export",),
        FOLLOWUP: ("export",),
    },
    "checklists": {
        f"{CALLBACK} [5]": ("start",),
        "POST /channels/{leads}/messages": ("start", "submit"),
        "POST /channels/{checklists}/threads": ("start",),
        "PUT /channels/{thread}/thread-members/{user}": ("start",),
        "POST /channels/{thread}/messages": ("start", "start#2", "yes", "submit", "cancel"),
        FOLLOWUP: ("start",),
        f"{CALLBACK} [7]": ("yes", "select", "submit"),
        f"{CALLBACK} [4]": ("status", "results"),
        "PATCH /channels/{thread}": ("select", "cancel"),
        f"{CALLBACK} [9]": ("answer",),
        "PATCH /channels/{leads}/messages/{message}": ("submit",),
        "GET /guilds/{guild}/roles/member-counts": ("submit",),
        "PATCH /channels/{thread}/messages/{message}": ("cancel",),
    },
    "updates": {
        f"{CALLBACK} [9]": ("post",),
        f"{CALLBACK} [5]": ("submit",),
        "POST /channels/{announcements}/messages": ("submit",),
        "POST /channels/{announcements}/messages/{message}/threads": ("submit",),
        "POST /channels/{thread}/messages": ("submit",),
        FOLLOWUP: ("submit",),
        f"{CALLBACK} [4]": ("list",),
    },
    "digest": {
        "POST /channels/{digest}/messages": ("scheduled", "send"),
        "POST /channels/{leads}/messages": ("scheduled",),
        "GET /guilds/{guild}/roles/member-counts": ("scheduled",),
        f"{CALLBACK} [5]": ("preview", "send"),
        FOLLOWUP: ("preview", "send"),
        f"{CALLBACK} [4]": ("next",),
    },
    "feedback": {
        "GET /guilds/{guild}/members/{user}": ("dm",),
        "POST /channels/{dm}/messages": ("dm",),
        f"{CALLBACK} [7]": ("topic", "send"),
        f"{CALLBACK} [9]": ("give",),
        f"{CALLBACK} [4]": ("submit", "retract", "review"),
    },
}


# -- running a scenario -----------------------------------------------------------------------------
async def start(sim_factory: Callable[..., Awaitable[Sim]], tmp_path: Path, scenario: Scenario) -> Sim:
    config = dict(scenario.config)
    if scenario is CHECKLISTS:
        folder = tmp_path / "questionnaires"
        folder.mkdir(exist_ok=True)
        (folder / "quick.yaml").write_text(QUICK, encoding="utf-8")
        config |= {"questionnaires": str(folder), "checklists": {"default": "quick"}}
    return await sim_factory(config=config)


async def discover(sim: Sim, scenario: Scenario) -> dict[str, list[str]]:
    """{route: every ``step#n`` that calls it}, in the order the calls were made."""
    ctx = await scenario.setup(sim) if scenario.setup else {}
    found: dict[str, list[str]] = {}
    for name, step in scenario.steps:
        before = len(sim.server.requests)
        r = await step(sim, ctx)
        seen: dict[str, int] = {}
        for call in sim.server.requests[before:]:
            method, path = call.split(" ", 1)
            key = route_key(sim.server, method, path)
            if key == CALLBACK and r is not None:
                key += f" [{r.response_type}]"
            seen[key] = seen.get(key, 0) + 1
            found.setdefault(key, []).append(name if seen[key] == 1 else f"{name}#{seen[key]}")
    return found


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_routes_list_every_call_the_scenario_makes(
    sim_factory: Callable[..., Awaitable[Sim]], tmp_path: Path, name: str
) -> None:
    scenario = SCENARIOS[name]
    sim = await start(sim_factory, tmp_path, scenario)
    with watch() as problems:
        found = await discover(sim, scenario)
        problems.check()
    listed = ROUTES[name]
    assert sorted(listed) == sorted(found), f"routes the scenario calls differ from ROUTES: {found}"
    for route, steps in listed.items():
        assert steps[0] == found[route][0], f"{route}: first called in {found[route][0]!r}"
        missing = [s for s in steps if s not in found[route]]
        assert not missing, f"{route} is not called in {missing}; it is in {found[route]}"


#: (scenario, step, route) -> a bug in a file this suite may not fix, shown by the case failing.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}

CASES = [
    pytest.param(
        name,
        route,
        step,
        status,
        id=f"{name}|{step}|{route}|{status}",
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(name, step, route)])]
        if (name, step, route) in KNOWN_BUGS
        else [],
    )
    for name, routes in ROUTES.items()
    for route, steps in routes.items()
    for step in steps
    for status in FAILS
]


@pytest.mark.parametrize(("name", "route", "at", "status"), CASES)
async def test_one_failed_call(
    sim_factory: Callable[..., Awaitable[Sim]], tmp_path: Path, name: str, route: str, at: str, status: str
) -> None:
    scenario = SCENARIOS[name]
    sim = await start(sim_factory, tmp_path, scenario)
    at_step, _, nth = at.partition("#")
    with watch() as problems:
        ctx = await scenario.setup(sim) if scenario.setup else {}
        results: dict[str, InteractionResult | None] = {}
        failure = FAILS[status]
        fault = RouteFault(
            failure.get("status", 0),
            1,
            kind=failure.get("kind", "status"),
            seconds=failure.get("seconds", 0.0),
            server=sim.server,
            key=route,
            skip=int(nth or 1) - 1,
        )
        for step_name, step in scenario.steps:
            if step_name == at_step:
                sim.server.faults.append(fault)
            results[step_name] = await step(sim, ctx)
            if step_name == at_step:
                break
        assert fault.remaining == 0, f"{route} was not called (enough) during {at_step!r}"
        sim.server.faults.clear()

        # The user was answered: the normal reply or a private, plain error.
        for step_name, r in results.items():
            if step_name in scenario.quiet:
                continue
            if step_name == "dm" and route == "POST /channels/{dm}/messages":
                # The answer itself failed. A 403 (DMs closed) is said in the server at the next command.
                if status == "403":
                    told = await sim.slash("feedback privacy", user="dave")
                    assert "I could not answer your direct message" in told.text and told.ephemeral
                continue
            assert r is not None and answered(r), f"{step_name}: no answer after {status} on {route}"
            assert_plain(r.text)
            if UNEXPECTED in r.text:
                assert r.ephemeral, f"{step_name}: an error must be private: {r.text!r}"

        # Discord recovers; a minute later the ticks finish whatever was left to post.
        for _ in range(2):
            sim.advance(minutes=1)
            await sim.tick()
        if scenario.told is not None:
            await scenario.told(sim, ctx, results)
        if scenario.settled is not None:
            await scenario.settled(sim, ctx)

        apologies = [t for t in problems.texts(logging.ERROR) if "unexpected error" in t]
        if not route.split(" ", 1)[1].startswith(INTERACTION_ROUTES):
            # A failed post is the bot's to absorb (commit first, retry later), not an apology.
            assert not apologies, apologies
        unhandled = [t for t in problems.errors if "unexpected error" not in t or _not_discord(t)]
        assert not unhandled, "\n\n".join(unhandled)
        assert not problems.locked


def _not_discord(text: str) -> bool:
    """An apology whose cause is not a Discord HTTP failure is a bug in the bot, whatever the route."""
    kinds = ("discord.errors.HTTPException", "DiscordServerError", "Forbidden", "TimeoutError", "ServerDisconnected")
    return not any(kind in text for kind in kinds)


async def test_a_stored_feedback_always_shows_its_code(sim: Sim) -> None:
    (preview,) = await sim.dm("dave", "The intake form is too long.")
    sim.server.faults.append(RouteFault(0, 1, kind="timeout", server=sim.server, key=CALLBACK))
    r = await sim.click(preview, "Send anonymously", user="dave")
    assert await sim.db.feedback.fetchval("SELECT count(*) FROM feedback_items") == 1
    assert CODE.search(r.text), r.text
