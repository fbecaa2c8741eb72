"""`/lead add|show|list|search|note|assign|edit|export` end to end through bot/sim: what each member sees,
the duplicate prompt with each of its buttons, the cards in the leads channel, and every bad input."""

from __future__ import annotations

import csv
import html
import io
import json

import discord
import pytest

from bot.services import leads
from bot.services.leads.cards import card_job
from bot.services.leads.queries import lead_detail
from bot.services.leads.service import log_lead
from bot.sim import Sim
from tests.cogs.test_leads_support import add_lead, assert_refused, lead_of, service_lead, snapshot

# -- /lead add ------------------------------------------------------------------------------------


async def test_add_with_summary_replies_privately_and_posts_the_card(sim: Sim) -> None:
    r = await sim.slash(
        "lead add",
        user="dave",
        partner="Europeana",
        level="global",
        direction="external",
        sector="GLAM",
        tier="collaborative",
        entity="Wikimedia Deutschland",
        summary="Open access to cultural heritage",
        link="https://www.europeana.eu",
        contact="partners@europeana.eu",
    )
    assert r.ephemeral
    assert r.text.startswith("Logged L-1: Europeana.")
    lead = await lead_of(sim, 1)
    assert (lead.partner, lead.sector, lead.tier, lead.entity, lead.owner_id) == (
        "Europeana", "GLAM", "collaborative", "Wikimedia Deutschland", sim.member("dave").id,
    )  # fmt: skip
    card = sim.channel("leads").last
    assert card is not None and "L-1 · Europeana" in card.text and "Open access to cultural heritage" in card.text
    assert "partners@europeana.eu" not in card.text  # contacts stay out of the channel
    assert "partners@europeana.eu" in r.text  # the logger sees what they typed


async def test_add_without_summary_opens_the_form(sim: Sim) -> None:
    r = await sim.slash(
        "lead add", user="dave", partner="Biblioteca Nacional", level="national", direction="external",
        link="https://bne.es",
    )  # fmt: skip
    assert r.modal is not None and [f.label for f in r.modal.fields] == [
        "Summary", "What we offer", "What we ask", "Contact (working group only)", "Link (http or https)",
    ]  # fmt: skip
    assert r.modal.field("link").value == "https://bne.es"
    assert not (await snapshot(sim.db))["leads"]  # nothing is saved before the form comes back
    done = await sim.submit(
        r.modal,
        {"Summary": "Digitised manuscripts", "What we offer": "Volunteers", "What we ask": "Scans"},
        user="dave",
    )
    assert done.ephemeral and done.text.startswith("Logged L-1: Biblioteca Nacional.")
    lead = await lead_of(sim, 1)
    assert (lead.summary, lead.offer, lead.ask, lead.link) == (
        "Digitised manuscripts",
        "Volunteers",
        "Scans",
        "https://bne.es",
    )
    assert "L-1 · Biblioteca Nacional" in (sim.channel("leads").last or sim.channel("leads")).text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"partner": ""}, "cannot be empty"),
        ({"partner": "   "}, "cannot be empty"),
        ({"partner": "x" * 101}, "at most 100 characters (yours has 101)"),
        ({"summary": "s" * 1001}, "summary can be at most 1000 characters"),
        ({"link": "ftp://files.example.org"}, "must be a web address starting with http:// or https://"),
        ({"link": "not a link"}, "http:// or https://"),
        ({"sector": "astrology"}, "Choose one of: GLAM, education"),
    ],
)
async def test_add_bad_input_is_refused_privately_and_saves_nothing(
    sim: Sim, options: dict[str, str], needle: str
) -> None:
    await service_lead(sim, "Existing")
    before = await snapshot(sim.db)
    channel_before = len(sim.channel("leads").messages)
    options = {"partner": "Europeana", "level": "global", "direction": "external", "summary": "ok", **options}
    r = await sim.slash("lead add", user="dave", **options)
    await assert_refused(sim, r, before, needle)
    assert r.modal is None
    assert len(sim.channel("leads").messages) == channel_before


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("What we offer", "o" * 1001, "offer can be at most 1000 characters"),
        ("What we ask", "a" * 1001, "ask can be at most 1000 characters"),
        ("Link (http or https)", "javascript:alert(1)", "http:// or https://"),
    ],
)
async def test_form_bad_input_is_refused_and_saves_nothing(sim: Sim, field: str, value: str, needle: str) -> None:
    r = await sim.slash("lead add", user="dave", partner="Europeana", level="global", direction="external")
    before = await snapshot(sim.db)
    done = await sim.submit(r.modal, {"Summary": "Fine", field: value}, user="dave")
    await assert_refused(sim, done, before, needle)


