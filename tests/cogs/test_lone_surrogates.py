"""Text holding a lone UTF-16 surrogate, sent the way Discord's JSON carries it (the escape ``\\ud800``,
decoded by discord.py's own decoder), on every way text comes in: slash command options, autocomplete,
every form, a select menu and the feedback DM. Each is refused with one clear private message (an
autocomplete gets no choices) and the database is left exactly as it was."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ui.view import BaseView  # View, LayoutView and Modal

from bot.i18n import LANGUAGES, t
from bot.internals import decode_lone_surrogates
from bot.sim import Sim, SimMessage
from bot.sim.models import clone
from bot.ui.guard import UNSTORABLE, carries_lone_surrogate, has_lone_surrogate
from bot.ui.views import BaseModal, GuardedDynamicItem, OwnedView
from tests.cogs.test_checklists import started
from tests.cogs.test_checklists_flags import flagged_and_in_review
from tests.cogs.test_feedback_support import preview
from tests.cogs.test_leads_review import RATIONALE, open_review
from tests.reliability.conftest import ANSWERS, answer, assert_clear_refusal, dump, service_lead, watch

#: What the JSON escape "\ud800" decodes to: the first half of a pair, with no second half.
LONE = "\ud800"
BAD = f"Europeana {LONE} partners"
REFUSAL = "broken character"
#: Discord's interaction callback type for autocomplete choices.
AUTOCOMPLETE_RESULT = 8

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def wired(tmp_path: Path) -> AsyncIterator[Sim]:
    """The ready-made server, every event going to the bot as JSON text, with one lead (L-1, dave's)."""
    started_sim = await Sim.start(tmp_path / "sim", json_wire=True)
    try:
        await service_lead(started_sim, "Europeana", summary="Open access to cultural heritage")
        yield started_sim
    finally:
        await started_sim.close()


async def everything(sim: Sim) -> list[dict[str, tuple[int, str]]]:
    """Every table of the database, and of the feedback store beside it when there is one."""
    databases = [sim.db, getattr(sim.db, "feedback", None)]
    return [await dump(db) for db in databases if db is not None]


async def assert_refused_and_unchanged(sim: Sim, act: Callable[[], Any]) -> None:
    """``act()`` is answered with the clear private refusal, nothing unhandled is logged, and not one
    row of any table changes."""
    before = await everything(sim)
    with watch() as watched:
        r = await act()
        watched.check()
    assert_clear_refusal(r, REFUSAL)
    assert await everything(sim) == before


# -- the pieces ---------------------------------------------------------------------------------------


def test_lone_surrogates_are_found_and_whole_characters_are_not() -> None:
    for text in ("\ud800", "\udc00", "a\udfff", f"🦆{LONE}", "\ude00\ud83d"):  # a pair in the wrong order too
        assert has_lone_surrogate(text), repr(text)
    for text in ("", "plain", "Bibliothèque", "المكتبة", "🦆🏳️‍🌈", "\ufffd", "\U0010ffff"):
        assert not has_lone_surrogate(text), repr(text)
    assert carries_lone_surrogate({"options": [{"name": "partner", "value": BAD}]})
    assert carries_lone_surrogate({"components": [{"components": [{"custom_id": "x", "value": LONE}]}]})
    assert carries_lone_surrogate({"values": ["a", LONE]})
    assert carries_lone_surrogate({LONE: 1})
    assert not carries_lone_surrogate({"options": [{"name": "partner", "value": "🦆", "n": 3, "b": None}]})
    assert not carries_lone_surrogate(None)


def test_discord_py_decodes_an_escaped_lone_surrogate_and_still_refuses_broken_json() -> None:
    decode_lone_surrogates()
    assert discord.utils._from_json('{"content": "a\\ud800b"}') == {"content": "a\ud800b"}
    assert discord.utils._from_json(b'{"content": "\\ud83e\\udd86"}') == {"content": "🦆"}
    with pytest.raises(ValueError):
        discord.utils._from_json('{"content": ')


def test_the_refusal_is_translated() -> None:
    english = t("en", UNSTORABLE)
    assert REFUSAL in english
    for lang in LANGUAGES:
        assert t(lang, UNSTORABLE) != UNSTORABLE
        assert lang == "en" or t(lang, UNSTORABLE) != english


def _ui_classes() -> list[type]:
    """Every view, modal and component class defined in bot/ui and bot/cogs."""
    found: list[type] = []
    for path in [*(REPO / "bot" / "ui").rglob("*.py"), *(REPO / "bot" / "cogs").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
        if names:
            module = importlib.import_module(".".join(path.relative_to(REPO).with_suffix("").parts))
            found += [getattr(module, name) for name in names]
    return [cls for cls in found if issubclass(cls, discord.ui.Item | BaseView)]


def test_every_view_modal_and_item_of_the_bot_goes_through_the_guarded_bases() -> None:
    """The one check lives in the base classes: a view, modal or component that skipped them, or
    replaced their ``interaction_check``, would take text unchecked."""
    bases = (OwnedView, BaseModal, GuardedDynamicItem)
    ui = _ui_classes()
    assert set(bases) <= set(ui)
    assert [f"{cls.__module__}.{cls.__qualname__}" for cls in ui if not issubclass(cls, bases)] == []
    for base in bases:
        assert "refuse_unstorable" in inspect.getsource(base.interaction_check)
    assert [cls.__qualname__ for cls in ui if cls not in bases and "interaction_check" in vars(cls)] == []


# -- slash commands -----------------------------------------------------------------------------------

ADD = {"partner": "Wikidata Lab", "level": "global", "direction": "external", "summary": "A fine summary"}

SLASH_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("lead add", "dave", {**ADD, "partner": BAD}),
    ("lead add", "dave", {**ADD, "sector": BAD}),
    ("lead add", "dave", {**ADD, "entity": BAD}),
    ("lead add", "dave", {**ADD, "summary": BAD}),
    ("lead add", "dave", {**ADD, "link": f"https://example.org/{LONE}"}),
    ("lead add", "dave", {**ADD, "contact": f"{LONE}@example.org"}),
    ("lead add", "dave", {k: v for k, v in {**ADD, "partner": BAD}.items() if k != "summary"}),  # the form path
    ("lead add", "dave", {**ADD, "level": LONE}),  # a choice, forged
    ("lead show", "alice", {"lead": f"L-1{LONE}"}),
    ("lead list", "alice", {"sector": BAD}),
    ("lead search", "alice", {"query": BAD}),
    ("lead move", "alice", {"lead": "L-1", "status": "assessing", "note": BAD}),
    ("lead move", "alice", {"lead": BAD, "status": "assessing"}),
    ("lead note", "alice", {"lead": "L-1", "text": BAD}),
    ("lead note", "alice", {"lead": BAD, "text": "A perfectly good note"}),
    ("lead assign", "alice", {"lead": "L-1", "entity": BAD}),
    ("lead edit", "alice", {"lead": "L-1", "field": "summary", "value": BAD}),
    ("lead edit", "alice", {"lead": "L-1", "field": "partner", "value": BAD}),
    ("lead export", "alice", {"format": LONE}),
    ("checklist start", "alice", {"lead": "L-1", "questionnaire": BAD}),
    ("checklist start", "alice", {"lead": BAD}),
    ("checklist results", "alice", {"lead": BAD}),
    ("checklist cancel", "alice", {"run": BAD}),
    ("update post", "alice", {"area": BAD}),
    ("feedback give", "dave", {"topic": LONE}),
    ("feedback retract", "dave", {"code": f"ABCD-EFGH-JKMN-PQR{LONE}"}),
]


@pytest.mark.parametrize(("command", "user", "options"), SLASH_CASES, ids=lambda v: v if isinstance(v, str) else None)
async def test_slash_command_option_is_refused(wired: Sim, command: str, user: str, options: dict[str, Any]) -> None:
    async def act() -> Any:
        return await wired.slash(command, user=user, options=options)

    await assert_refused_and_unchanged(wired, act)


@pytest.mark.parametrize("command", ["feedback give", "feedback retract"])
async def test_slash_command_in_a_dm_is_refused(wired: Sim, command: str) -> None:
    options = {"topic": LONE} if command == "feedback give" else {"code": BAD}

    async def act() -> Any:
        return await wired.slash(command, user="dave", dm=True, options=options)

    await assert_refused_and_unchanged(wired, act)


async def test_the_refusal_speaks_the_members_language(wired: Sim) -> None:
    r = await wired.slash("lead search", user="alice", locale="fr", query=BAD)
    assert r.ephemeral and r.text == t("fr", UNSTORABLE)


async def test_the_same_command_without_the_broken_character_works(wired: Sim) -> None:
    """The refusal is about the character alone: the same input without it goes through."""
    refused = await wired.slash("lead note", user="alice", lead="L-1", text=f"Met their team {LONE}today")
    assert REFUSAL in refused.text
    done = await wired.slash("lead note", user="alice", lead="L-1", text="Met their team today")
    assert REFUSAL not in done.text
    assert await wired.db.fetchval("SELECT COUNT(*) FROM lead_notes") == 1


# -- autocomplete -------------------------------------------------------------------------------------

AUTOCOMPLETE_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("lead show", "lead", {}),
    ("lead add", "sector", {}),
    ("lead add", "entity", {}),
    ("lead list", "sector", {}),
    ("lead move", "lead", {}),
    ("lead note", "lead", {}),
    ("lead assign", "lead", {}),
    ("lead assign", "entity", {}),
    ("lead edit", "lead", {}),
    ("checklist start", "lead", {}),
    ("checklist start", "questionnaire", {}),
    ("checklist results", "lead", {}),
    ("checklist cancel", "run", {}),
    ("update post", "area", {}),
    ("lead assign", "entity", {"lead": BAD}),  # the broken text in another option than the one typed in
]


