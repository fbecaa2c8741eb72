"""Issue 15, "the first hour", through bot/sim: a refused `/lead add` keeps what was typed and reopens the
form filled with it; statuses inside sentences read as a member reads them; an empty sector leaves no
dangling separator."""

from __future__ import annotations

import pytest

from bot.services import leads
from bot.sim import Sim
from bot.sim.models import InteractionResult, SimModal
from tests.cogs.test_leads_support import assert_refused, lead_of, move_to, service_lead, snapshot

EDIT = "Edit what you typed"
TYPED = {
    "Summary": "Digitised manuscripts for Wikisource",
    "What we offer": "Volunteers and a transcription sprint",
    "What we ask": "Scans under a free licence",
    "Contact (working group only)": "partners@bne.example",
}
GOOD_LINK = "https://www.bne.es"


async def open_form(sim: Sim, **options: str) -> SimModal:
    r = await sim.slash(
        "lead add", user="dave", partner="Biblioteca Nacional", level="national", direction="external",
        **options,
    )  # fmt: skip
    assert r.modal is not None, r
    return r.modal


def values(modal: SimModal) -> dict[str, str | None]:
    return {f.label: f.value for f in modal.fields}


async def reopen(sim: Sim, refused: InteractionResult, user: str = "dave") -> SimModal:
    """Press *Edit what you typed* under a refusal; the form it opens."""
    assert refused.reply is not None and refused.reply.buttons == [EDIT], refused
    r = await sim.click(refused.reply, EDIT, user=user)
    assert r.modal is not None, r
    return r.modal


# -- 1. a refused form keeps what was typed --------------------------------------------------------


async def test_a_bad_link_keeps_what_was_typed_and_the_reopened_form_logs_the_lead(sim: Sim) -> None:
    form = await open_form(sim, sector="GLAM", entity="Wikimedia España")
    before = await snapshot(sim.db)
    refused = await sim.submit(form, {**TYPED, "Link (http or https)": "www.bne.es"}, user="dave")
    await assert_refused(sim, refused, before, "must be a web address starting with http:// or https://")
    assert "kept for 15 minutes" in refused.text
    button = refused.reply.button(EDIT) if refused.reply else None
    assert button is not None and button["custom_id"].startswith("pb:lead:form:")
    assert len(button["custom_id"]) <= 100

    again = await reopen(sim, refused)
    assert values(again) == {**TYPED, "Link (http or https)": "www.bne.es"}  # everything, as typed
    assert again.title == form.title
    done = await sim.submit(again, {"Link (http or https)": GOOD_LINK}, user="dave")
    assert done.text.startswith("Logged L-1: Biblioteca Nacional.")
    # The refusal is replaced by the answer: its button cannot log the lead a second time.
    assert done.updated is refused.reply and refused.reply.buttons == []
    lead = await lead_of(sim, 1)
    assert (lead.summary, lead.offer, lead.ask, lead.contact, lead.link, lead.sector, lead.entity) == (
        TYPED["Summary"], TYPED["What we offer"], TYPED["What we ask"], TYPED["Contact (working group only)"],
        GOOD_LINK, "GLAM", "Wikimedia España",
    )  # fmt: skip
    assert "L-1 · Biblioteca Nacional" in (sim.channel("leads").last or sim.channel("leads")).text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("Summary", "   ", "The summary cannot be empty"),
        ("Summary", "s" * 1001, "summary can be at most 1000 characters (yours has 1001)"),
        ("What we offer", "o" * 1001, "offer can be at most 1000 characters"),
        ("What we ask", "a" * 1001, "ask can be at most 1000 characters"),
        ("Contact (working group only)", "c" * 201, "contact can be at most 200 characters"),
        ("Link (http or https)", "javascript:alert(1)", "http:// or https://"),
        ("Link (http or https)", "https://" + "x" * 600 + ".org", "at most 500 characters"),
    ],
)
async def test_every_refusal_of_the_form_offers_it_again_filled_in(
    sim: Sim, field: str, value: str, needle: str
) -> None:
    form = await open_form(sim)
    before = await snapshot(sim.db)
    typed = {**TYPED, "Link (http or https)": GOOD_LINK, field: value}
    refused = await sim.submit(form, typed, user="dave")
    await assert_refused(sim, refused, before, needle)

    again = await reopen(sim, refused)  # bot/sim refuses a default longer than its field allows
    shown = values(again)
    for label, typed_value in typed.items():
        limit = again.field(label).max_length or len(typed_value)
        assert shown[label] == typed_value[:limit], label
    fixed = {"Summary": "Digitised manuscripts"} if field == "Summary" else {field: ""}
    done = await sim.submit(again, fixed, user="dave")
    assert done.text.startswith("Logged L-1: Biblioteca Nacional."), done.text
    assert (await lead_of(sim, 1)).summary == fixed.get("Summary", TYPED["Summary"])