async def test_mentions_and_right_to_left_names_are_stored_as_typed(sim: Sim) -> None:
    assert sim.bot.allowed_mentions is not None
    assert sim.bot.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()
    partner = "مكتبة الإسكندرية @everyone"
    summary = "Ask <@&123> and @here about राष्ट्रीय संग्रहालय"
    lead = await add_lead(sim, partner, summary=summary)
    assert (lead.partner, lead.summary) == (partner, summary)
    card = sim.channel("leads").last
    assert card is not None and partner in card.text and "<@&123>" in card.text
    assert card.data["mention_everyone"] is False and card.data["mention_roles"] == []


# -- duplicates -----------------------------------------------------------------------------------


async def duplicate_prompt(sim: Sim, name: str = "Europeana Foundation, Inc.") -> tuple[leads.Lead, object]:
    """The full prompt, as the working group (bob) gets it (members: tests/cogs/test_leads_privacy.py)."""
    original = await add_lead(sim, "Europeana", user="alice")
    r = await sim.slash(
        "lead add", user="bob", partner=name, level="global", direction="external", summary="Second try",
        contact="someone@example.org",
    )  # fmt: skip
    assert r.ephemeral and "This may already be logged" in r.text and "L-1" in r.text
    assert r.reply is not None and r.reply.buttons == ["Log anyway", "Add as a note to L-1", "Cancel"]
    return original, r.reply


async def test_duplicate_log_anyway(sim: Sim) -> None:
    _, prompt = await duplicate_prompt(sim)
    cards = len(sim.channel("leads").messages)
    r = await sim.click(prompt, "Log anyway", user="bob")  # type: ignore[arg-type]
    assert r.updated is not None and r.updated.text.startswith("Logged L-2: Europeana Foundation, Inc.")
    assert r.updated.buttons == []
    assert (await lead_of(sim, 2)).summary == "Second try"
    assert len(sim.channel("leads").messages) == cards + 1


async def test_a_prompt_or_form_left_open_across_a_restart_says_it_expired(sim: Sim) -> None:
    _, prompt = await duplicate_prompt(sim)
    form = await sim.slash(
        "lead add", user="dave", partner="Biblioteca Nacional", level="national", direction="external"
    )
    assert form.modal is not None
    before = await snapshot(sim.db)
    await sim.restart()
    pressed = await sim.click(prompt, "Log anyway", user="bob")  # type: ignore[arg-type]
    assert pressed.reply is not None and pressed.ephemeral and "These buttons have expired" in pressed.text
    submitted = await sim.submit(form.modal, {"Summary": "Digitised manuscripts"}, user="dave")
    assert submitted.reply is not None and submitted.ephemeral
    assert "This form has expired, so nothing was saved" in submitted.text
    assert await snapshot(sim.db) == before
    # What is still alive answers as before.
    again = await sim.slash("lead add", user="dave", partner="Quito Film Archive", level="local", direction="external")
    assert again.modal is not None
    done = await sim.submit(again.modal, {"Summary": "Films"}, user="dave")
    assert done.text.startswith("Logged L-2: Quito Film Archive.") and "expired" not in done.text


async def test_duplicate_add_as_a_note(sim: Sim) -> None:
    original, prompt = await duplicate_prompt(sim)
    before = await snapshot(sim.db)
    r = await sim.click(prompt, "Add as a note to L-1", user="bob")  # type: ignore[arg-type]
    assert r.updated is not None and "Added what you typed as a note to L-1" in r.updated.text
    after = await snapshot(sim.db)
    assert len(after["leads"]) == len(before["leads"]) == 1
    detail = await lead_detail(
        sim.db, sim.guild_id, original.id, viewer_id=1, viewer_access=leads.pipeline.Access.REVIEWER
    )
    [note] = detail.notes
    assert (
        "Europeana Foundation, Inc." in note.text and "Second try" in note.text and "someone@example.org" in note.text
    )
    assert note.author_id == sim.member("bob").id