@pytest.mark.parametrize(
    ("command", "option", "others"), AUTOCOMPLETE_CASES, ids=lambda v: v if isinstance(v, str) else None
)
async def test_autocomplete_offers_nothing_and_never_fails(
    wired: Sim, command: str, option: str, others: dict[str, Any]
) -> None:
    typed = "Euro" if others else f"Euro{LONE}"
    before = await everything(wired)
    with watch() as watched:
        choices = await wired.autocomplete(command, option, typed, user="alice", **others)
        watched.check()
    record = list(wired.server.interactions.values())[-1]
    assert record.responded and record.result.response_type == AUTOCOMPLETE_RESULT
    assert choices == []
    assert await everything(wired) == before


async def test_autocomplete_without_the_broken_character_still_offers_choices(wired: Sim) -> None:
    assert [c["value"] for c in await wired.autocomplete("lead show", "lead", "Euro", user="alice")] == ["L-1"]
    assert await wired.autocomplete("lead show", "lead", f"Euro{LONE}", user="alice") == []


# -- forms --------------------------------------------------------------------------------------------


async def test_lead_form_is_refused(wired: Sim) -> None:
    opened = await wired.slash("lead add", user="dave", partner="Wikidata Lab", level="global", direction="external")
    assert opened.modal is not None
    await assert_refused_and_unchanged(
        wired, lambda: wired.submit(opened.modal, {"Summary": BAD, "What we offer": "Volunteers"}, user="dave")
    )
    done = await wired.submit(opened.modal, {"Summary": "Linked open data"}, user="dave")
    assert done.text.startswith("Logged L-2: Wikidata Lab.")  # the form still works once the text is fixed