async def test_a_second_mistake_is_kept_too(sim: Sim) -> None:
    form = await open_form(sim)
    refused = await sim.submit(form, {**TYPED, "Link (http or https)": "bne"}, user="dave")
    again = await reopen(sim, refused)
    refused_again = await sim.submit(again, {"Link (http or https)": "ftp://bne.es"}, user="dave")
    assert "http:// or https://" in refused_again.text and refused_again.reply is None
    assert refused_again.updated is refused.reply  # one refusal message, now about the new mistake
    assert refused.reply is not None and refused.reply.buttons == [EDIT]
    third = (await sim.click(refused.reply, EDIT, user="dave")).modal
    assert third is not None and values(third)["Link (http or https)"] == "ftp://bne.es"
    done = await sim.submit(third, {"Link (http or https)": GOOD_LINK}, user="dave")
    assert "Logged L-1" in done.text and (await lead_of(sim, 1)).link == GOOD_LINK


async def test_a_bad_option_with_an_inline_summary_offers_the_form_filled_in(sim: Sim) -> None:
    before = await snapshot(sim.db)
    refused = await sim.slash(
        "lead add", user="dave", partner="Europeana", level="global", direction="external", sector="GLAM",
        summary="Open access to cultural heritage", link="europeana.eu", contact="partners@europeana.eu",
    )  # fmt: skip
    await assert_refused(sim, refused, before, "http:// or https://")
    form = await reopen(sim, refused)
    assert values(form) == {
        "Summary": "Open access to cultural heritage", "What we offer": None, "What we ask": None,
        "Contact (working group only)": "partners@europeana.eu", "Link (http or https)": "europeana.eu",
    }  # fmt: skip
    done = await sim.submit(form, {"Link (http or https)": "https://www.europeana.eu"}, user="dave")
    assert done.text.startswith("Logged L-1: Europeana.")
    lead = await lead_of(sim, 1)
    assert (lead.sector, lead.link, lead.contact) == ("GLAM", "https://www.europeana.eu", "partners@europeana.eu")


@pytest.mark.parametrize(
    ("options", "needle"),
    [({"partner": "   "}, "cannot be empty"), ({"sector": "astrology"}, "Choose one of: GLAM")],
)
async def test_a_problem_the_form_cannot_fix_is_refused_as_before(
    sim: Sim, options: dict[str, str], needle: str
) -> None:
    before = await snapshot(sim.db)
    options = {"partner": "Europeana", "level": "global", "direction": "external", "link": "bad", **options}
    r = await sim.slash("lead add", user="dave", **options)
    await assert_refused(sim, r, before, needle)
    assert r.reply is not None and r.reply.buttons == [] and r.modal is None


async def test_what_was_typed_is_kept_for_a_limited_time_and_only_for_its_author(sim: Sim) -> None:
    form = await open_form(sim)
    refused = await sim.submit(form, {**TYPED, "Link (http or https)": "bne"}, user="dave")
    assert refused.reply is not None
    other = await sim.click(refused.reply, EDIT, user="bob")
    assert other.modal is None and "belong to the person who ran the command" in other.text
    sim.advance(minutes=14)
    assert (await sim.click(refused.reply, EDIT, user="dave")).modal is not None
    sim.advance(minutes=2)
    late = await sim.click(refused.reply, EDIT, user="dave")
    assert late.modal is None and late.ephemeral
    assert "no longer kept" in late.text and "`/lead add`" in late.text
    assert len(sim.bot.services.leads.forms) == 0


async def test_a_restart_forgets_what_was_typed_and_says_so(sim: Sim) -> None:
    form = await open_form(sim)
    refused = await sim.submit(form, {**TYPED, "Link (http or https)": "bne"}, user="dave")
    assert refused.reply is not None
    await sim.restart()
    late = await sim.click(refused.reply, EDIT, user="dave")
    assert late.modal is None and "no longer kept" in late.text