async def test_duplicate_cancel_saves_nothing(sim: Sim) -> None:
    _, prompt = await duplicate_prompt(sim)
    before = await snapshot(sim.db)
    r = await sim.click(prompt, "Cancel", user="bob")  # type: ignore[arg-type]
    assert r.updated is not None and "Cancelled. Nothing was saved." in r.updated.text
    assert await snapshot(sim.db) == before


async def test_duplicate_buttons_are_only_for_the_logger(sim: Sim) -> None:
    _, prompt = await duplicate_prompt(sim)
    before = await snapshot(sim.db)
    r = await sim.click(prompt, "Log anyway", user="alice")  # type: ignore[arg-type]
    await assert_refused(sim, r, before, "These buttons belong to the person who ran the command.")


async def test_duplicate_found_by_alias_and_in_other_scripts(sim: Sim) -> None:
    await service_lead(sim, "National Library of India", aliases=("राष्ट्रीय पुस्तकालय",))
    r = await sim.slash(
        "lead add", user="dave", partner="राष्ट्रीय पुस्तकालय", level="national", direction="external", summary="x"
    )
    assert "This may already be logged" in r.text and "L-1" in r.text
    # A different vowel sign is a different word: no prompt.
    r = await sim.slash(
        "lead add", user="dave", partner="राष्ट्रीय पुस्तकालया संस्थान", level="national", direction="external", summary="x"
    )
    assert "Logged L-2" in r.text


# -- hard lines -----------------------------------------------------------------------------------