async def test_feedback_form_is_refused(wired: Sim) -> None:
    opened = await wired.slash("feedback give", user="dave", topic="process")
    assert opened.modal is not None
    await assert_refused_and_unchanged(wired, lambda: wired.submit(opened.modal, {"text": BAD}, user="dave"))


async def test_update_form_is_refused(wired: Sim) -> None:
    opened = await wired.slash("update post", user="alice")
    assert opened.modal is not None
    for field in ("title", "body", "link"):
        values = {"title": "Quarterly report", "body": "All went well.", "link": "https://example.org"}
        values[field] = f"{values[field]}{LONE}"
        await assert_refused_and_unchanged(
            wired, lambda values=values: wired.submit(opened.modal, values, user="alice")
        )
    assert wired.channel("announcements").messages == []


async def test_veto_form_is_refused(wired: Sim) -> None:
    _, card = await open_review(wired, "Wikidata Lab")
    opened = await wired.click(card, "Veto", user="erin")
    assert opened.modal is not None
    await assert_refused_and_unchanged(
        wired, lambda: wired.submit(opened.modal, {"rationale": f"{RATIONALE} {LONE}"}, user="erin")
    )


async def test_approval_reason_form_is_refused(tmp_path: Path) -> None:
    sim = await Sim.start(tmp_path / "sim", config={"review": {"quorum": 1, "min_hours": 0}}, json_wire=True)
    try:
        _, _, (_, card) = await flagged_and_in_review(sim)
        opened = await sim.click(card, "Approve", user="carol")
        assert opened.modal is not None
        reason = f"The hard line concerns a past director {LONE}; their board has since changed."
        await assert_refused_and_unchanged(sim, lambda: sim.submit(opened.modal, {"reason": reason}, user="carol"))
    finally:
        await sim.close()


