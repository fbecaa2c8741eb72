"""The member's language end to end through bot/sim: replies, forms and buttons follow the interaction's
locale, DMs the member's last one, channel posts the server's; unknown locales get English."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.i18n import FSI, PDI, t
from bot.sim import Sim

Factory = Callable[..., Awaitable[Sim]]

LEAD = {"partner": "Europeana", "level": "global", "direction": "external"}
FORM = {"summary": "Digital library of European heritage"}


@pytest.mark.parametrize(("locale", "lang"), [("es-ES", "es"), ("fr", "fr"), ("ar", "ar")])
async def test_lead_add_speaks_the_members_language_in_form_reply_and_buttons(sim: Sim, locale: str, lang: str) -> None:
    opened = await sim.slash("lead add", user="dave", locale=locale, **LEAD)
    assert opened.modal is not None
    assert opened.modal.title == t(lang, "lead.modal.title", partner="Europeana")
    assert opened.modal.title != t("en", "lead.modal.title", partner="Europeana")
    labels = [field.label for field in opened.modal.fields]
    assert t(lang, "lead.modal.summary") in labels and "Summary" not in labels

    saved = await sim.submit(opened.modal, FORM, user="dave", locale=locale)
    assert saved.ephemeral and t(lang, "lead.added", ref="L-1", partner="Europeana") in saved.text

    again = await sim.slash("lead add", user="dave", locale=locale, summary="x", **{**LEAD, "partner": "Europeana!"})
    assert again.reply is not None and again.ephemeral
    assert t(lang, "lead.button.log_anyway") in again.reply.buttons
    assert "Log anyway" not in again.reply.buttons
    logged = await sim.click(again.reply, t(lang, "lead.button.log_anyway"), user="dave", locale=locale)
    assert "L-2" in logged.text
    assert await sim.db.fetchval("SELECT count(*) FROM leads") == 2


async def test_an_unknown_locale_answers_in_english(sim: Sim) -> None:
    opened = await sim.slash("lead add", user="dave", locale="ja", **LEAD)
    assert opened.modal is not None and opened.modal.title == "New lead: Europeana"
    saved = await sim.submit(opened.modal, FORM, user="dave", locale="ja")
    assert saved.text.startswith("Logged L-1: Europeana.")
    refused = await sim.slash("lead show", user="dave", locale="ja", lead="L-99")
    assert refused.ephemeral and "L-99" in refused.text and t("en", "lead.unknown", ref="L-99") in refused.text


async def test_errors_are_private_and_translated(sim: Sim) -> None:
    r = await sim.slash("digest send", user="dave", locale="fr")
    assert r.ephemeral and r.text == t("fr", "error.needs_role.working_group")
    assert r.text != t("en", "error.needs_role.working_group")


async def test_a_dm_after_a_french_interaction_comes_back_in_french(sim: Sim) -> None:
    await sim.slash("feedback privacy", user="erin", locale="fr")
    [preview] = await sim.dm("erin", "Le formulaire d'accueil est trop long.")
    assert preview.embeds[0]["title"] == t("fr", "feedback.preview.title")
    assert preview.buttons == [t("fr", "feedback.button.send"), t("fr", "feedback.button.cancel")]
    sent = await sim.click(preview, "Envoyer anonymement", user="erin", locale="fr")
    assert sent.updated is not None and "Envoyé anonymement" in sent.updated.text
    # Switching the client to Spanish switches the next DM too.
    await sim.slash("feedback privacy", user="erin", locale="es-ES")
    [spanish] = await sim.dm("erin", "Otra idea.")
    assert spanish.embeds[0]["title"] == t("es", "feedback.preview.title")


async def test_a_dm_before_any_interaction_uses_the_server_language(sim_factory: Factory) -> None:
    sim = await sim_factory(config={"locale": "es"})
    [preview] = await sim.dm("dave", "Una idea.")
    assert preview.embeds[0]["title"] == t("es", "feedback.preview.title")


@pytest.mark.parametrize(("config", "guild_locale", "lang"), [({"locale": "fr"}, "en-US", "fr"), ({}, "es-ES", "es")])
async def test_channel_posts_use_the_server_language_not_the_posters(
    sim_factory: Factory, config: dict[str, str], guild_locale: str, lang: str
) -> None:
    sim = await sim_factory(config=config, guild_locale=guild_locale)
    opened = await sim.slash("lead add", user="dave", locale="ar", **LEAD)
    assert opened.modal is not None
    await sim.submit(opened.modal, FORM, user="dave", locale="ar")
    card = sim.channel("leads").last
    assert card is not None and t(lang, "status.logged") in card.text
    sim.advance(minutes=1)  # a period ends at "now", exclusive
    sent = await sim.slash("digest send", user="alice", locale="en-US")
    assert sent.ephemeral
    digest = "\n".join(m.text for m in sim.channel("digest").messages)
    header = t(lang, "digest.header_manual", start="", end="").split("·")[0].strip()
    assert header and header in digest
    assert t(lang, "digest.section.new_leads", count=1) in digest
    assert t(lang, "level.global") in digest


async def test_arabic_keeps_latin_names_and_ids_in_their_own_direction(sim: Sim) -> None:
    opened = await sim.slash("lead add", user="dave", locale="ar", **{**LEAD, "partner": "Europeana Foundation"})
    assert opened.modal is not None
    saved = await sim.submit(opened.modal, FORM, user="dave", locale="ar")
    assert f"{FSI}L-1{PDI}" in saved.text and f"{FSI}Europeana Foundation{PDI}" in saved.text
    shown = await sim.slash("lead show", user="alice", locale="ar", lead="L-1")
    assert shown.reply is not None
    body = "\n".join(str(e.get("description", "")) for e in shown.reply.embeds)
    assert t("ar", "status.logged") in body


async def test_synced_commands_carry_localized_names_descriptions_and_choices(sim: Sim) -> None:
    lead = next(c for c in sim.synced_commands if c["name"] == "lead")
    assert lead["name_localizations"]["es-ES"] and lead["name_localizations"]["fr"]
    add = next(o for o in lead["options"] if o["name"] == "add")
    assert add["description_localizations"]["fr"] != add["description"]
    level = next(o for o in add["options"] if o["name"] == "level")
    names = {c["value"]: c.get("name_localizations", {}) for c in level["choices"]}
    assert names["global"]["es-ES"] == "mundial" and names["global"]["fr"] == "mondial"