async def test_hard_line_flag_travels_with_the_lead(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim = await sim_factory(
        config={
            "leads": {
                "hard_lines": [{"name": "arms", "patterns": ["weapons?"], "message": "Arms trade is a hard line."}]
            }
        }
    )
    lead = await add_lead(sim, "Defence Expo", summary="A fair for weapons makers")
    assert [f.message for f in lead.flags] == ["Arms trade is a hard line."]
    card = sim.channel("leads").last
    assert card is not None and "⚠ high: Arms trade is a hard line." in card.text
    shown = await sim.slash("lead show", user="alice", lead=lead.ref)
    assert "Arms trade is a hard line." in shown.text
    flagged, _ = await leads.needs_attention(sim.db, sim.guild_id, sim.clock(), 30)
    assert [x.id for x in flagged] == [lead.id]


# -- cards survive Discord failures ---------------------------------------------------------------


async def test_card_refused_by_discord_is_posted_by_the_tick(sim: Sim) -> None:
    sim.fail_next(503, channel="leads")
    lead = await add_lead(sim, "Europeana")
    assert sim.channel("leads").messages == []
    assert await card_job(sim.db, sim.guild_id, lead.id) is not None
    await sim.tick()
    [card] = sim.channel("leads").messages
    assert "L-1 · Europeana" in card.text
    await sim.tick()
    assert len(sim.channel("leads").messages) == 1


async def test_card_follows_changes(sim: Sim) -> None:
    lead = await add_lead(sim, "Europeana")
    [card] = sim.channel("leads").messages
    await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")
    assert "assessing" in card.text and len(sim.channel("leads").messages) == 1


# -- reading --------------------------------------------------------------------------------------


async def test_show_history_and_notes_for_the_working_group(sim: Sim) -> None:
    lead = await add_lead(sim, "Europeana", contact="partners@europeana.eu")
    await sim.slash("lead note", user="alice", lead=lead.ref, text="Met them at GLAM camp")
    await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")
    r = await sim.slash("lead show", user="bob", lead=str(lead.id))
    assert r.ephemeral
    assert "History" in r.text and "logged by" in r.text and "logged → assessing" in r.text
    assert "Notes" in r.text and "Met them at GLAM camp" in r.text
    assert "partners@europeana.eu" in r.text


async def test_permissions_for_the_three_roles(sim: Sim) -> None:
    own = await add_lead(sim, "Dave's lead", user="dave", contact="dave-contact@example.org")
    hidden = await service_lead(sim, "Working group only", owner="alice")
    public = await service_lead(sim, "Public lead", owner="alice", visibility="public")
    await sim.slash("lead note", user="alice", lead=own.ref, text="internal remark")
    before = await snapshot(sim.db)

    # Member: own and public leads, no notes, no contact, no working-group commands.
    r = await sim.slash("lead show", user="dave", lead=own.ref)
    assert "Dave's lead" in r.text and "internal remark" not in r.text and "dave-contact" not in r.text
    assert "Public lead" in (await sim.slash("lead show", user="dave", lead=public.ref)).text
    refused = await sim.slash("lead show", user="dave", lead=hidden.ref)
    await assert_refused(sim, refused, before, f"There is no lead {hidden.ref} that you can see")
    listed = await sim.slash("lead list", user="dave")
    assert "Leads (2)" in listed.text and "Working group only" not in listed.text
    for command, options in (
        ("lead note", {"lead": own.ref, "text": "x"}),
        ("lead assign", {"lead": own.ref, "entity": "Wikimedia UK"}),
        ("lead edit", {"lead": own.ref, "field": "summary", "value": "new"}),
        ("lead export", {"format": "csv"}),
    ):
        r = await sim.slash(command, user="dave", **options)
        await assert_refused(sim, r, before, "Only the working group can do that.")
    r = await sim.slash("lead move", user="dave", lead=own.ref, status="assessing")
    await assert_refused(sim, r, before, "Only the working group can do that.")

    # Working group: everything, but no vetoes.
    assert "Working group only" in (await sim.slash("lead show", user="alice", lead=hidden.ref)).text
    assert "internal remark" in (await sim.slash("lead show", user="alice", lead=own.ref)).text
    await leads.transition(
        sim.db,
        sim.guild_id,
        hidden.id,
        "assessing",
        actor_id=1,
        actor_access=leads.pipeline.Access.REVIEWER,
        note=None,
        now=sim.clock(),
    )
    await leads.transition(
        sim.db,
        sim.guild_id,
        hidden.id,
        "in_review",
        actor_id=1,
        actor_access=leads.pipeline.Access.REVIEWER,
        note=None,
        now=sim.clock(),
    )
    before = await snapshot(sim.db)
    r = await sim.slash(
        "lead move", user="alice", lead=hidden.ref, status="vetoed", note="Not aligned with our values at all."
    )
    await assert_refused(sim, r, before, "Only reviewers can do that.")

    # Reviewer: may veto (with a rationale).
    r = await sim.slash(
        "lead move", user="carol", lead=hidden.ref, status="vetoed", note="Not aligned with our values at all."
    )
    assert "moved from in review to vetoed" in r.text
    # The owner may withdraw their own lead.
    r = await sim.slash("lead move", user="dave", lead=own.ref, status="withdrawn")
    assert "moved from logged to withdrawn" in r.text


async def test_unknown_and_other_guild_leads(sim: Sim) -> None:
    other = await log_lead(
        sim.db, 999, leads.LeadDraft(partner="Elsewhere", level="global", direction="external"), owner_id=1,
        now=sim.clock(), settings=sim.settings.leads, check_duplicates=False,
    )  # fmt: skip
    assert other.lead is not None
    before = await snapshot(sim.db)
    for value in ("L-999", "banana", other.lead.ref):
        r = await sim.slash("lead show", user="alice", lead=value)
        await assert_refused(sim, r, before, "There is no lead")
        r = await sim.slash("lead move", user="alice", lead=value, status="assessing")
        await assert_refused(sim, r, before, "There is no lead")
        r = await sim.slash("lead note", user="alice", lead=value, text="hello")
        await assert_refused(sim, r, before, "There is no lead")


async def test_list_pages_with_previous_and_next_only_for_the_invoker(sim: Sim) -> None:
    for i in range(23):
        await service_lead(sim, f"Partner {i:02d}", owner="alice")
    r = await sim.slash("lead list", user="bob")
    assert r.ephemeral and "Leads (23)" in r.text and "Page 1 of 3" in r.text and "Partner 22" in r.text
    page = r.reply
    assert page is not None and page.buttons == ["Previous", "Next"]
    assert page.button("Previous")["disabled"] is True  # type: ignore[index]
    nxt = await sim.click(page, "Next", user="bob")
    assert nxt.updated is not None and "Page 2 of 3" in nxt.updated.text and "Partner 12" in nxt.updated.text
    last = await sim.click(nxt.updated, "Next", user="bob")
    assert last.updated is not None and "Page 3 of 3" in last.updated.text and "Partner 00" in last.updated.text
    assert last.updated.button("Next")["disabled"] is True  # type: ignore[index]
    back = await sim.click(last.updated, "Previous", user="bob")
    assert back.updated is not None and "Page 2 of 3" in back.updated.text
    stranger = await sim.click(back.updated, "Next", user="alice")
    assert stranger.ephemeral and "belong to the person who ran the command" in stranger.text
    filtered = await sim.slash(
        "lead list", user="bob", status="logged", level="global", direction="external", mine=True
    )
    assert "Leads (0)" in filtered.text and "No leads match." in filtered.text
    await service_lead(sim, "Sector test", owner="alice", sector="GLAM")
    by_sector = await sim.slash("lead list", user="bob", sector="glam")
    assert "Leads (1)" in by_sector.text and "Sector test" in by_sector.text


async def test_search(sim: Sim) -> None:
    await add_lead(sim, "Museo del Prado", user="alice", summary="Paintings and open access images")
    await add_lead(sim, "北京大学图书馆", user="alice", summary="大学 library")
    r = await sim.slash("lead search", user="alice", query="open access")
    assert r.ephemeral and "Museo del Prado" in r.text
    assert "图书馆" in (await sim.slash("lead search", user="alice", query="图书馆")).text
    nothing = await sim.slash("lead search", user="alice", query="zzzz")
    assert "Nothing matches." in nothing.text
    before = await snapshot(sim.db)
    empty = await sim.slash("lead search", user="alice", query='"')
    await assert_refused(sim, empty, before, "Type at least one word")
    # Members search only what they may see.
    assert "Nothing matches." in (await sim.slash("lead search", user="dave", query="Prado")).text


async def test_search_ignores_control_characters_and_keeps_every_script(sim: Sim) -> None:
    await add_lead(sim, "Europeana", user="alice", summary="Digitised heritage")
    await add_lead(sim, "مَكتبة الإسكندرية", user="alice", summary="Library of Alexandria")
    await add_lead(sim, "کتاب\u200cخانه ملی", user="alice", summary="National library of Iran")
    found = await sim.slash("lead search", user="alice", query="Euro\x00peana")
    assert found.ephemeral and "Europeana" in found.text
    assert "الإسكندرية" in (await sim.slash("lead search", user="alice", query="\x07مَكتبة\x1b")).text
    assert "ملی" in (await sim.slash("lead search", user="alice", query="کتاب\u200cخانه")).text
    before = await snapshot(sim.db)
    only_controls = await sim.slash("lead search", user="alice", query="\x00\x01\u200e")
    await assert_refused(sim, only_controls, before, "Type at least one word")
    choices = await sim.autocomplete("lead note", "lead", "Euro\x00", user="alice")
    assert [c["value"] for c in choices] == ["L-1"]


async def test_autocomplete_by_id_and_name(sim: Sim) -> None:
    await service_lead(sim, "Europeana", owner="alice")
    await service_lead(sim, "European Library", owner="alice")
    choices = await sim.autocomplete("lead show", "lead", "Euro", user="alice")
    assert {c["value"] for c in choices} == {"L-1", "L-2"}
    assert any(c["name"].startswith("L-1 · Europeana") for c in choices)
    by_id = await sim.autocomplete("lead move", "lead", "L-2", user="alice")
    assert by_id[0]["value"] == "L-2"
    assert await sim.autocomplete("lead show", "lead", "Euro", user="dave") == []
    sectors = await sim.autocomplete("lead add", "sector", "edu", user="dave")
    assert [c["value"] for c in sectors] == ["education"]


# -- changing -------------------------------------------------------------------------------------


async def test_note_assign_edit(sim: Sim) -> None:
    lead = await add_lead(sim, "Europeana")
    r = await sim.slash("lead note", user="alice", lead=lead.ref, text="Called them")
    assert r.ephemeral and "Note added to L-1." in r.text
    r = await sim.slash("lead assign", user="alice", lead=lead.ref, entity="Wikimedia Deutschland")
    assert "L-1 is now assigned to Wikimedia Deutschland." in r.text
    entities = await sim.autocomplete("lead assign", "entity", "deutsch", user="alice", lead=lead.ref)
    assert [c["value"] for c in entities] == ["Wikimedia Deutschland"]
    r = await sim.slash("lead edit", user="alice", lead=lead.ref, field="aliases", value="EF, Europeana Foundation")
    assert "L-1: aliases updated." in r.text
    r = await sim.slash("lead edit", user="alice", lead=lead.ref, field="visibility", value="public")
    after = await lead_of(sim, lead)
    assert after.aliases == ("EF", "Europeana Foundation") and after.visibility == "public"
    assert after.entity == "Wikimedia Deutschland"
    assert "Also known as" in (sim.channel("leads").last or sim.channel("leads")).text  # type: ignore[union-attr]
    before = await snapshot(sim.db)
    for options, needle in (
        ({"field": "link", "value": "gopher://old"}, "http:// or https://"),
        ({"field": "summary", "value": "s" * 1001}, "at most 1000 characters"),
        ({"field": "partner", "value": "   "}, "cannot be empty"),
        ({"field": "visibility", "value": "public"}, "already has that visibility"),
    ):
        r = await sim.slash("lead edit", user="alice", lead=lead.ref, **options)
        await assert_refused(sim, r, before, needle)
    r = await sim.slash("lead note", user="alice", lead=lead.ref, text="n" * 1001)
    await assert_refused(sim, r, before, "note can be at most 1000 characters")


# -- export ---------------------------------------------------------------------------------------


async def test_export_in_three_formats_parsed_back(sim: Sim) -> None:
    lead = await add_lead(sim, "Europeana", contact="+44 20 7946 0000", summary="Open | {{access}} [[here]]")
    await add_lead(sim, "=cmd|' /C calc'!A0", user="alice", summary="-2+3")
    await sim.slash("lead note", user="alice", lead=lead.ref, text="Met them")
    await sim.slash("lead move", user="alice", lead=lead.ref, status="assessing")

    r = await sim.slash("lead export", user="alice", format="csv")
    assert r.ephemeral and "2 leads exported as csv." in r.text
    data = r.file()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row["partner"] for row in rows] == ["Europeana", "'=cmd|' /C calc'!A0"]
    assert rows[0]["contact"] == "'+44 20 7946 0000" and rows[1]["summary"] == "'-2+3"

    r = await sim.slash("lead export", user="alice", format="json")
    document = json.loads(r.file())
    first = document["leads"][0]
    assert first["contact"] == "+44 20 7946 0000" and first["notes"][0]["text"] == "Met them"
    assert [h["kind"] for h in first["history"]] == ["created", "note", "status"]

    await sim.slash("lead edit", user="alice", lead=lead.ref, field="visibility", value="public")
    r = await sim.slash("lead export", user="alice", format="wikitext", status="assessing")
    assert "1 public lead exported as wikitext. 0 working-group-only leads left out." in r.text
    text = r.file().decode("utf-8")
    assert text.startswith('{| class="wikitable sortable"') and text.rstrip().endswith("|}")
    row = text.split("|-\n")[1].split("\n")[0]
    cells = [html.unescape(c) for c in row[2:].split(" || ")]
    assert cells[0] == "L-1" and cells[8] == "Open | {{access}} [[here]]"
    assert "{{access}}" not in text and "[[here]]" not in text