async def test_checklist_text_answer_is_refused(wired: Sim) -> None:
    _, thread = await started(wired, "Wikidata Lab")
    for _, how in ANSWERS:
        if isinstance(how, tuple):
            break
        assert thread.last is not None
        await answer(wired, thread.last, how, "alice")
    question = thread.last
    assert question is not None
    opened = await wired.click(question, "Answer", user="alice")
    assert opened.modal is not None
    await assert_refused_and_unchanged(
        wired, lambda: wired.submit(opened.modal, {"answer": f"Two editathons {LONE}"}, user="alice")
    )


# -- components ---------------------------------------------------------------------------------------


def forged_select(message: SimMessage, value: str) -> SimMessage:
    """``message`` as a modified client would show it: its select menu offering ``value`` too."""
    forged = SimMessage(data=clone(message.data))
    forged.selects[0]["options"].append({"label": "forged", "value": value})
    return forged


async def test_forged_select_value_is_refused(wired: Sim) -> None:
    message = await preview(wired, "dave", "The intake is slow.")
    await assert_refused_and_unchanged(wired, lambda: wired.select(forged_select(message, LONE), [LONE], user="dave"))
    assert [o["value"] for o in message.selects[0]["options"] if o.get("default")] == ["general"]
    sent = await wired.click(message, "Send anonymously", user="dave")  # the draft is still there to send
    assert sent.updated is not None and "Sent anonymously" in sent.updated.text


# -- the feedback DM ----------------------------------------------------------------------------------


async def test_feedback_dm_is_refused_and_nothing_is_kept(wired: Sim) -> None:
    before = await everything(wired)
    with watch() as watched:
        replies = await wired.dm("dave", f"The intake is slow {LONE}")
        watched.check()
    assert [m.text for m in replies] == [t("en", UNSTORABLE)]
    assert replies[0].buttons == [] and replies[0].selects == []
    assert len(wired.bot.services.feedback.drafts) == 0
    assert await everything(wired) == before
    message = await preview(wired, "dave", "The intake is slow")  # the same member may write again at once
    assert message.buttons == ["Send anonymously", "Cancel"]


async def test_feedback_dm_refusal_speaks_the_members_language(wired: Sim) -> None:
    await wired.slash("feedback privacy", user="dave", locale="es-ES")
    [reply] = await wired.dm("dave", BAD)
    assert reply.text == t("es", UNSTORABLE)