async def test_the_form_and_its_button_are_translated(sim: Sim) -> None:
    r = await sim.slash(
        "lead add", user="dave", partner="Europeana", level="global", direction="external", locale="es-ES"
    )
    assert r.modal is not None
    refused = await sim.submit(r.modal, {"summary": "Acceso abierto", "link": "europeana"}, locale="es-ES", user="dave")
    assert refused.reply is not None and refused.reply.buttons == ["Editar lo que escribiste"]
    assert "15 minutos" in refused.text
    again = await sim.click(refused.reply, "Editar lo que escribiste", user="dave", locale="es-ES")
    assert again.modal is not None and again.modal.field("summary").value == "Acceso abierto"


# -- 2. statuses in sentences read as a member reads them ------------------------------------------


async def test_moves_and_refusals_name_statuses_in_words(sim: Sim) -> None:
    lead = await service_lead(sim, "Europeana", owner="alice")
    await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")
    r = await sim.slash("lead move", user="alice", lead=lead.ref, status="in_review")
    assert r.text.startswith(f"{lead.ref} moved from assessing to in review.")
    before = await snapshot(sim.db)
    r = await sim.slash("lead move", user="carol", lead=lead.ref, status="in_review")
    await assert_refused(sim, r, before, f"{lead.ref} is already in review.")
    r = await sim.slash("lead move", user="carol", lead=lead.ref, status="active")
    await assert_refused(sim, r, before, "cannot move from in review to active.", "Moves you can make from in review: ")
    r = await sim.slash("lead move", user="carol", lead=lead.ref, status="active", locale="es-ES")
    await assert_refused(sim, r, before, "en revisión")
    assert "in_review" not in r.text
    choices = await sim.autocomplete("lead show", "lead", "Europ", user="alice")
    assert choices[0]["name"] == f"{lead.ref} · Europeana (in review)"
    history = await sim.slash("lead show", user="alice", lead=lead.ref)
    assert "assessing → in review" in history.text and "in_review" not in history.text


async def test_a_veto_in_the_digest_reads_in_words(sim: Sim) -> None:
    await sim.tick()  # the digest's first period starts now
    lead = await service_lead(sim, "City Museum", owner="alice")
    await move_to(sim, lead, "assessing", "in_review")
    await sim.tick()  # posts the review card
    card = sim.channel("leads").with_button("Veto")
    assert card is not None
    r = await sim.click(card, "Veto", user="carol")
    await sim.submit(r.modal, {"rationale": "Their licence terms are incompatible with ours."}, user="carol")
    sim.advance(minutes=1)  # a period ends before its last second
    preview = await sim.slash("digest preview", user="bob")
    assert "(was in review, now vetoed)" in preview.text, preview.text
    assert "in_review" not in preview.text


# -- 3. an empty sector leaves no dangling separator -----------------------------------------------


async def test_a_lead_without_a_sector_shows_no_empty_part(sim: Sim) -> None:
    await sim.tick()  # the digest's first period starts now
    r = await sim.slash(
        "lead add", user="dave", partner="Europeana", level="global", direction="external", summary="Heritage"
    )
    assert "**logged** · global · external\n" in r.text, r.text
    card = sim.channel("leads").last
    assert card is not None and "**logged** · global · external\n" in card.text
    for text in (r.text, card.text):
        assert "— ·" not in text and "· ·" not in text and " · \n" not in text
    await service_lead(sim, "Prado", sector="GLAM")
    sim.advance(minutes=1)
    preview = await sim.slash("digest preview", user="bob")
    assert "**L-1** Europeana · global, external · logged <t:" in preview.text
    assert "global, external, GLAM · logged" in preview.text
    assert "— ·" not in preview.text and ", —" not in preview.text


async def test_the_pipeline_words_stay_for_commands(sim: Sim) -> None:
    """docs/design.md section 9: statuses are the pipeline words where commands take them."""
    names = {c["name"] for c in sim.synced_commands}
    assert "lead" in names
    lead_command = next(c for c in sim.synced_commands if c["name"] == "lead")
    move = next(o for o in lead_command["options"] if o["name"] == "move")
    status = next(o for o in move["options"] if o["name"] == "status")
    assert "in_review" in {c["value"] for c in status["choices"]}
    assert leads.STATUSES[2] == "in_review"