async def test_wikitext_export_publishes_public_leads_only(sim: Sim) -> None:
    public = await add_lead(sim, "Open Library", user="alice", summary="Books for everyone")
    await add_lead(sim, "Quiet Bank", user="alice", summary="Confidential talks")
    await add_lead(sim, "Dave's Museum", user="dave", summary="Only dave and the working group see it")
    await sim.slash("lead edit", user="alice", lead=public.ref, field="visibility", value="public")
    r = await sim.slash("lead export", user="alice", format="wikitext")
    assert r.ephemeral and "1 public lead exported as wikitext. 2 working-group-only leads left out." in r.text
    text = r.file().decode("utf-8")
    assert "Open Library" in text and "Books for everyone" in text
    for hidden in ("Quiet Bank", "Confidential", "L-2", "Museum", "L-3"):
        assert hidden not in text, hidden
    r = await sim.slash("lead export", user="alice", format="wikitext", locale="fr")
    assert "1 piste publique exportée en wikitext. 2 pistes réservées au groupe de travail laissées de côté." in r.text
    # csv and json stay complete for the working group.
    r = await sim.slash("lead export", user="alice", format="csv")
    assert "3 leads exported as csv." in r.text and b"Quiet Bank" in r.file()
    r = await sim.slash("lead export", user="alice", format="json")
    assert [x["partner"] for x in json.loads(r.file())["leads"]] == ["Open Library", "Quiet Bank", "Dave's Museum"]


# -- naming a lead by its partner's name -----------------------------------------------------------


async def test_a_lead_option_takes_an_exact_partner_name_or_alias(sim: Sim) -> None:
    prado = await add_lead(sim, "Museo del Prado", user="alice")
    await sim.slash("lead edit", user="alice", lead=prado.ref, field="aliases", value="MNP, Prado Museum")
    await add_lead(sim, "Bibliothèque nationale de France", user="alice")
    shown = await sim.slash("lead show", user="alice", lead="  museo   DEL prado ")
    assert shown.ephemeral and f"{prado.ref} · Museo del Prado" in shown.text
    noted = await sim.slash("lead note", user="alice", lead="prado museum", text="Met them in Madrid.")
    assert noted.text == f"Note added to {prado.ref}."
    moved = await sim.slash("lead move", user="alice", lead="MNP", status="assessing")
    assert f"{prado.ref} moved from logged to assessing" in moved.text
    # Latin accents aside, as the autocomplete does.
    by_accentless = await sim.slash("lead show", user="alice", lead="Bibliotheque Nationale de France")
    assert "L-2 · Bibliothèque nationale de France" in by_accentless.text
    started = await sim.slash("checklist start", user="alice", lead="Museo del Prado")
    assert started.ephemeral and f"for {prado.ref}" in started.text
    results = await sim.slash("checklist results", user="alice", lead="museo del prado")
    assert results.ephemeral and "There is no lead" not in results.text


async def test_a_name_that_several_leads_have_asks_for_an_id(sim: Sim) -> None:
    await service_lead(sim, "Europeana", owner="alice")
    await service_lead(sim, "europeana", owner="alice")
    await service_lead(sim, "Wikimedia UK", owner="alice", aliases=("Europeana",))
    before = await snapshot(sim.db)
    r = await sim.slash("lead note", user="alice", lead="Europeana", text="Which one?")
    await assert_refused(sim, r, before, "Several leads you can see are named “Europeana”: L-1, L-2, L-3.")
    picked = await sim.slash("lead note", user="alice", lead="L-2", text="This one.")
    assert picked.text == "Note added to L-2."


async def test_a_name_that_is_not_exact_or_unknown_is_refused_clearly(sim: Sim) -> None:
    await add_lead(sim, "Europeana Foundation, Inc.", user="alice")
    before = await snapshot(sim.db)
    close = await sim.slash("lead move", user="alice", lead="Europeana Foundation", status="assessing")
    await assert_refused(
        sim,
        close,
        before,
        "No lead you can see is named exactly “Europeana Foundation”.",
        "Did you mean L-1 (Europeana",
    )
    unknown = await sim.slash("lead show", user="alice", lead="Nobody at all")
    await assert_refused(sim, unknown, before, "There is no lead Nobody at all that you can see.", "exact partner name")
    control = await sim.slash("lead show", user="alice", lead="\x00\x07")
    await assert_refused(sim, control, before, "There is no lead ? that you can see")


async def test_a_name_never_reveals_a_lead_the_member_cannot_see(sim: Sim) -> None:
    hidden = await service_lead(sim, "Working group only", owner="alice")
    public = await service_lead(sim, "Shared partner", owner="alice", visibility="public")
    await service_lead(sim, "Shared partner", owner="alice")  # same name, working group only
    before = await snapshot(sim.db)
    refused = await sim.slash("lead show", user="dave", lead="working group only")
    await assert_refused(sim, refused, before, "There is no lead working group only that you can see")
    assert hidden.ref not in refused.text
    # Only the lead dave may see counts: the name is not ambiguous for him.
    shown = await sim.slash("lead show", user="dave", lead="Shared partner")
    assert f"{public.ref} · Shared partner" in shown.text
